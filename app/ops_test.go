package app_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/switchboardhq/switchboard/internal/faketelegram"
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
