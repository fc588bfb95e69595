package faketelegram_test

import (
	"fmt"
	"net/http"
	"testing"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/switchboardhq/switchboard/internal/faketelegram"
)

func TestScriptedFailuresReachTheClient(t *testing.T) {
	tests := []struct {
		name           string
		script         func(*faketelegram.Server)
		wantCode       int
		wantMessage    string
		wantRetryAfter int
	}{
		{
			name:           "too many requests",
			script:         func(s *faketelegram.Server) { s.FailTooManyRequests(55, 7) },
			wantCode:       http.StatusTooManyRequests,
			wantMessage:    "Too Many Requests: retry after 7",
			wantRetryAfter: 7,
		},
		{
			name:        "blocked by the user",
			script:      func(s *faketelegram.Server) { s.BlockChat(55) },
			wantCode:    http.StatusForbidden,
			wantMessage: "Forbidden: bot was blocked by the user",
		},
		{
			name:        "bad gateway",
			script:      func(s *faketelegram.Server) { s.FailServerError("sendMessage", 1) },
			wantCode:    http.StatusBadGateway,
			wantMessage: "Bad Gateway",
		},
		{
			name: "custom failure for this chat",
			script: func(s *faketelegram.Server) {
				s.Fail(faketelegram.Failure{ChatID: 55, Code: 400, Description: "Bad Request: chat not found"})
			},
			wantCode:    http.StatusBadRequest,
			wantMessage: "Bad Request: chat not found",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, bot := start(t)
			tt.script(srv)
			_, err := bot.Send(tgbotapi.NewMessage(55, "hello"))
			tgErr := apiError(t, err)
			if tgErr.Code != tt.wantCode || tgErr.Message != tt.wantMessage || tgErr.RetryAfter != tt.wantRetryAfter {
				t.Errorf("error = %d %q retry_after %d, want %d %q retry_after %d",
					tgErr.Code, tgErr.Message, tgErr.RetryAfter, tt.wantCode, tt.wantMessage, tt.wantRetryAfter)
			}
			if n := len(srv.SentMessages()); n != 0 {
				t.Errorf("recorded %d sent messages, want none", n)
			}
			if n := len(srv.Calls("sendMessage")); n != 1 {
				t.Errorf("recorded %d sendMessage calls, want the failed one", n)
			}
		})
	}
}

func TestFailureIsConsumedThenCallsSucceed(t *testing.T) {
	srv, bot := start(t)
	srv.FailServerError("sendMessage", 2)
	for i := range 2 {
		if _, err := bot.Send(tgbotapi.NewMessage(1, "retry me")); apiError(t, err).Code != http.StatusBadGateway {
			t.Fatalf("attempt %d: error %v, want 502", i+1, err)
		}
	}
	if _, err := bot.Send(tgbotapi.NewMessage(1, "retry me")); err != nil {
		t.Fatalf("third attempt: %v, want success", err)
	}
	if n := len(srv.SentMessages()); n != 1 {
		t.Errorf("sent %d messages, want 1", n)
	}
}

func TestFailureMatchesOnlyItsChat(t *testing.T) {
	srv, bot := start(t)
	srv.FailTooManyRequests(2, 1)
	if _, err := bot.Send(tgbotapi.NewMessage(1, "other chat")); err != nil {
		t.Fatalf("Send to chat 1: %v, want success", err)
	}
	if _, err := bot.Send(tgbotapi.NewMessage(2, "limited")); apiError(t, err).Code != http.StatusTooManyRequests {
		t.Fatalf("Send to chat 2: %v, want 429", err)
	}
}

func TestBlockChatLastsUntilUnblocked(t *testing.T) {
	srv, bot := start(t)
	srv.BlockChat(9)
	for range 2 {
		if _, err := bot.Send(tgbotapi.NewMessage(9, "hello?")); apiError(t, err).Code != http.StatusForbidden {
			t.Fatalf("Send: %v, want 403", err)
		}
	}
	srv.UnblockChat(9)
	if _, err := bot.Send(tgbotapi.NewMessage(9, "welcome back")); err != nil {
		t.Fatalf("Send after UnblockChat: %v", err)
	}
}

func TestDropConnectionsFailsWithoutAnswer(t *testing.T) {
	srv, bot := start(t)
	srv.DropConnections("sendMessage", 1)
	_, err := bot.Send(tgbotapi.NewMessage(1, "lost"))
	if err == nil {
		t.Fatal("Send succeeded, want a network error")
	}
	if _, ok := err.(*tgbotapi.Error); ok {
		t.Fatalf("error = %v, want a network error, not an API answer", err)
	}
	if _, err := bot.Send(tgbotapi.NewMessage(1, "found")); err != nil {
		t.Fatalf("second Send: %v", err)
	}
}

func TestEnforceLimitsAnswersTooManyRequests(t *testing.T) {
	srv, bot := startWith(t, faketelegram.Config{EnforceLimits: true})
	if _, err := bot.Send(tgbotapi.NewMessage(4, "first")); err != nil {
		t.Fatalf("first Send: %v", err)
	}
	if _, err := bot.Send(tgbotapi.NewMessage(5, "other chat")); err != nil {
		t.Fatalf("Send to another chat: %v", err)
	}
	_, err := bot.Send(tgbotapi.NewMessage(4, "too soon"))
	tgErr := apiError(t, err)
	if tgErr.Code != http.StatusTooManyRequests || tgErr.RetryAfter != 1 {
		t.Errorf("error = %d retry_after %d, want 429 retry_after 1", tgErr.Code, tgErr.RetryAfter)
	}
	if got := srv.BusiestSecond(4); got != 1 {
		t.Errorf("BusiestSecond(4) = %d, want 1", got)
	}
}

func TestFileMethodFailsDownloadsOnly(t *testing.T) {
	s := faketelegram.New()
	t.Cleanup(s.Close)
	s.PutFile("doc-1", []byte("bytes"))
	bot, err := tgbotapi.NewBotAPIWithAPIEndpoint(faketelegram.Token, s.Endpoint())
	if err != nil {
		t.Fatal(err)
	}
	f, err := bot.GetFile(tgbotapi.FileConfig{FileID: "doc-1"})
	if err != nil {
		t.Fatal(err)
	}
	fileURL := fmt.Sprintf(s.FileEndpoint(), faketelegram.Token, f.FilePath)
	download := func() int {
		resp, err := http.Get(fileURL)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	// A failure for every method leaves downloads alone.
	s.Fail(faketelegram.Failure{Code: http.StatusBadGateway})
	s.Fail(faketelegram.Failure{Method: faketelegram.FileMethod, Code: http.StatusNotFound})
	if got := []int{download(), download()}; got[0] != http.StatusNotFound || got[1] != http.StatusOK {
		t.Fatalf("downloads answered %v, want 404 once then 200", got)
	}
	if _, err := bot.GetFile(tgbotapi.FileConfig{FileID: "doc-1"}); err == nil {
		t.Fatal("the failure for every method was not left for the next call")
	}
}
