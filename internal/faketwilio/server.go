package faketwilio

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"

	"github.com/switchboardhq/switchboard/internal/fakeapi"
)

// Credentials the fake accepts unless Config names others. twilio-go
// refuses credentials that are not alphanumeric, as these are.
const (
	AccountSID = "AC00000000000000000000000000000001"
	AuthToken  = "0123456789abcdef0123456789abcdef"
)

// APIVersion is the path prefix of Twilio's core REST API.
const APIVersion = "2010-04-01"

// Config tunes a Server; zero fields take the package's credentials.
type Config struct {
	AccountSID string
	AuthToken  string
}

// Server is a running fake of Twilio's REST API: Messages.json and
// Calls.json under /2010-04-01/Accounts/{AccountSid}/. It checks HTTP Basic
// auth, records every request, answers with Twilio's JSON resources and
// errors, and fails on a script. It is safe for concurrent use.
type Server struct {
	cfg  Config
	http *httptest.Server

	// changes and failures guard themselves; changes is notified with mu
	// held after every change to what mu guards.
	changes  fakeapi.Changes
	failures fakeapi.Failures[Failure]

	mu       sync.Mutex
	requests []Request
	messages []Message
	calls    []Call
	via      string
	media    map[string]*storedMedia
}

// New starts a fake with the package's credentials.
func New() *Server { return NewWithConfig(Config{}) }

// NewWithConfig starts a fake that accepts cfg's credentials.
func NewWithConfig(cfg Config) *Server {
	if cfg.AccountSID == "" {
		cfg.AccountSID = AccountSID
	}
	if cfg.AuthToken == "" {
		cfg.AuthToken = AuthToken
	}
	s := &Server{cfg: cfg}
	s.http = httptest.NewServer(http.HandlerFunc(s.serveHTTP))
	return s
}

// Close shuts the server down.
func (s *Server) Close() { s.http.Close() }

// URL is the base to give TWILIO_API_BASE_URL, such as http://127.0.0.1:41234.
func (s *Server) URL() string { return s.http.URL }

// AccountSID is the account the fake serves.
func (s *Server) AccountSID() string { return s.cfg.AccountSID }

// AuthToken is the account's token: the password of Basic auth and the key
// webhooks are signed with.
func (s *Server) AuthToken() string { return s.cfg.AuthToken }

// apiError is Twilio's error body.
type apiError struct {
	Code     int    `json:"code"`
	Message  string `json:"message"`
	MoreInfo string `json:"more_info"`
	Status   int    `json:"status"`
}

func newAPIError(status, code int, message string) apiError {
	return apiError{Code: code, Message: message, MoreInfo: fmt.Sprintf("https://www.twilio.com/docs/errors/%d", code), Status: status}
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		writeJSON(w, http.StatusBadRequest, newAPIError(http.StatusBadRequest, 20001, "Invalid form body: "+err.Error()))
		return
	}
	req := Request{Method: r.Method, Path: r.URL.Path, Form: fakeapi.CloneValues(r.Form), At: time.Now()}
	user, pass, ok := r.BasicAuth()
	req.Authenticated = ok && subtle.ConstantTimeCompare([]byte(user), []byte(s.cfg.AccountSID)) == 1 &&
		subtle.ConstantTimeCompare([]byte(pass), []byte(s.cfg.AuthToken)) == 1
	if s.serveMedia(w, r, req.Authenticated) {
		return
	}
	status, body := s.handle(&req)
	s.mu.Lock()
	req.Status = status
	s.requests = append(s.requests, req)
	s.changes.Notify()
	s.mu.Unlock()
	if status == dropped {
		fakeapi.DropConnection(w)
		return
	}
	writeJSON(w, status, body)
}

// dropped is the status of a request answered by closing the connection.
const dropped = -1

// handle routes one request and returns the status and body to answer.
func (s *Server) handle(req *Request) (int, any) {
	rest, ok := strings.CutPrefix(req.Path, "/"+APIVersion+"/Accounts/")
	if !ok {
		return notFound(req.Path)
	}
	account, resource, _ := strings.Cut(rest, "/")
	if !req.Authenticated || account != s.cfg.AccountSID {
		// Twilio answers a wrong account in the path like wrong credentials.
		e := newAPIError(http.StatusUnauthorized, 20003, "Authenticate")
		return e.Status, e
	}
	switch {
	case resource == "Messages.json" && req.Method == http.MethodPost:
		req.Kind = KindMessages
		return s.admit(req, s.createMessage)
	case resource == "Calls.json" && req.Method == http.MethodPost:
		req.Kind = KindCalls
		return s.admit(req, s.createCall)
	case strings.HasPrefix(resource, "Calls/") && strings.HasSuffix(resource, ".json"):
		req.Kind = KindCalls
		sid := strings.TrimSuffix(strings.TrimPrefix(resource, "Calls/"), ".json")
		switch req.Method {
		case http.MethodGet:
			return s.admit(req, func(*Request) (int, any) { return s.fetchCall(sid, req.Path) })
		case http.MethodPost:
			return s.admit(req, func(r *Request) (int, any) { return s.updateCall(sid, r) })
		}
	}
	return notFound(req.Path)
}

func notFound(path string) (int, any) {
	e := newAPIError(http.StatusNotFound, 20404, "The requested resource "+path+" was not found")
	return e.Status, e
}

// admit answers with a scripted failure when one matches, else runs h.
func (s *Server) admit(req *Request, h func(*Request) (int, any)) (int, any) {
	f, ok := s.takeFailure(req.Kind, req.Form.Get("To"))
	if !ok {
		return h(req)
	}
	if f.Drop {
		return dropped, nil
	}
	e := f.apiError()
	return e.Status, e
}

// newSid is a resource id: prefix and 32 hex digits, as Twilio's.
func newSid(prefix string) string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// rfc2822 formats t as Twilio's date fields.
func rfc2822(t time.Time) string { return t.UTC().Format(time.RFC1123Z) }

func writeJSON(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}
