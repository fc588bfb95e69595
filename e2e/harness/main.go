// Command harness runs switchboard for the browser tests in e2e/browser: a
// fake Telegram Bot API (internal/faketelegram) and the whole app in-process
// (app.New, as the Go end-to-end tests build it) on SQLite in a temporary
// folder, plus a small control server the tests use to play the customer
// and to see what the fake Telegram received.
//
// Everything listens on 127.0.0.1 with a port picked by the kernel. When
// ready it prints one JSON line on stdout:
//
//	{"base_url":"http://127.0.0.1:P","control_url":"http://127.0.0.1:Q",...}
//
// The control server answers
//
//	GET  /config           URLs, the webhook secret and both operators' credentials
//	GET  /sent             the messages the fake accepted, oldest first;
//	                       ?chat_id=N only that chat; ?min=N&timeout=10s waits
//	                       (at most 30s) until there are at least N
//	POST /update           body: a raw Telegram Update; forwarded to the webhook
//	                       with the secret; answers the webhook's status and body
//	POST /customer/text    {"user":{id,first_name,...},"text":"…"}: an update built
//	                       with faketelegram.TextUpdate, forwarded the same way
//	POST /customer/command {"user":{…},"command":"start","payload":""}: likewise
//	                       with faketelegram.CommandUpdate
//	POST /customer/contact {"user":{…},"phone":"+44…"}: the customer shares their
//	                       number (faketelegram.ContactUpdate), forwarded the same way
//	POST /callback/book    {"conversation_id":N,"phone":"+…","due_at":"RFC 3339"}:
//	                       books a callback for conversation N as the customer's own
//	                       request does (ticket set; due_at "" for as soon as
//	                       possible); answers {"id","status"}
//	POST /callback/fail    {"id":N,"outcome":"no-answer"}: gives up on callback N
//	                       as the dialer does after its last attempt (the harness
//	                       has no Twilio, so nothing dials); answers {"id","status","outcome"}
//	POST /reports/seed     {"answers":[{channel,operator_id,score,at,first_response_seconds,
//	                       resolution_seconds}],"labels":[{channel,operator_id,label,at}]}:
//	                       survey answers and labelled messages on resolved tickets, written
//	                       straight to the store (seed.go); answers {"answers":N,"labels":N}
//	POST /promises/seed    {"waits":[{channel,minutes,told_at,outcome,settled_at}],
//	                       "callbacks":[{channel,promised_at,dialed_at}]}: waits told and
//	                       callbacks promised, written through the store (promises.go);
//	                       answers {"waits":N,"callbacks":N}
//	POST /queue/seed       {"count":N,"since":"RFC 3339"}: N customers waiting, handed
//	                       over a second apart (seed.go); answers {"tickets":[…]} in
//	                       queue order
//	POST /followups/seed   {"count":N,"closed_by":ID}: N closed follow-ups of complaints
//	                       (seed.go); answers {"ids":[…]} newest first
//	POST /survey/answer    {"conversation_id":N,"score":9,"comment":"…"}: the customer of
//	                       conversation N answers its survey, with a comment unless it is
//	                       "" (seed.go); answers {"survey_id","comment_id"}
//	POST /customer/tickets {"customer_id":N,"count":K}: K resolved tickets of customer N,
//	                       a day apart, older than anything else of theirs (seed.go);
//	                       answers {"tickets":[…]} newest first
//
// It stops, removing its temporary folder, on SIGINT or SIGTERM, when its
// standard input closes (so it dies with the test process that spawned it;
// -stdin=false turns that off), or after -lifetime.
package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/switchboardhq/switchboard/app"
	"github.com/switchboardhq/switchboard/auth"
	"github.com/switchboardhq/switchboard/config"
	"github.com/switchboardhq/switchboard/dialog"
	"github.com/switchboardhq/switchboard/internal/faketelegram"
	"github.com/switchboardhq/switchboard/internal/faketwilio"
	"github.com/switchboardhq/switchboard/outbox"
	"github.com/switchboardhq/switchboard/storage"
)

