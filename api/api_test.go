package api_test

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"
	"golang.org/x/crypto/bcrypt"

	"github.com/switchboardhq/switchboard/api"
	"github.com/switchboardhq/switchboard/auth"
	"github.com/switchboardhq/switchboard/config"
	"github.com/switchboardhq/switchboard/dialog"
	"github.com/switchboardhq/switchboard/events"
	"github.com/switchboardhq/switchboard/media"
	"github.com/switchboardhq/switchboard/storage"
	"github.com/switchboardhq/switchboard/storage/storagetest"
)

func TestMain(m *testing.M) {
	auth.Cost = bcrypt.MinCost
	os.Exit(m.Run())
}

// server is the API on a real database behind a real HTTP server.
type server struct {
	url    string
	api    *api.API
	store  *storage.Storage
	engine *dialog.Engine
	broker *events.Broker
}

func newServer(t *testing.T) *server {
	t.Helper()
	return newServerWith(t, api.Options{})
}

// newServerWith is newServer with o's settings; the store, engine, broker
// and logger are filled in.
func newServerWith(t *testing.T, o api.Options) *server {
	t.Helper()
	store := storagetest.Open(t)
	broker := events.NewBroker()
	// The API's tests run on the wall clock: quiet hours, which depend on
	// the hour, are the engine's tests' to exercise on a fixed one.
	settings := config.DefaultSettings()
	settings.QuietHours = "off"
	engine, err := dialog.New(store, dialog.Options{Settings: settings, Broker: broker})
	if err != nil {
		t.Fatal(err)
	}
	o.Store, o.Engine, o.Broker, o.Logger = store, engine, broker, slog.New(slog.DiscardHandler)
	if o.Media == nil {
		o.Media = media.NewService(store, media.Config{Logger: o.Logger})
	}
	a := api.New(o)
	e := echo.New()
	e.HTTPErrorHandler = a.HTTPErrorHandler
	a.Register(e)
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	return &server{url: srv.URL, api: a, store: store, engine: engine, broker: broker}
}

// addOperator creates an operator and returns it with a fresh login token.
func (s *server) addOperator(t *testing.T, email, role string) (storage.Operator, string) {
	t.Helper()
	hash, err := auth.HashPassword("password-" + email)
	if err != nil {
		t.Fatal(err)
	}
	op := storage.Operator{Email: email, Name: strings.Split(email, "@")[0], PasswordHash: hash, Role: role, Active: true}
	if err := s.store.CreateOperator(t.Context(), &op); err != nil {
		t.Fatal(err)
	}
	var login struct {
		Token string `json:"token"`
	}
	s.mustDo(t, http.MethodPost, "/api/v1/auth/login", "", `{"email":"`+email+`","password":"password-`+email+`"}`, http.StatusOK, &login)
	return op, login.Token
}

// do sends a request with a bearer token (none when empty) and returns
// the status and body.
func (s *server) do(t *testing.T, method, path, token, body string) (int, []byte) {
	t.Helper()
	res, raw := s.sendWith(t, method, path, body, func(r *http.Request) {
		if token != "" {
			r.Header.Set("Authorization", "Bearer "+token)
		}
	})
	return res.StatusCode, raw
}

// sendWith sends a request, letting prep add headers and cookies, and
// returns the response (body read) and its body.
func (s *server) sendWith(t *testing.T, method, path, body string, prep func(*http.Request)) (*http.Response, []byte) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, s.url+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if prep != nil {
		prep(req)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, raw
}

// mustDo is do that fails the test on another status and decodes into out.
func (s *server) mustDo(t *testing.T, method, path, token, body string, want int, out any) {
	t.Helper()
	status, raw := s.do(t, method, path, token, body)
	if status != want {
		t.Fatalf("%s %s = %d %s, want %d", method, path, status, raw, want)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s %s: decode %s: %v", method, path, raw, err)
		}
	}
}

// customerSays sends one Telegram event from customer 42 (Ann) through the
// engine, as the Telegram adapter would.
func (s *server) customerSays(t *testing.T, ev dialog.Event) dialog.Result {
	t.Helper()
	ev.From = storage.Contact{Channel: dialog.ChannelTelegram, ExternalID: "42", Address: "42", Name: "Ann", Username: "ann", Language: "en"}
	res, err := s.engine.Handle(t.Context(), ev)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// waitingConversation has customer Ann start the bot and type text, which
// hands the conversation over to the queue.
func (s *server) waitingConversation(t *testing.T, text string) uint64 {
	t.Helper()
	s.customerSays(t, dialog.Event{ExternalID: "1", Kind: dialog.KindCommand, Command: "start"})
	res := s.customerSays(t, dialog.Event{ExternalID: "2", Kind: dialog.KindText, Text: text})
	if res.State != storage.StateWaiting {
		t.Fatalf("after typing, conversation is %q, want waiting", res.State)
	}
	return res.ConversationID
}

type errorResponse struct {
	Error string `json:"error"`
}

// wantError checks an error response's status and that its message
// mentions want.
func wantError(t *testing.T, status int, raw []byte, wantStatus int, want string) {
	t.Helper()
	var body errorResponse
	if err := json.Unmarshal(raw, &body); err != nil {
		t.Fatalf("error body %s is not JSON: %v", raw, err)
	}
	if status != wantStatus || !strings.Contains(body.Error, want) {
		t.Fatalf("got %d %q, want %d mentioning %q", status, body.Error, wantStatus, want)
	}
}
