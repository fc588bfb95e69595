package replicas_test

import (
	"bytes"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/internal/faketwilio"
)

const (
	// twilioNumber is TWILIO_PHONE_NUMBER: the number calls come from.
	twilioNumber = "+14155550100"
	// publicURL is SWITCHBOARD_PUBLIC_URL of every process: Twilio signs
	// what it posts there, and a load balancer (the carrier) forwards it
	// to one process or another.
	publicURL = "http://switchboard.test"
)

// twilioEnv configures Twilio against apiBase (the fake, or something in
// front of it) and the YAML settings at configPath.
func twilioEnv(apiBase, configPath string) []string {
	return []string{
		"TWILIO_ACCOUNT_SID=" + faketwilio.AccountSID,
		"TWILIO_AUTH_TOKEN=" + faketwilio.AuthToken,
		"TWILIO_PHONE_NUMBER=" + twilioNumber,
		"TWILIO_API_BASE_URL=" + apiBase,
		"SWITCHBOARD_PUBLIC_URL=" + publicURL,
		"SWITCHBOARD_CONFIG=" + configPath,
	}
}

// settingsFile writes YAML settings for SWITCHBOARD_CONFIG.
func settingsFile(t *testing.T, yaml string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "switchboard.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// callbackOf reads the callback id from a callback step's URL.
func callbackOf(raw string) uint64 {
	u, err := url.Parse(raw)
	if err != nil {
		return 0
	}
	id, _ := strconv.ParseUint(u.Query().Get("callback"), 10, 64)
	return id
}

// heldCall is a call the fake created whose answer slowCalls still holds.
type heldCall struct {
	callback uint64
	sid      string
	at       time.Time
}

// slowCalls sits between the processes and the fake Twilio and answers
// each call it creates only after a delay, as a slow network would: the
// call exists at Twilio — its operator's phone rings — that long before
// the dialer that placed it hears its sid and can record it.
type slowCalls struct {
	url  string
	held chan heldCall
}

func delayCalls(t *testing.T, fake *faketwilio.Server, delay time.Duration) *slowCalls {
	t.Helper()
	target, err := url.Parse(fake.URL())
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(target)
	s := &slowCalls{held: make(chan heldCall, 4096)}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || !strings.HasSuffix(r.URL.Path, "/Calls.json") {
			proxy.ServeHTTP(w, r)
			return
		}
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		form, _ := url.ParseQuery(string(body))
		rec := httptest.NewRecorder()
		proxy.ServeHTTP(rec, r)
		if rec.Code == http.StatusCreated {
			var created struct {
				Sid string `json:"sid"`
			}
			_ = json.Unmarshal(rec.Body.Bytes(), &created)
			select {
			case s.held <- heldCall{callback: callbackOf(form.Get("Url")), sid: created.Sid, at: time.Now()}:
			default:
			}
			time.Sleep(delay) // the latency this proxy is for
		}
		maps.Copy(w.Header(), rec.Header())
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
	}))
	t.Cleanup(srv.Close)
	s.url = srv.URL
	return s
}
