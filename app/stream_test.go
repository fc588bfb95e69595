package app_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/internal/ssetest"
)

// sseFrame is one Server-Sent Events frame as a console receives it.
type sseFrame = ssetest.Frame

// stream is an operator's open GET /api/v1/events.
type stream struct {
	t      *testing.T
	frames chan sseFrame
	cancel context.CancelFunc
}

// openStream opens the event stream of h as the holder of token; a
// non-empty lastEventID is sent as the Last-Event-ID header, as a browser
// does when it reconnects.
func (h *harness) openStream(token, lastEventID string) *stream {
	h.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, h.base+"/api/v1/events", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	if lastEventID != "" {
		req.Header.Set("Last-Event-ID", lastEventID)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		cancel()
		h.t.Fatalf("GET /events: %v", err)
	}
	if res.StatusCode != http.StatusOK {
		cancel()
		h.t.Fatalf("GET /events = %d", res.StatusCode)
	}
	s := &stream{t: h.t, frames: make(chan sseFrame, 4096), cancel: cancel}
	h.t.Cleanup(s.close)
	go func() {
		defer res.Body.Close()
		ssetest.Read(res.Body, s.frames)
	}()
	return s
}

func (s *stream) close() { s.cancel() }

// next waits for the next frame that match accepts, failing the test after
// 10 s.
func (s *stream) next(what string, match func(sseFrame) bool) sseFrame {
	s.t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case f, ok := <-s.frames:
			if !ok {
				s.t.Fatalf("stream ended before %s", what)
			}
			if match(f) {
				return f
			}
		case <-deadline:
			s.t.Fatalf("no %s within 10s", what)
		}
	}
}

// saying matches a message.created frame whose text is text.
func saying(text string) func(sseFrame) bool {
	return func(f sseFrame) bool { return f.Event == "message.created" && f.Text() == text }
}
