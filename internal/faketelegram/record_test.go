package faketelegram_test

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/switchboardhq/switchboard/internal/faketelegram"
)

func TestSendMessageRecordsKeyboard(t *testing.T) {
	tests := []struct {
		name   string
		markup any
		want   faketelegram.Keyboard
	}{
		{
			name: "inline keyboard",
			markup: tgbotapi.NewInlineKeyboardMarkup(
				tgbotapi.NewInlineKeyboardRow(
					tgbotapi.NewInlineKeyboardButtonData("Да", "yes"),
					tgbotapi.NewInlineKeyboardButtonData("Нет", "no"),
				),
				tgbotapi.NewInlineKeyboardRow(tgbotapi.NewInlineKeyboardButtonURL("Help", "https://example.com/help")),
			),
			want: faketelegram.Keyboard{Inline: [][]faketelegram.Button{
				{{Text: "Да", CallbackData: "yes"}, {Text: "Нет", CallbackData: "no"}},
				{{Text: "Help", URL: "https://example.com/help"}},
			}},
		},
		{
			name: "reply keyboard asking for the phone number",
			markup: tgbotapi.NewReplyKeyboard(tgbotapi.NewKeyboardButtonRow(
				tgbotapi.NewKeyboardButtonContact("Share phone"),
				tgbotapi.NewKeyboardButton("Skip"),
			)),
			want: faketelegram.Keyboard{Reply: [][]faketelegram.Button{
				{{Text: "Share phone", RequestContact: true}, {Text: "Skip"}},
			}},
		},
		{
			name:   "keyboard removed",
			markup: tgbotapi.NewRemoveKeyboard(true),
			want:   faketelegram.Keyboard{Remove: true},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, bot := start(t)
			msg := tgbotapi.NewMessage(1001, "Choose")
			msg.ParseMode = tgbotapi.ModeHTML
			msg.ReplyMarkup = tt.markup
			if _, err := bot.Send(msg); err != nil {
				t.Fatalf("Send: %v", err)
			}
			sent := srv.SentMessages()
			if len(sent) != 1 {
				t.Fatalf("sent %d messages, want 1", len(sent))
			}
			got := sent[0]
			if got.ChatID != 1001 || got.Text != "Choose" || got.ParseMode != "HTML" || got.At.IsZero() {
				t.Errorf("sent = %+v, want chat 1001, text Choose, HTML", got)
			}
			if got.ReplyMarkup.Raw == "" {
				t.Error("ReplyMarkup.Raw is empty")
			}
			got.ReplyMarkup.Raw = ""
			if !reflect.DeepEqual(got.ReplyMarkup, tt.want) {
				t.Errorf("ReplyMarkup = %+v, want %+v", got.ReplyMarkup, tt.want)
			}
		})
	}
}

func TestWaitForMessagesReturnsOnceSent(t *testing.T) {
	srv, bot := start(t)
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	go func() {
		for _, text := range []string{"one", "two"} {
			if _, err := bot.Send(tgbotapi.NewMessage(3, text)); err != nil {
				t.Errorf("Send: %v", err)
			}
		}
	}()
	sent, err := srv.WaitForMessages(ctx, 2)
	if err != nil {
		t.Fatalf("WaitForMessages: %v", err)
	}
	if sent[0].Text != "one" || sent[1].Text != "two" {
		t.Errorf("sent = %+v, want one then two", sent)
	}
}

func TestWaitForGivesUpWithContext(t *testing.T) {
	srv := faketelegram.New()
	t.Cleanup(srv.Close)
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	sent, err := srv.WaitForMessages(ctx, 1)
	if !errors.Is(err, context.DeadlineExceeded) || len(sent) != 0 {
		t.Errorf("WaitForMessages = %v, %v; want no messages and DeadlineExceeded", sent, err)
	}
	err = srv.WaitFor(ctx, func(s *faketelegram.Server) bool { return len(s.Calls("")) > 0 })
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("WaitFor = %v, want DeadlineExceeded", err)
	}
}

func TestResetForgetsEverything(t *testing.T) {
	srv, bot := start(t)
	if _, err := bot.Send(tgbotapi.NewMessage(3, "before")); err != nil {
		t.Fatalf("Send: %v", err)
	}
	srv.BlockChat(3)
	srv.QueueUpdate(faketelegram.TextUpdate(1, faketelegram.User{ID: 3, FirstName: "A"}, "hi"))
	srv.Reset()
	if n := len(srv.Calls("")); n != 0 {
		t.Errorf("calls after Reset = %d, want 0", n)
	}
	if n := srv.PendingUpdates(); n != 0 {
		t.Errorf("pending updates after Reset = %d, want 0", n)
	}
	if _, err := bot.Send(tgbotapi.NewMessage(3, "after")); err != nil {
		t.Errorf("Send after Reset: %v, want the chat unblocked", err)
	}
	if sent := srv.SentMessages(); len(sent) != 1 || sent[0].Text != "after" {
		t.Errorf("sent = %+v, want only the message after Reset", sent)
	}
}

func TestBusiestSecondCountsPerChat(t *testing.T) {
	srv, bot := start(t)
	for _, chat := range []int64{10, 10, 10, 20} {
		if _, err := bot.Send(tgbotapi.NewMessage(chat, "burst")); err != nil {
			t.Fatalf("Send: %v", err)
		}
	}
	if got := srv.BusiestSecond(10); got != 3 {
		t.Errorf("BusiestSecond(10) = %d, want 3", got)
	}
	if got := srv.BusiestSecond(20); got != 1 {
		t.Errorf("BusiestSecond(20) = %d, want 1", got)
	}
	if got := srv.BusiestSecond(0); got != 4 {
		t.Errorf("BusiestSecond(0) = %d, want 4", got)
	}
	if got := len(srv.SendTimes(10)); got != 3 {
		t.Errorf("SendTimes(10) has %d times, want 3", got)
	}
}

func TestShortestChatGapFindsTheClosestPairInOneChat(t *testing.T) {
	srv, bot := start(t)
	if _, _, ok := srv.ShortestChatGap(); ok {
		t.Fatal("ShortestChatGap ok before any chat got two messages")
	}
	for _, chat := range []int64{10, 20, 10} {
		if _, err := bot.Send(tgbotapi.NewMessage(chat, "hi")); err != nil {
			t.Fatalf("Send: %v", err)
		}
	}
	times := srv.SendTimes(10)
	gap, chat, ok := srv.ShortestChatGap()
	if !ok || chat != 10 || gap != times[1].Sub(times[0]) {
		t.Errorf("ShortestChatGap = %v, %d, %v; want %v, 10, true", gap, chat, ok, times[1].Sub(times[0]))
	}
}
