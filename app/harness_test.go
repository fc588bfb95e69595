package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/app"
	"github.com/switchboardhq/switchboard/auth"
	"github.com/switchboardhq/switchboard/config"
	"github.com/switchboardhq/switchboard/internal/faketelegram"
	"github.com/switchboardhq/switchboard/outbox"
	"github.com/switchboardhq/switchboard/storage/storagetest"
)

const (
	secret        = "test-secret_123"
	adminEmail    = "lead@example.com"
	adminPassword = "correct horse battery"
)

// harness is one switchboard running on a real database, talking to a fake
// Telegram, reached over real HTTP.
type harness struct {
	t      *testing.T
	app    *app.App
	tg     *faketelegram.Server
	base   string
	dbURL  string
	cancel context.CancelFunc
	done   chan error
}

type setup struct {
	env   map[string]string
	dbURL string
	tg    *faketelegram.Server
	// options edits the app's Options before it is built.
	options []func(*app.Options)
}

func withEnv(k, v string) func(*setup) { return func(s *setup) { s.env[k] = v } }
func withDB(url string) func(*setup)   { return func(s *setup) { s.dbURL = url } }
func withOptions(edit func(*app.Options)) func(*setup) {
	return func(s *setup) { s.options = append(s.options, edit) }
}
func withFake(tg *faketelegram.Server) func(*setup) {
	return func(s *setup) { s.tg = tg }
}

func init() { auth.Cost = 4 }

func start(t *testing.T, opts ...func(*setup)) *harness {
	t.Helper()
	s := &setup{env: map[string]string{}}
	for _, o := range opts {
		o(s)
	}
	if s.tg == nil {
		s.tg = faketelegram.New()
		t.Cleanup(s.tg.Close)
	}
	if s.dbURL == "" {
		s.dbURL = storagetest.URL(t)
	}
	env := map[string]string{
		"SWITCHBOARD_ADDR":           "127.0.0.1:0",
		"SWITCHBOARD_DATABASE_URL":   s.dbURL,
		"SWITCHBOARD_ADMIN_EMAIL":    adminEmail,
		"SWITCHBOARD_ADMIN_PASSWORD": adminPassword,
		"TELEGRAM_BOT_TOKEN":         faketelegram.Token,
		"TELEGRAM_WEBHOOK_SECRET":    secret,
		"TELEGRAM_API_ENDPOINT":      s.tg.Endpoint(),
		"TELEGRAM_CHAT_INTERVAL":     "10ms",
	}
	for k, v := range s.env {
		env[k] = v
	}
	cfg, err := config.LoadFrom(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	ctx := context.Background()
	appOpts := app.Options{
		Logger:    slog.New(slog.NewTextHandler(io.Discard, nil)),
		Outbox:    outbox.Config{PollInterval: 50 * time.Millisecond, BackoffBase: 20 * time.Millisecond, BackoffMax: 200 * time.Millisecond},
		SMSLimits: &outbox.Limits{ChatInterval: 10 * time.Millisecond},
	}
	for _, edit := range s.options {
		edit(&appOpts)
	}
	a, err := app.New(ctx, cfg, appOpts)
	if err != nil {
		t.Fatalf("app.New: %v", err)
	}
	if err := a.Listen(); err != nil {
		t.Fatalf("listen: %v", err)
	}
	runCtx, cancel := context.WithCancel(ctx)
	h := &harness{t: t, app: a, tg: s.tg, base: "http://" + a.Addr(), dbURL: s.dbURL, cancel: cancel, done: make(chan error, 1)}
	go func() { h.done <- a.Run(runCtx) }()
	t.Cleanup(h.stop)
	return h
}

// stop shuts the app down gracefully and waits for it.
func (h *harness) stop() {
	if h.cancel == nil {
		return
	}
	h.cancel()
	h.cancel = nil
	select {
	case err := <-h.done:
		if err != nil {
			h.t.Errorf("app stopped with %v", err)
		}
	case <-time.After(30 * time.Second):
		h.t.Error("app did not stop within 30s")
	}
}

// postUpdate posts raw to the webhook with the given secret.
func (h *harness) postUpdate(raw []byte, sec string) (int, string) {
	h.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, h.base+"/webhooks/telegram", bytes.NewReader(raw))
	req.Header.Set("Content-Type", "application/json")
	if sec != "" {
		req.Header.Set(faketelegram.SecretTokenHeader, sec)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatalf("post update: %v", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// send posts an update with the right secret and requires 200.
func (h *harness) send(raw []byte) {
	h.t.Helper()
	if code, body := h.postUpdate(raw, secret); code != http.StatusOK {
		h.t.Fatalf("webhook answered %d: %s", code, body)
	}
}

// call makes an API request and decodes the JSON answer into out (if not nil).
func (h *harness) call(method, path, token string, body any, out any) int {
	h.t.Helper()
	var rd io.Reader
	if body != nil {
		if s, ok := body.(string); ok {
			rd = strings.NewReader(s)
		} else {
			b, _ := json.Marshal(body)
			rd = bytes.NewReader(b)
		}
	}
	req, _ := http.NewRequest(method, h.base+path, rd)
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if out != nil && len(raw) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
			h.t.Fatalf("%s %s: decode %q: %v", method, path, raw, err)
		}
	}
	return resp.StatusCode
}

func (h *harness) login(email, password string) string {
	h.t.Helper()
	var out struct {
		Token string `json:"token"`
	}
	if code := h.call(http.MethodPost, "/api/v1/auth/login", "", map[string]string{"email": email, "password": password}, &out); code != http.StatusOK {
		h.t.Fatalf("login %s: status %d", email, code)
	}
	return out.Token
}

// waitSent waits until the fake has accepted n messages, and returns them.
func (h *harness) waitSent(n int) []faketelegram.SentMessage {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(h.t.Context(), 15*time.Second)
	defer cancel()
	msgs, err := h.tg.WaitForMessages(ctx, n)
	if err != nil {
		h.t.Fatalf("waiting for %d sent messages, have %d: %v", n, len(h.tg.SentMessages()), err)
	}
	return msgs
}

// waitFor waits for cond, polling the app's state.
func (h *harness) waitFor(what string, cond func() bool) {
	h.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			h.t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

type conversationJSON struct {
	ID       uint64 `json:"id"`
	Ticket   string `json:"ticket"`
	Status   string `json:"status"`
	Customer struct {
		Name string `json:"name"`
	} `json:"customer"`
	Messages []struct {
		Author        string `json:"author"`
		Kind          string `json:"kind"`
		Text          string `json:"text"`
		FileID        string `json:"file_id"`
		DeliveryState string `json:"delivery_state"`
		Choices       []struct {
			Digit string `json:"digit"`
			Label string `json:"label"`
		} `json:"choices"`
	} `json:"messages"`
}

var ann = faketelegram.User{ID: 1001, FirstName: "Ann", LastName: "Lee", Username: "annlee", LanguageCode: "en"}
