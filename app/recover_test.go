package app_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"
)

// TestAPanickingHandlerAnswers500AndTheServerGoesOn: a handler that panics
// gets its client a 500 with a JSON error, not a dropped connection; the
// panic is logged with where it happened, and the server keeps serving.
func TestAPanickingHandlerAnswers500AndTheServerGoesOn(t *testing.T) {
	logs := &lockedBuffer{}
	h := start(t, withLog(logs))
	h.app.HTTP.GET("/test/panic", func(echo.Context) error { panic("boom in a handler") })
	resp, err := http.Get(h.base + "/test/panic")
	if err != nil {
		t.Fatalf("a panicking handler dropped the connection: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusInternalServerError || !strings.Contains(string(body), `"error"`) {
		t.Fatalf("answer %d %s, want 500 with a JSON error", resp.StatusCode, body)
	}
	if l := logs.String(); !strings.Contains(l, "request handler panicked") || !strings.Contains(l, "boom in a handler") || !strings.Contains(l, "/test/panic") {
		t.Errorf("the panic was not logged with its route: %s", l)
	}
	if resp, err := http.Get(h.base + "/healthz"); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("after the panic /healthz: %v %v", resp, err)
	}
}