// Fixed credentials: the browser tests log in with these.
const (
	webhookSecret    = "e2e-secret_42"
	adminEmail       = "lead@example.com"
	adminPassword    = "correct horse battery"
	operatorEmail    = "bob@example.com"
	operatorName     = "Bob Operator"
	operatorPassword = "bob's long password"
	maxBody          = 1 << 20
	maxWait          = 30 * time.Second
)

func main() {
	lifetime := flag.Duration("lifetime", 15*time.Minute, "stop after this long whatever happens")
	watchStdin := flag.Bool("stdin", true, "stop when standard input closes")
	verbose := flag.Bool("v", false, "log switchboard's own lines to stderr")
	withTwilio := flag.Bool("twilio", false, "enable Twilio against a fake (SMS, MMS, dialling)")
	region := flag.String("default-region", "", "YAML default_region: the country of numbers typed without a country code (e.g. GB)")
	flag.Parse()
	if err := run(*lifetime, *watchStdin, *verbose, *withTwilio, *region); err != nil {
		fmt.Fprintln(os.Stderr, "harness:", err)
		os.Exit(1)
	}
}

func run(lifetime time.Duration, watchStdin, verbose, withTwilio bool, region string) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, lifetime)
	defer cancel()
	if watchStdin {
		go func() {
			_, _ = io.Copy(io.Discard, os.Stdin)
			cancel()
		}()
	}

	dir, err := os.MkdirTemp("", "switchboard-e2e-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	tg := faketelegram.New()
	defer tg.Close()

	// Passwords are hashed at bcrypt's lowest cost: these are throwaway
	// accounts, and every login in the tests would otherwise cost ~250ms.
	auth.Cost = 4
	env := map[string]string{
		"SWITCHBOARD_ADDR":           "127.0.0.1:0",
		"SWITCHBOARD_DATABASE_URL":   "sqlite://" + filepath.Join(dir, "switchboard.db"),
		"SWITCHBOARD_ADMIN_EMAIL":    adminEmail,
		"SWITCHBOARD_ADMIN_PASSWORD": adminPassword,
		"TELEGRAM_BOT_TOKEN":         faketelegram.Token,
		"TELEGRAM_WEBHOOK_SECRET":    webhookSecret,
		"TELEGRAM_API_ENDPOINT":      tg.Endpoint(),
		"TELEGRAM_CHAT_INTERVAL":     "10ms",
	}
	if region != "" {
		path := filepath.Join(dir, "switchboard.yaml")
		if err := os.WriteFile(path, []byte("default_region: "+strconv.Quote(region)+"\n"), 0o600); err != nil {
			return err
		}
		env["SWITCHBOARD_CONFIG"] = path
	}
	var tw *faketwilio.Server
	if withTwilio {
		tw = faketwilio.New()
		defer tw.Close()
		env["SWITCHBOARD_PUBLIC_URL"] = twilioPublicURL
		env["TWILIO_ACCOUNT_SID"], env["TWILIO_AUTH_TOKEN"] = tw.AccountSID(), tw.AuthToken()
		env["TWILIO_PHONE_NUMBER"], env["TWILIO_API_BASE_URL"] = twilioNumber, tw.URL()
	}
	cfg, err := config.LoadFrom(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	logOut := io.Discard
	if verbose {
		logOut = os.Stderr
	}
	a, err := app.New(ctx, cfg, app.Options{
		Logger: slog.New(slog.NewTextHandler(logOut, nil)),
		Outbox: outbox.Config{PollInterval: 50 * time.Millisecond, BackoffBase: 20 * time.Millisecond, BackoffMax: 200 * time.Millisecond},
	})
	if err != nil {
		return fmt.Errorf("app.New: %w", err)
	}
	if err := a.Listen(); err != nil {
		return err
	}
	appDone := make(chan error, 1)
	appCtx, stopApp := context.WithCancel(context.Background())
	defer stopApp()
	go func() { appDone <- a.Run(appCtx) }()
	base := "http://" + a.Addr()

	h := &harness{tg: tg, twilio: tw, engine: a.Engine, store: a.Store, base: base, client: &http.Client{Timeout: 20 * time.Second}}
	opID, err := h.addOperator(ctx)
	if err != nil {
		stopApp()
		<-appDone
		return err
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		stopApp()
		<-appDone
		return err
	}
	control := "http://" + ln.Addr().String()
	h.cfg = harnessConfig{
		BaseURL:       base,
		ControlURL:    control,
		TelegramURL:   tg.URL(),
		WebhookURL:    base + "/webhooks/telegram",
		WebhookSecret: webhookSecret,
		SecretHeader:  faketelegram.SecretTokenHeader,
		Admin:         account{Email: adminEmail, Password: adminPassword, Name: "Administrator", Role: "supervisor"},
		Operator:      account{ID: opID, Email: operatorEmail, Password: operatorPassword, Name: operatorName, Role: "operator"},
	}
	srv := &http.Server{Handler: h.routes(), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()

	line, _ := json.Marshal(h.cfg)
	fmt.Println(string(line))

	select {
	case <-ctx.Done():
	case err := <-appDone:
		_ = srv.Close()
		return fmt.Errorf("switchboard stopped by itself: %v", err)
	}
	shut, cancelShut := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancelShut()
	_ = srv.Shutdown(shut)
	stopApp()
	select {
	case err := <-appDone:
		if err != nil {
			return fmt.Errorf("switchboard: %w", err)
		}
	case <-time.After(30 * time.Second):
		return errors.New("switchboard did not stop within 30s")
	}
	return nil
}

type account struct {
	ID       uint64 `json:"id,omitempty"`
	Email    string `json:"email"`
	Password string `json:"password"`
	Name     string `json:"name"`
	Role     string `json:"role"`
}

type harnessConfig struct {
	BaseURL       string  `json:"base_url"`
	ControlURL    string  `json:"control_url"`
	TelegramURL   string  `json:"telegram_url"`
	WebhookURL    string  `json:"webhook_url"`
	WebhookSecret string  `json:"webhook_secret"`
	SecretHeader  string  `json:"secret_header"`
	Admin         account `json:"admin"`
	Operator      account `json:"operator"`
}

type harness struct {
	tg *faketelegram.Server
	// twilio is nil unless the harness runs with -twilio.
	twilio   *faketwilio.Server
	engine   *dialog.Engine
	store    *storage.Storage
	base     string
	client   *http.Client
	cfg      harnessConfig
	updateID atomic.Int64
}

// addOperator logs in as the supervisor and creates the second operator
// through the API, as a supervisor would in the console.
func (h *harness) addOperator(ctx context.Context) (uint64, error) {
	var login struct {
		Token string `json:"token"`
	}
	if err := h.api(ctx, http.MethodPost, "/api/v1/auth/login", "", map[string]string{"email": adminEmail, "password": adminPassword}, http.StatusOK, &login); err != nil {
		return 0, fmt.Errorf("log in as the supervisor: %w", err)
	}
	var op struct {
		ID uint64 `json:"id"`
	}
	body := map[string]any{"email": operatorEmail, "name": operatorName, "password": operatorPassword, "role": "operator", "capacity": 5}
	if err := h.api(ctx, http.MethodPost, "/api/v1/operators", login.Token, body, http.StatusCreated, &op); err != nil {
		return 0, fmt.Errorf("add the second operator: %w", err)
	}
	_ = h.api(ctx, http.MethodPost, "/api/v1/auth/logout", login.Token, nil, 0, nil)
	return op.ID, nil
}

func (h *harness) api(ctx context.Context, method, path, token string, body any, want int, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, h.base+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := h.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if want != 0 && resp.StatusCode != want {
		return fmt.Errorf("%s %s: status %d: %s", method, path, resp.StatusCode, raw)
	}
	if out != nil {
		return json.Unmarshal(raw, out)
	}
	return nil
}

func (h *harness) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /config", func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, http.StatusOK, h.cfg) })
	mux.HandleFunc("GET /sent", h.sent)
	mux.HandleFunc("POST /update", func(w http.ResponseWriter, r *http.Request) {
		raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
		if err != nil || !json.Valid(raw) {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "body must be one Telegram Update as JSON"})
			return
		}
		h.forward(r.Context(), w, raw)
	})
	mux.HandleFunc("POST /customer/text", func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			User user   `json:"user"`
			Text string `json:"text"`
		}
		if !decode(w, r, &req) {
			return
		}
		h.forward(r.Context(), w, faketelegram.TextUpdate(h.nextUpdateID(), req.User.fake(), req.Text))
	})
	mux.HandleFunc("POST /customer/command", func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			User    user   `json:"user"`
			Command string `json:"command"`
			Payload string `json:"payload"`
		}
		if !decode(w, r, &req) {
			return
		}
		h.forward(r.Context(), w, faketelegram.CommandUpdate(h.nextUpdateID(), req.User.fake(), req.Command, req.Payload))
	})
	mux.HandleFunc("POST /customer/contact", func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			User  user   `json:"user"`
			Phone string `json:"phone"`
		}
		if !decode(w, r, &req) {
			return
		}
		h.forward(r.Context(), w, faketelegram.ContactUpdate(h.nextUpdateID(), req.User.fake(), req.Phone))
	})
	mux.HandleFunc("POST /customer/media", h.customerMedia)
	mux.HandleFunc("POST /customer/mms", h.customerMMS)
	mux.HandleFunc("POST /callback/book", h.bookCallback)
	mux.HandleFunc("POST /callback/fail", h.failCallback)
	mux.HandleFunc("POST /reports/seed", h.seedReports)
	mux.HandleFunc("POST /promises/seed", h.seedPromises)
	mux.HandleFunc("POST /queue/seed", h.seedQueue)
	mux.HandleFunc("POST /followups/seed", h.seedFollowUps)
	mux.HandleFunc("POST /survey/answer", h.seedSurveyAnswer)
	mux.HandleFunc("POST /customer/tickets", h.seedCustomerTickets)
	return mux
}

