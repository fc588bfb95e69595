package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"github.com/switchboardhq/switchboard/storage"
)

func TestNotesAndTransfersReachTheEventStream(t *testing.T) {
	s := newServer(t)
	_, annToken := s.addOperator(t, "ann@example.com", storage.RoleOperator)
	bob, _ := s.addOperator(t, "bob@example.com", storage.RoleOperator)
	id := s.waitingConversation(t, "hello")
	path := fmt.Sprintf("/api/v1/conversations/%d", id)
	s.mustDo(t, http.MethodPost, path+"/claim", annToken, "", http.StatusOK, nil)
	ctx, frames := s.openStream(t, annToken)

	s.mustDo(t, http.MethodPost, path+"/notes", annToken, `{"text":"check the invoice"}`, http.StatusCreated, nil)
	note := frameData(t, ctx, frames, "message.created", func(d map[string]any) bool { return d["kind"] == storage.KindNote })
	if note["text"] != "check the invoice" || note["direction"] != storage.Internal || note["ticket"] != storage.FormatTicket(id) {
		t.Errorf("note event = %v", note)
	}

	s.mustDo(t, http.MethodPost, path+"/transfer", annToken, fmt.Sprintf(`{"operator_id":%d}`, bob.ID), http.StatusOK, nil)
	conv := frameData(t, ctx, frames, "conversation.changed", func(d map[string]any) bool { return d["operator_id"] == float64(bob.ID) })
	if conv["status"] != storage.StateOpen {
		t.Errorf("conversation event = %v, want open", conv)
	}
	// Unread counts are per listener and names are not loaded for events.
	for _, key := range []string{"unread", "operator"} {
		if _, ok := conv[key]; ok {
			t.Errorf("conversation event carries %q: %v", key, conv)
		}
	}
}

// frameData waits for an event of type typ whose data matches, and returns
// the data.
func frameData(t *testing.T, ctx context.Context, frames <-chan sseFrame, typ string, match func(map[string]any) bool) map[string]any {
	t.Helper()
	for {
		select {
		case <-ctx.Done():
			t.Fatalf("no matching %s event before the deadline", typ)
		case f, ok := <-frames:
			if !ok {
				t.Fatalf("stream ended before a matching %s event", typ)
			}
			if f.Event != typ {
				continue
			}
			var ev struct {
				Data map[string]any `json:"data"`
			}
			if err := json.Unmarshal([]byte(f.Raw), &ev); err != nil {
				t.Fatalf("frame data %q: %v", f.Raw, err)
			}
			if match(ev.Data) {
				return ev.Data
			}
		}
	}
}
