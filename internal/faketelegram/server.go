// Package faketelegram is a local stand-in for the Telegram Bot API: an HTTP
// server that speaks Telegram's wire format, records every call, serves queued
// updates and answers with scripted failures, so end-to-end tests and
// benchmarks can drive real bot code (go-telegram-bot-api included) without
// the network.
//
// Point a client at it with
//
//	bot, err := tgbotapi.NewBotAPIWithAPIEndpoint(faketelegram.Token, srv.Endpoint())
package faketelegram

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/switchboardhq/switchboard/internal/fakeapi"
)

// Token is a token the fake accepts; any other token is accepted too, except
// the rejected one.
const Token = "123456:fake-token"

// RejectedToken is the token the fake refuses with 401 Unauthorized, as
// Telegram refuses a revoked token, unless Config.RejectedToken names another.
const RejectedToken = "000000:rejected-token"

// maxMultipartMemory bounds how much of an upload is held in memory.
const maxMultipartMemory = 32 << 20

// Config tunes a Server. The zero value is a fake that answers at once and
// never rate-limits on its own.
type Config struct {
	// Latency is waited before every answer, so benchmarks see a round trip
	// closer to the real one.
	Latency time.Duration
	// EnforceLimits makes the fake answer 429 with retry_after 1 when a chat
	// gets a second message within a second, or all chats together more
	// than 30 within a second, as Telegram does.
	EnforceLimits bool
	// RejectedToken, when set, replaces the package's RejectedToken.
	RejectedToken string
}

// Server is a running fake Telegram Bot API. It is safe for concurrent use.
type Server struct {
	cfg       Config
	http      *httptest.Server
	client    *http.Client
	closed    chan struct{}
	closeOnce sync.Once

	// changes and failures guard themselves; changes is notified with mu
	// held after every change to what mu guards.
	changes  fakeapi.Changes
	failures fakeapi.Failures[Failure]

	mu            sync.Mutex
	onSent        func(SentMessage)
	calls         []Call
	sent          []SentMessage
	chatSends     map[int64][]time.Time
	allSends      []time.Time
	blocked       map[int64]bool
	updates       []queuedUpdate
	polls         []*Poll
	polling       *pendingPoll
	webhook       Webhook
	files         map[string][]byte
	downloads     map[string]int
	lastMessageID int
}

// New starts a fake with the zero Config.
func New() *Server {
	return NewWithConfig(Config{})
}

// NewWithConfig starts a fake tuned by cfg.
func NewWithConfig(cfg Config) *Server {
	if cfg.RejectedToken == "" {
		cfg.RejectedToken = RejectedToken
	}
	s := &Server{
		cfg:    cfg,
		client: &http.Client{},
		closed: make(chan struct{}),
	}
	s.resetLocked()
	s.http = httptest.NewServer(http.HandlerFunc(s.serveHTTP))
	return s
}

// Close ends pending long polls and shuts the server down, waiting for
// requests in flight to finish. It may be called more than once.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		close(s.closed)
		s.http.Close()
	})
}

// URL is the server's base address, such as http://127.0.0.1:41234.
func (s *Server) URL() string {
	return s.http.URL
}

// Endpoint is the API endpoint format go-telegram-bot-api's
// NewBotAPIWithAPIEndpoint takes: URL()+"/bot%s/%s".
func (s *Server) Endpoint() string {
	return s.http.URL + "/bot%s/%s"
}

// FileEndpoint is the download address format for getFile's file_path,
// URL()+"/file/bot%s/%s", the fake's counterpart of tgbotapi.FileEndpoint.
func (s *Server) FileEndpoint() string {
	return s.http.URL + "/file/bot%s/%s"
}

// response is Telegram's answer envelope.
type response struct {
	OK          bool                `json:"ok"`
	Result      any                 `json:"result,omitempty"`
	ErrorCode   int                 `json:"error_code,omitempty"`
	Description string              `json:"description,omitempty"`
	Parameters  *responseParameters `json:"parameters,omitempty"`
}

type responseParameters struct {
	RetryAfter int `json:"retry_after,omitempty"`
}

func success(result any) response {
	return response{OK: true, Result: result}
}

func errorResponse(code int, description string, retryAfter int) response {
	r := response{ErrorCode: code, Description: description}
	if retryAfter > 0 {
		r.Parameters = &responseParameters{RetryAfter: retryAfter}
	}
	return r
}

func badRequest(reason string) response {
	return errorResponse(http.StatusBadRequest, "Bad Request: "+reason, 0)
}