// bookCallback answers POST /callback/book: a callback tied to a
// conversation, which the operator API cannot book (its bookings have no
// ticket).
func (h *harness) bookCallback(w http.ResponseWriter, r *http.Request) {
	var req struct {
		ConversationID uint64 `json:"conversation_id"`
		Phone          string `json:"phone"`
		DueAt          string `json:"due_at"`
	}
	if !decode(w, r, &req) {
		return
	}
	conv, err := h.store.GetConversation(r.Context(), req.ConversationID)
	if err != nil {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": err.Error()})
		return
	}
	b := dialog.CallbackBooking{CustomerID: conv.CustomerID, ConversationID: &conv.ID, Phone: req.Phone}
	if req.DueAt != "" {
		if b.DueAt, err = time.Parse(time.RFC3339, req.DueAt); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "due_at: " + err.Error()})
			return
		}
	}
	cb, err := h.engine.BookCallback(r.Context(), b)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": cb.ID, "status": cb.State})
}

// failCallback answers POST /callback/fail: the callback fails with the
// outcome given, the customer is told and listeners hear of it, as after a
// dialer's last unanswered call.
func (h *harness) failCallback(w http.ResponseWriter, r *http.Request) {
	var req struct {
		ID      uint64 `json:"id"`
		Outcome string `json:"outcome"`
	}
	if !decode(w, r, &req) {
		return
	}
	cb, err := h.engine.FailCallback(r.Context(), req.ID, req.Outcome)
	if err != nil {
		writeJSON(w, http.StatusConflict, map[string]string{"error": err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": cb.ID, "status": cb.State, "outcome": cb.Outcome})
}

// nextUpdateID numbers built updates from a high base, so they never meet
// the ids of raw updates a test makes itself.
func (h *harness) nextUpdateID() int {
	return int(1_000_000 + h.updateID.Add(1))
}

type user struct {
	ID           int64  `json:"id"`
	FirstName    string `json:"first_name"`
	LastName     string `json:"last_name"`
	Username     string `json:"username"`
	LanguageCode string `json:"language_code"`
}

func (u user) fake() faketelegram.User {
	return faketelegram.User{ID: u.ID, FirstName: u.FirstName, LastName: u.LastName, Username: u.Username, LanguageCode: u.LanguageCode}
}

func decode(w http.ResponseWriter, r *http.Request, out any) bool {
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody)).Decode(out); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
		return false
	}
	return true
}

