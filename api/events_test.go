package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/api"
	"github.com/switchboardhq/switchboard/dialog"
	"github.com/switchboardhq/switchboard/events"
	"github.com/switchboardhq/switchboard/internal/ssetest"
	"github.com/switchboardhq/switchboard/storage"
)

// sseFrame is one Server-Sent Events frame.
type sseFrame = ssetest.Frame

// streamDeadline bounds every wait on an event stream.
const streamDeadline = 10 * time.Second

// openStream connects to GET /events and returns its frames as they come,
// with the context that bounds waiting on them; the channel closes when the
// stream ends. It fails the test unless the server answers 200 with an
// event stream.
func (s *server) openStream(t *testing.T, token string) (context.Context, <-chan sseFrame) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), streamDeadline)
	t.Cleanup(cancel)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.url+"/api/v1/events", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = res.Body.Close() })
	for h, want := range map[string]string{"Content-Type": "text/event-stream", "Cache-Control": "no-cache", "X-Accel-Buffering": "no"} {
		if got := res.Header.Get(h); got != want {
			t.Fatalf("%s = %q, want %q", h, got, want)
		}
	}
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET /events = %d", res.StatusCode)
	}
	frames := make(chan sseFrame, 1024)
	go ssetest.Read(res.Body, frames)
	return ctx, frames
}

func TestEventStreamDeliversNewCustomerMessages(t *testing.T) {
	s := newServer(t)
	_, token := s.addOperator(t, "ann@example.com", storage.RoleOperator)
	ctx, frames := s.openStream(t, token)

	s.customerSays(t, dialog.Event{ExternalID: "1", Kind: dialog.KindText, Text: "<b>Hello</b> there"})
	for {
		select {
		case <-ctx.Done():
			t.Fatal("no message.created frame with the customer's text before the deadline")
		case f, ok := <-frames:
			if !ok {
				t.Fatal("stream ended before the customer's message arrived")
			}
			if f.Event != "message.created" {
				continue
			}
			var ev struct {
				ID   uint64 `json:"id"`
				Type string `json:"type"`
				Data struct {
					Author string `json:"author"`
					Text   string `json:"text"`
					Ticket string `json:"ticket"`
				} `json:"data"`
			}
			if err := json.Unmarshal([]byte(f.Raw), &ev); err != nil {
				t.Fatalf("frame data %q: %v", f.Raw, err)
			}
			if ev.Data.Author != storage.AuthorCustomer {
				continue
			}
			if ev.Data.Text != "<b>Hello</b> there" || ev.Type != "message.created" || f.ID == "" || !strings.HasPrefix(ev.Data.Ticket, storage.TicketPrefix) {
				t.Fatalf("frame %+v carries %+v", f, ev)
			}
			return
		}
	}
}

func TestEventStreamEndsWhenServerCloses(t *testing.T) {
	s := newServer(t)
	_, token := s.addOperator(t, "ann@example.com", storage.RoleOperator)
	ctx, frames := s.openStream(t, token)
	s.api.CloseStreams()
	waitStreamEnd(t, ctx, frames, "after CloseStreams")
	if n := s.broker.Subscribers(); n != 0 {
		t.Fatalf("%d subscriptions left after the stream ended", n)
	}
}

func TestEventStreamNeedsAToken(t *testing.T) {
	s := newServer(t)
	status, raw := s.do(t, http.MethodGet, "/api/v1/events", "", "")
	wantError(t, status, raw, http.StatusUnauthorized, "bearer token")
}

func TestEventStreamEndsWhenTheOperatorIsDeactivated(t *testing.T) {
	s := newServerWith(t, api.Options{PingInterval: 10 * time.Millisecond})
	op, token := s.addOperator(t, "ann@example.com", storage.RoleOperator)
	ctx, frames := s.openStream(t, token)
	if err := s.store.Exec(t.Context(), "UPDATE operators SET active = ? WHERE id = ?", false, op.ID); err != nil {
		t.Fatal(err)
	}
	waitStreamEnd(t, ctx, frames, "after the operator was deactivated")
}

// waitStreamEnd reads frames until the stream ends, failing the test if ctx
// ends first.
func waitStreamEnd(t *testing.T, ctx context.Context, frames <-chan sseFrame, after string) {
	t.Helper()
	for {
		select {
		case <-ctx.Done():
			t.Fatal("stream still open " + after)
		case _, ok := <-frames:
			if !ok {
				return
			}
		}
	}
}

// A burst of events published at once (more than a stream writes in one
// go) reaches an open stream whole and in order, each its own frame.
func TestEventStreamDeliversABurstInOrder(t *testing.T) {
	s := newServer(t)
	_, token := s.addOperator(t, "ann@example.com", storage.RoleOperator)
	ctx, frames := s.openStream(t, token)
	const burst = 200
	for i := range burst {
		s.broker.Publish(events.Event{Type: events.ConversationChanged, ConversationID: uint64(i + 1)})
	}
	var last uint64
	for got := 0; got < burst; {
		select {
		case <-ctx.Done():
			t.Fatalf("%d of %d events arrived before the deadline", got, burst)
		case f, ok := <-frames:
			if !ok {
				t.Fatalf("stream ended after %d of %d events", got, burst)
			}
			var ev struct {
				ID             uint64 `json:"id"`
				ConversationID uint64 `json:"conversation_id"`
			}
			if err := json.Unmarshal([]byte(f.Raw), &ev); err != nil {
				t.Fatalf("frame %d data %q: %v", got, f.Raw, err)
			}
			got++
			if ev.ConversationID != uint64(got) || ev.ID <= last || f.ID != strconv.FormatUint(ev.ID, 10) {
				t.Fatalf("frame %d is %+v (id: %q) after id %d, want conversation %d with a greater id", got, ev, f.ID, last, got)
			}
			last = ev.ID
		}
	}
}