var (
	notFound     = errorResponse(http.StatusNotFound, "Not Found", 0)
	unauthorized = errorResponse(http.StatusUnauthorized, "Unauthorized", 0)
)

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	if rest, ok := strings.CutPrefix(r.URL.Path, "/file/bot"); ok {
		s.serveFile(w, rest)
		return
	}
	client, path := r.RemoteAddr, r.URL.Path
	if label, rest, ok := cutLabel(path); ok {
		client, path = label, rest
	}
	token, method, ok := splitBotPath(path)
	if !ok {
		writeResponse(w, notFound)
		return
	}
	params, uploads, err := parseParams(r)
	if err != nil {
		writeResponse(w, badRequest(err.Error()))
		return
	}
	if !s.pause(r.Context()) {
		return
	}
	h, refusal, drop := s.admit(token, method, params)
	switch {
	case drop:
		fakeapi.DropConnection(w)
	case h == nil:
		writeResponse(w, refusal)
	default:
		writeResponse(w, h(s, withUploads(withClient(r.Context(), client), uploads), params))
	}
}

// splitBotPath splits /bot<token>/<method>.
func splitBotPath(path string) (token, method string, ok bool) {
	rest, ok := strings.CutPrefix(path, "/bot")
	if !ok {
		return "", "", false
	}
	token, method, ok = strings.Cut(rest, "/")
	if !ok || token == "" || method == "" || strings.Contains(method, "/") {
		return "", "", false
	}
	return token, method, true
}

// parseParams reads a call's parameters from the query string and from a
// form, multipart or JSON body, the three encodings Telegram accepts.
// Uploaded files appear under their field name as their file name, and
// their bytes in uploads, by field name.
func parseParams(r *http.Request) (params url.Values, uploads map[string][]byte, err error) {
	params = r.URL.Query()
	mediaType, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch mediaType {
	case "application/json":
		var body map[string]json.RawMessage
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil && !errors.Is(err, io.EOF) {
			return nil, nil, fmt.Errorf("can't parse JSON object: %w", err)
		}
		for key, raw := range body {
			var text string
			switch {
			case json.Unmarshal(raw, &text) == nil:
				params.Set(key, text)
			case string(raw) != "null":
				params.Set(key, string(raw))
			}
		}
	case "multipart/form-data":
		if err := r.ParseMultipartForm(maxMultipartMemory); err != nil {
			return nil, nil, fmt.Errorf("can't parse multipart form: %w", err)
		}
		defer r.MultipartForm.RemoveAll()
		for key, values := range r.MultipartForm.Value {
			params[key] = append(params[key], values...)
		}
		uploads = map[string][]byte{}
		for key, files := range r.MultipartForm.File {
			for _, f := range files {
				params.Add(key, f.Filename)
				data, err := readUpload(f)
				if err != nil {
					return nil, nil, fmt.Errorf("can't read uploaded file: %w", err)
				}
				uploads[key] = data
			}
		}
	default:
		if err := r.ParseForm(); err != nil {
			return nil, nil, fmt.Errorf("can't parse form: %w", err)
		}
		for key, values := range r.PostForm {
			params[key] = append(params[key], values...)
		}
	}
	return params, uploads, nil
}

func readUpload(f *multipart.FileHeader) ([]byte, error) {
	rd, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer rd.Close()
	return io.ReadAll(rd)
}

type uploadsKey struct{}

// withUploads gives a handler the call's uploaded files.
func withUploads(ctx context.Context, uploads map[string][]byte) context.Context {
	return context.WithValue(ctx, uploadsKey{}, uploads)
}

// uploadFrom is the bytes uploaded in field, nil when none were.
func uploadFrom(ctx context.Context, field string) []byte {
	m, _ := ctx.Value(uploadsKey{}).(map[string][]byte)
	return m[field]
}

// pause waits the configured latency; false means the client went away.
func (s *Server) pause(ctx context.Context) bool {
	if s.cfg.Latency <= 0 {
		return true
	}
	timer := time.NewTimer(s.cfg.Latency)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-s.closed:
		return true
	case <-ctx.Done():
		return false
	}
}

// admit records the call and decides whether it reaches its method: it
// returns the method's handler, or the refusal to answer with, or drop when
// a scripted failure asks to cut the connection.
func (s *Server) admit(token, method string, params url.Values) (h handler, refusal response, drop bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, Call{Method: method, Params: params, At: time.Now()})
	s.changes.Notify()
	if token == s.cfg.RejectedToken {
		return nil, unauthorized, false
	}
	h, ok := handlers[strings.ToLower(method)]
	if !ok {
		return nil, notFound, false
	}
	if f, ok := s.takeFailure(method, params); ok {
		return nil, f.response(), f.DropConnection
	}
	return h, response{}, false
}

func writeResponse(w http.ResponseWriter, r response) {
	status := http.StatusOK
	if !r.OK {
		status = r.ErrorCode
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(r)
}