// forward posts an update to switchboard's webhook with the secret, as
// Telegram would, and answers with the webhook's status and body.
func (h *harness) forward(ctx context.Context, w http.ResponseWriter, raw []byte) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.cfg.WebhookURL, bytes.NewReader(raw))
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": err.Error()})
		return
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(faketelegram.SecretTokenHeader, webhookSecret)
	resp, err := h.client.Do(req)
	if err != nil {
		writeJSON(w, http.StatusBadGateway, map[string]string{"error": err.Error()})
		return
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	var update struct {
		UpdateID int `json:"update_id"`
	}
	_ = json.Unmarshal(raw, &update)
	writeJSON(w, http.StatusOK, map[string]any{"webhook_status": resp.StatusCode, "webhook_body": string(body), "update_id": update.UpdateID})
}

type sentMessage struct {
	Method      string     `json:"method"`
	ChatID      int64      `json:"chat_id"`
	MessageID   int        `json:"message_id"`
	Text        string     `json:"text"`
	ParseMode   string     `json:"parse_mode,omitempty"`
	ReplyMarkup string     `json:"reply_markup,omitempty"`
	Buttons     [][]button `json:"buttons,omitempty"`
	File        string     `json:"file,omitempty"`
	// FileBase64 is an uploaded photo's or document's bytes.
	FileBase64 string    `json:"file_base64,omitempty"`
	At         time.Time `json:"at"`
}

