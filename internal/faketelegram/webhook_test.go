package faketelegram_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/switchboardhq/switchboard/internal/faketelegram"
)

func TestSetWebhookRecordsSecret(t *testing.T) {
	srv, bot := start(t)
	srv.QueueUpdate(faketelegram.TextUpdate(1, faketelegram.User{ID: 1, FirstName: "A"}, "stale"))
	resp, err := bot.MakeRequest("setWebhook", tgbotapi.Params{
		"url":                  "https://switchboard.example/telegram/webhook",
		"secret_token":         "s3cret_-Token",
		"allowed_updates":      `["message","callback_query","my_chat_member"]`,
		"drop_pending_updates": "true",
	})
	if err != nil {
		t.Fatalf("setWebhook: %v", err)
	}
	if resp.Description != "Webhook was set" {
		t.Errorf("description = %q, want Webhook was set", resp.Description)
	}
	want := faketelegram.Webhook{
		URL:                "https://switchboard.example/telegram/webhook",
		SecretToken:        "s3cret_-Token",
		AllowedUpdates:     []string{"message", "callback_query", "my_chat_member"},
		DropPendingUpdates: true,
	}
	if got := srv.Webhook(); !reflect.DeepEqual(got, want) {
		t.Errorf("Webhook() = %+v, want %+v", got, want)
	}
	if n := srv.PendingUpdates(); n != 0 {
		t.Errorf("pending updates = %d, want dropped", n)
	}
	info, err := bot.GetWebhookInfo()
	if err != nil {
		t.Fatalf("GetWebhookInfo: %v", err)
	}
	if !info.IsSet() || info.URL != want.URL {
		t.Errorf("webhook info = %+v, want the URL", info)
	}
}

func TestSetWebhookValidatesSecret(t *testing.T) {
	tests := []struct {
		name   string
		secret string
		wantOK bool
	}{
		{"letters digits underscore dash", "Abc_123-xyz", true},
		{"256 characters", strings.Repeat("a", 256), true},
		{"257 characters", strings.Repeat("a", 257), false},
		{"space", "has space", false},
		{"colon", "a:b", false},
		{"cyrillic", "секрет", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, bot := start(t)
			_, err := bot.MakeRequest("setWebhook", tgbotapi.Params{"url": "https://x.example/hook", "secret_token": tt.secret})
			if tt.wantOK {
				if err != nil {
					t.Fatalf("setWebhook: %v", err)
				}
				return
			}
			if apiError(t, err).Code != http.StatusBadRequest {
				t.Errorf("error = %v, want 400", err)
			}
			if srv.Webhook().URL != "" {
				t.Error("webhook set despite the bad secret")
			}
		})
	}
}

func TestGetUpdatesConflictsWithWebhook(t *testing.T) {
	_, bot := start(t)
	if _, err := bot.MakeRequest("setWebhook", tgbotapi.Params{"url": "https://x.example/hook"}); err != nil {
		t.Fatalf("setWebhook: %v", err)
	}
	_, err := bot.GetUpdates(tgbotapi.UpdateConfig{})
	tgErr := apiError(t, err)
	if tgErr.Code != http.StatusConflict || !strings.HasPrefix(tgErr.Message, "Conflict: can't use getUpdates method while webhook is active") {
		t.Errorf("error = %d %q, want 409 Conflict", tgErr.Code, tgErr.Message)
	}
	if _, err := bot.Request(tgbotapi.DeleteWebhookConfig{}); err != nil {
		t.Fatalf("deleteWebhook: %v", err)
	}
	if _, err := bot.GetUpdates(tgbotapi.UpdateConfig{}); err != nil {
		t.Errorf("getUpdates after deleteWebhook: %v", err)
	}
}

func TestDeliverUpdateSendsSecretHeader(t *testing.T) {
	srv, bot := start(t)
	type received struct{ secret, text string }
	got := make(chan received, 1)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		update, err := bot.HandleUpdate(r)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		got <- received{r.Header.Get(faketelegram.SecretTokenHeader), update.Message.Text}
	}))
	t.Cleanup(hook.Close)

	if _, err := srv.DeliverUpdate(t.Context(), []byte(`{"update_id":1}`)); !errors.Is(err, faketelegram.ErrNoWebhook) {
		t.Fatalf("DeliverUpdate without webhook = %v, want ErrNoWebhook", err)
	}
	if _, err := bot.MakeRequest("setWebhook", tgbotapi.Params{"url": hook.URL, "secret_token": "tok"}); err != nil {
		t.Fatalf("setWebhook: %v", err)
	}
	status, err := srv.DeliverUpdate(t.Context(), faketelegram.TextUpdate(1, faketelegram.User{ID: 2, FirstName: "B"}, "via webhook"))
	if err != nil || status != http.StatusOK {
		t.Fatalf("DeliverUpdate = %d, %v; want 200", status, err)
	}
	if r := <-got; r.secret != "tok" || r.text != "via webhook" {
		t.Errorf("webhook got secret %q text %q, want tok and via webhook", r.secret, r.text)
	}
}
