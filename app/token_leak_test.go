package app_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/switchboardhq/switchboard/internal/faketelegram"
)

// leakToken is a bot token no test data contains by chance; its secret
// half is what must never show.
const (
	leakToken  = "4815162342:AAZ-leakcheck_7fQ2pL9xW3vB8nR1tY6uK0m"
	leakSecret = "AAZ-leakcheck_7fQ2pL9xW3vB8nR1tY6uK0m"
)

// leakForms are the ways the token could be written: as is, escaped for a
// path or a query, and its secret half alone.
var leakForms = []string{leakToken, url.PathEscape(leakToken), url.QueryEscape(leakToken), leakSecret}

// bodies records every response body a test saw.
type bodies struct {
	h   *harness
	all map[string]string
}

// do makes a request with the bearer token (none when empty) and records
// its answer.
func (b *bodies) do(method, path, token string, body any) (int, []byte) {
	b.h.t.Helper()
	var r io.Reader
	if body != nil {
		raw, _ := json.Marshal(body)
		r = bytes.NewReader(raw)
	}
	req, _ := http.NewRequest(method, b.h.base+path, r)
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.h.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	b.all[fmt.Sprintf("%s %s #%d (%d)", method, path, len(b.all), resp.StatusCode)] = string(raw)
	return resp.StatusCode, raw
}

// assertNoToken fails for every body and log line that shows the token.
func assertNoToken(t *testing.T, b *bodies, log string) {
	t.Helper()
	for what, text := range b.all {
		for _, form := range leakForms {
			if strings.Contains(text, form) {
				t.Errorf("the body of %s holds the bot token (%q): %s", what, form, text)
			}
		}
	}
	for _, line := range strings.Split(log, "\n") {
		for _, form := range leakForms {
			if strings.Contains(line, form) {
				t.Errorf("a log line holds the bot token (%q): %s", form, line)
			}
		}
	}
}

// TestNoResponseOrLogLineShowsTheBotToken drives what involves Telegram —
// a photo viewed, its download failing every way, a forged webhook, sends
// refused or cut off, Telegram unreachable at start — and reads every
// answer and every log line (debug included) for the token.
func TestNoResponseOrLogLineShowsTheBotToken(t *testing.T) {
	var log lockedBuffer
	tg := faketelegram.New()
	t.Cleanup(tg.Close)
	// Telegram cut off when switchboard starts: it starts anyway, and says so.
	tg.Fail(faketelegram.Failure{Method: "getMe", DropConnection: true})
	h := start(t, withFake(tg), withLog(&log), withEnv("TELEGRAM_BOT_TOKEN", leakToken))
	b := &bodies{h: h, all: map[string]string{}}
	token := h.login(adminEmail, adminPassword)
	if n := len(tg.Calls("getMe")); n != 1 {
		t.Fatalf("%d getMe calls, want the one cut off", n)
	}

	// The greeting is cut off, then refused with 429, then delivered.
	tg.Fail(faketelegram.Failure{Method: "sendMessage", DropConnection: true})
	tg.FailTooManyRequests(ann.ID, 1)
	h.send(faketelegram.CommandUpdate(1, ann, "start", ""))
	h.waitSent(1)

	// Photos: one served, then its download failing in every way.
	failures := []struct {
		name string
		f    faketelegram.Failure
		// retried: net/http tries a GET cut off on a kept-alive
		// connection again, which may then succeed.
		retried bool
	}{
		{"file download 404", faketelegram.Failure{Method: faketelegram.FileMethod, Code: http.StatusNotFound}, false},
		{"file download 500", faketelegram.Failure{Method: faketelegram.FileMethod, Code: http.StatusInternalServerError}, false},
		{"file download cut off", faketelegram.Failure{Method: faketelegram.FileMethod, DropConnection: true, Times: 2}, true},
		{"getFile 400", faketelegram.Failure{Method: "getFile", Code: http.StatusBadRequest, Description: "Bad Request: wrong file_id"}, false},
		{"getFile 401", faketelegram.Failure{Method: "getFile", Code: http.StatusUnauthorized}, false},
		{"getFile cut off", faketelegram.Failure{Method: "getFile", DropConnection: true}, false},
	}
	for i := range len(failures) + 1 {
		id := 10 + i
		tg.PutFile(fmt.Sprintf("photo-%d-x", id), tinyPNG(t))
		h.send(faketelegram.PhotoUpdate(id, ann, fmt.Sprintf("photo %d", id)))
	}
	var conv struct {
		Messages []mediaMessage `json:"messages"`
	}
	if st, raw := b.do(http.MethodGet, "/api/v1/conversations/1", token, nil); st != http.StatusOK || json.Unmarshal(raw, &conv) != nil {
		t.Fatalf("GET conversation: %d %s", st, raw)
	}
	photos := customerPhotos(conv.Messages)
	if len(photos) != len(failures)+1 {
		t.Fatalf("%d photos, want %d", len(photos), len(failures)+1)
	}
	if st, raw := b.do(http.MethodGet, photos[0].MediaURL, token, nil); st != http.StatusOK || !bytes.Equal(raw, tinyPNG(t)) {
		t.Fatalf("GET the photo: %d", st)
	}
	for i, c := range failures {
		tg.Fail(c.f)
		if st, raw := b.do(http.MethodGet, photos[i+1].MediaURL, token, nil); st != http.StatusBadGateway && !(c.retried && st == http.StatusOK) {
			t.Errorf("%s: GET the photo answered %d %s, want 502", c.name, st, raw)
		}
	}

	// A webhook with a wrong secret, and one with none.
	for _, sec := range []string{"wrong-secret", ""} {
		code, body := h.postUpdate(faketelegram.TextUpdate(40, ann, "forged"), sec)
		b.all[fmt.Sprintf("webhook with secret %q (%d)", sec, code)] = body
		if code == http.StatusOK {
			t.Errorf("a webhook with secret %q was accepted", sec)
		}
	}

	// An operator's replies refused for good (400) and cut off for good.
	tg.Fail(faketelegram.Failure{Method: "sendMessage", Code: http.StatusBadRequest, Description: "Bad Request: can't parse entities"})
	if st, raw := b.do(http.MethodPost, "/api/v1/conversations/1/messages", token, map[string]string{"text": "refused"}); st != http.StatusCreated {
		t.Fatalf("reply: %d %s", st, raw)
	}
	h.waitFor("the refused reply marked failed", func() bool {
		_, raw := b.do(http.MethodGet, "/api/v1/conversations/1", token, nil)
		return strings.Contains(string(raw), "can't parse entities")
	})
	tg.Fail(faketelegram.Failure{Method: "sendMessage", DropConnection: true, Times: -1})
	attempts := func() int { return strings.Count(log.String(), `msg="deliver outbox item"`) }
	before := attempts()
	if st, raw := b.do(http.MethodPost, "/api/v1/conversations/1/messages", token, map[string]string{"text": "cut off"}); st != http.StatusCreated {
		t.Fatalf("reply: %d %s", st, raw)
	}
	h.waitFor("two failed attempts at the cut-off reply", func() bool { return attempts() >= before+2 })
	b.do(http.MethodGet, "/api/v1/conversations/1", token, nil)
	h.stop()
	logged := log.String()
	// The failures were logged, usefully, with the token cut out.
	for _, want := range []string{"/bot<token>/getMe", "/bot<token>/sendMessage", "getFile: Post", "Too Many Requests", "can't parse entities"} {
		if !strings.Contains(logged+fmt.Sprint(b.all), want) {
			t.Errorf("neither the log nor an answer says %q", want)
		}
	}
	assertNoToken(t, b, logged)
}