type button struct {
	Text         string `json:"text"`
	CallbackData string `json:"callback_data,omitempty"`
}

// sent answers GET /sent, waiting for ?min messages when asked.
func (h *harness) sent(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var chatID int64
	if v := q.Get("chat_id"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "chat_id: " + err.Error()})
			return
		}
		chatID = n
	}
	want, _ := strconv.Atoi(q.Get("min"))
	timeout := 10 * time.Second
	if v := q.Get("timeout"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "timeout: want a duration such as 10s"})
			return
		}
		timeout = d
	}
	timeout = min(timeout, maxWait)
	pick := func() []sentMessage {
		out := []sentMessage{}
		for _, m := range h.tg.SentMessages() {
			if chatID != 0 && m.ChatID != chatID {
				continue
			}
			sm := sentMessage{Method: m.Method, ChatID: m.ChatID, MessageID: m.MessageID, Text: m.Text, ParseMode: m.ParseMode,
				ReplyMarkup: m.ReplyMarkup.Raw, File: m.File, FileBase64: base64.StdEncoding.EncodeToString(m.FileBytes), At: m.At}
			for _, row := range m.ReplyMarkup.Inline {
				var r []button
				for _, b := range row {
					r = append(r, button{Text: b.Text, CallbackData: b.CallbackData})
				}
				sm.Buttons = append(sm.Buttons, r)
			}
			out = append(out, sm)
		}
		return out
	}
	var msgs []sentMessage
	if want > 0 {
		ctx, cancel := context.WithTimeout(r.Context(), timeout)
		defer cancel()
		_ = h.tg.WaitFor(ctx, func(*faketelegram.Server) bool {
			msgs = pick()
			return len(msgs) >= want
		})
	}
	msgs = pick()
	writeJSON(w, http.StatusOK, msgs)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
