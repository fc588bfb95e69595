package app_test

import (
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/switchboardhq/switchboard/app"
	"github.com/switchboardhq/switchboard/config"
	"github.com/switchboardhq/switchboard/internal/faketelegram"
	"github.com/switchboardhq/switchboard/storage/storagetest"
)

func TestHealthReadinessAndMetrics(t *testing.T) {
	h := start(t)
	h.send(faketelegram.CommandUpdate(1, ann, "operator", ""))
	h.waitSent(1)
	get := func(path string) (int, string) {
		resp, err := http.Get(h.base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, _ := get("/healthz"); code != http.StatusOK {
		t.Fatalf("healthz %d", code)
	}
	if code, _ := get("/readyz"); code != http.StatusOK {
		t.Fatalf("readyz %d", code)
	}
	var code int
	var body string
	h.waitFor("delivery counted", func() bool {
		code, body = get("/metrics")
		return strings.Contains(body, `result="sent"`)
	})
	for _, want := range []string{
		`switchboard_conversations{state="waiting"} 1`,
		`switchboard_inbound_events_total{channel="telegram",outcome="handled"}`,
		`switchboard_outbox_deliveries_total{channel="telegram",result="sent"}`,
		"go_goroutines",
	} {
		if code != http.StatusOK || !strings.Contains(body, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	if code, body := get("/"); code != http.StatusOK || !strings.Contains(body, "switchboard") {
		t.Fatalf("console %d", code)
	}
	if code, body := get("/api/v1/nothing"); code != http.StatusNotFound && code != http.StatusUnauthorized || !strings.Contains(body, `"error"`) {
		t.Fatalf("unknown API path: %d %s", code, body)
	}
}

// TestStartsWhileTelegramIsOutOfReach: a Telegram outage during a restart
// must not keep the console and the other channels down; a token Telegram
// refuses still stops start-up.
func TestStartsWhileTelegramIsOutOfReach(t *testing.T) {
	h := start(t, withEnv("TELEGRAM_API_ENDPOINT", "http://127.0.0.1:1/bot%s/%s"))
	h.send(faketelegram.TextUpdate(1, ann, "Hello while Telegram is down"))
	token := h.login(adminEmail, adminPassword)
	var list struct {
		Conversations []conversationJSON `json:"conversations"`
	}
	if code := h.call(http.MethodGet, "/api/v1/conversations", token, nil, &list); code != http.StatusOK || len(list.Conversations) != 1 {
		t.Fatalf("conversations: %d, %+v", code, list)
	}

	env := map[string]string{
		"SWITCHBOARD_DATABASE_URL": storagetest.URL(t), "TELEGRAM_BOT_TOKEN": faketelegram.RejectedToken,
		"TELEGRAM_API_ENDPOINT": h.tg.Endpoint(),
	}
	cfg, err := config.LoadFrom(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		t.Fatal(err)
	}
	if _, err := app.New(t.Context(), cfg, app.Options{Logger: slog.New(slog.DiscardHandler)}); err == nil || !strings.Contains(err.Error(), "TELEGRAM_BOT_TOKEN") {
		t.Fatalf("a refused token: %v, want start-up to stop naming TELEGRAM_BOT_TOKEN", err)
	}
}
