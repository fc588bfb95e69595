package faketelegram_test

import (
	"encoding/json"
	"testing"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/switchboardhq/switchboard/internal/faketelegram"
)

func TestBuildersMatchTheBotAPI(t *testing.T) {
	boris := faketelegram.User{ID: 777, FirstName: "Борис", LastName: "Петров", Username: "boris", LanguageCode: "ru"}
	tests := []struct {
		name  string
		raw   []byte
		check func(t *testing.T, u tgbotapi.Update)
	}{
		{
			name: "text",
			raw:  faketelegram.TextUpdate(1, boris, "Привет"),
			check: func(t *testing.T, u tgbotapi.Update) {
				m := u.Message
				if m.Text != "Привет" || m.IsCommand() || m.MessageID == 0 || m.Date == 0 {
					t.Errorf("message = %+v", m)
				}
				if m.From.ID != 777 || m.From.IsBot || m.From.LanguageCode != "ru" || m.From.UserName != "boris" {
					t.Errorf("from = %+v", m.From)
				}
				if m.Chat.ID != 777 || m.Chat.Type != "private" || m.Chat.FirstName != "Борис" {
					t.Errorf("chat = %+v", m.Chat)
				}
			},
		},
		{
			name: "command with payload",
			raw:  faketelegram.CommandUpdate(2, boris, "/start", "ref-42"),
			check: func(t *testing.T, u tgbotapi.Update) {
				m := u.Message
				if !m.IsCommand() || m.Command() != "start" || m.CommandArguments() != "ref-42" {
					t.Errorf("command %v %q %q, want start ref-42", m.IsCommand(), m.Command(), m.CommandArguments())
				}
			},
		},
		{
			name: "command without slash or payload",
			raw:  faketelegram.CommandUpdate(3, boris, "help", ""),
			check: func(t *testing.T, u tgbotapi.Update) {
				m := u.Message
				if m.Text != "/help" || m.Command() != "help" || m.CommandArguments() != "" {
					t.Errorf("message %q command %q args %q", m.Text, m.Command(), m.CommandArguments())
				}
			},
		},
		{
			name: "callback",
			raw:  faketelegram.CallbackUpdate(4, boris, 99, "rate:5"),
			check: func(t *testing.T, u tgbotapi.Update) {
				q := u.CallbackQuery
				if q.ID == "" || q.ChatInstance == "" || q.Data != "rate:5" || u.CallbackData() != "rate:5" {
					t.Errorf("callback query = %+v", q)
				}
				if q.From.ID != 777 || q.Message.MessageID != 99 || !q.Message.From.IsBot || u.FromChat().ID != 777 {
					t.Errorf("callback from %+v message %+v", q.From, q.Message)
				}
			},
		},
		{
			name: "photo",
			raw:  faketelegram.PhotoUpdate(5, boris, "чек"),
			check: func(t *testing.T, u tgbotapi.Update) {
				photo := u.Message.Photo
				if len(photo) != 3 || u.Message.Caption != "чек" {
					t.Fatalf("photo = %+v caption %q", photo, u.Message.Caption)
				}
				for i, size := range photo {
					if size.FileID == "" || size.FileUniqueID == "" || size.Width == 0 || size.Height == 0 || size.FileSize == 0 {
						t.Errorf("size %d = %+v, want every field", i, size)
					}
					if i > 0 && (size.Width <= photo[i-1].Width || size.FileSize <= photo[i-1].FileSize) {
						t.Errorf("size %d = %+v not larger than %+v", i, size, photo[i-1])
					}
				}
			},
		},
		{
			name: "document",
			raw:  faketelegram.DocumentUpdate(6, boris, "invoice.pdf", "application/pdf", ""),
			check: func(t *testing.T, u tgbotapi.Update) {
				d := u.Message.Document
				if d.FileID == "" || d.FileUniqueID == "" || d.FileName != "invoice.pdf" || d.MimeType != "application/pdf" {
					t.Errorf("document = %+v", d)
				}
			},
		},
		{
			name: "voice",
			raw:  faketelegram.VoiceUpdate(7, boris, 12),
			check: func(t *testing.T, u tgbotapi.Update) {
				v := u.Message.Voice
				if v.FileID == "" || v.Duration != 12 || v.MimeType != "audio/ogg" {
					t.Errorf("voice = %+v", v)
				}
			},
		},
		{
			name: "sticker",
			raw:  faketelegram.StickerUpdate(8, boris, "👍"),
			check: func(t *testing.T, u tgbotapi.Update) {
				s := u.Message.Sticker
				if s.FileID == "" || s.Emoji != "👍" || s.Width == 0 {
					t.Errorf("sticker = %+v", s)
				}
			},
		},
		{
			name: "contact",
			raw:  faketelegram.ContactUpdate(9, boris, "+79161234567"),
			check: func(t *testing.T, u tgbotapi.Update) {
				c := u.Message.Contact
				if c.PhoneNumber != "+79161234567" || c.FirstName != "Борис" || c.UserID != 777 {
					t.Errorf("contact = %+v", c)
				}
			},
		},
		{
			name: "location",
			raw:  faketelegram.LocationUpdate(10, boris, 55.75, 37.62),
			check: func(t *testing.T, u tgbotapi.Update) {
				if l := u.Message.Location; l.Latitude != 55.75 || l.Longitude != 37.62 {
					t.Errorf("location = %+v", l)
				}
			},
		},
		{
			name: "edited text",
			raw:  faketelegram.EditedTextUpdate(11, boris, 1, "Привет!"),
			check: func(t *testing.T, u tgbotapi.Update) {
				m := u.EditedMessage
				if m == nil || m.MessageID != 1 || m.Text != "Привет!" || m.EditDate == 0 {
					t.Errorf("edited message = %+v", m)
				}
			},
		},
		{
			name: "blocked the bot",
			raw:  faketelegram.MyChatMemberUpdate(12, boris, "kicked"),
			check: func(t *testing.T, u tgbotapi.Update) {
				c := u.MyChatMember
				if c.NewChatMember.Status != "kicked" || c.OldChatMember.Status != "member" || c.From.ID != 777 || c.Chat.ID != 777 {
					t.Errorf("my_chat_member = %+v", c)
				}
				if !c.NewChatMember.User.IsBot {
					t.Errorf("new chat member %+v, want the bot", c.NewChatMember.User)
				}
			},
		},
		{
			name: "unblocked the bot",
			raw:  faketelegram.MyChatMemberUpdate(13, boris, "member"),
			check: func(t *testing.T, u tgbotapi.Update) {
				if c := u.MyChatMember; c.NewChatMember.Status != "member" || c.OldChatMember.Status != "kicked" {
					t.Errorf("my_chat_member = %+v", c)
				}
			},
		},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var u tgbotapi.Update
			if err := json.Unmarshal(tt.raw, &u); err != nil {
				t.Fatalf("unmarshal %s: %v", tt.raw, err)
			}
			if u.UpdateID != i+1 {
				t.Errorf("update_id = %d, want %d", u.UpdateID, i+1)
			}
			// The library's SentFrom does not look at my_chat_member.
			if u.MyChatMember == nil && (u.SentFrom() == nil || u.SentFrom().ID != 777) {
				t.Errorf("SentFrom() = %+v, want Boris", u.SentFrom())
			}
			tt.check(t, u)
		})
	}
}

func TestQueuedBuilderUpdatesArriveThroughGetUpdates(t *testing.T) {
	srv, bot := start(t)
	srv.QueueUpdate(faketelegram.CallbackUpdate(1, alice, 5, "pick:2"))
	srv.QueueUpdate(faketelegram.ContactUpdate(2, alice, "+447700900123"))
	updates, err := bot.GetUpdates(tgbotapi.UpdateConfig{Timeout: 1})
	if err != nil {
		t.Fatalf("GetUpdates: %v", err)
	}
	if len(updates) != 2 || updates[0].CallbackData() != "pick:2" || updates[1].Message.Contact.PhoneNumber != "+447700900123" {
		t.Errorf("updates = %+v, want the callback then the contact", updates)
	}
}
