package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/switchboardhq/switchboard/dialog"
	"github.com/switchboardhq/switchboard/storage"
)

// notedCallbackJSON is a callback as the API answers it, with what the
// console shows beside its notes.
type notedCallbackJSON struct {
	ID         uint64 `json:"id"`
	Status     string `json:"status"`
	CustomerID uint64 `json:"customer_id"`
	Notes      string `json:"notes"`
	TimeZone   string `json:"time_zone"`
	Customer   *struct {
		ID   uint64 `json:"id"`
		Name string `json:"name"`
	} `json:"customer"`
}

// bookForNotes books an as-soon-as-possible callback for customer custID.
func (s *server) bookForNotes(t *testing.T, token string, custID uint64, notes string) notedCallbackJSON {
	t.Helper()
	var cb notedCallbackJSON
	s.mustDo(t, http.MethodPost, "/api/v1/callbacks", token,
		fmt.Sprintf(`{"customer_id":%d,"phone":"+447911123456","notes":%q}`, custID, notes), http.StatusCreated, &cb)
	return cb
}

func TestCallbackNotesAreSavedInAnyStateAndCarryTheCustomer(t *testing.T) {
	s := newServer(t)
	_, token := s.addOperator(t, "ann@example.com", storage.RoleOperator)
	cust := s.aCustomer(t)
	booked := s.bookForNotes(t, token, cust.ID, "first")
	cancelled := s.bookForNotes(t, token, cust.ID, "")
	s.mustDo(t, http.MethodPost, fmt.Sprintf("/api/v1/callbacks/%d/cancel", cancelled.ID), token, "", http.StatusOK, nil)

	cases := []struct {
		name      string
		id        uint64
		body      string
		wantNotes string
		status    string
	}{
		{"notes replace notes", booked.ID, `{"notes":"Wants a call after 5pm"}`, "Wants a call after 5pm", "scheduled"},
		{"markup is kept as typed", booked.ID, `{"notes":"<script>alert(1)</script>"}`, "<script>alert(1)</script>", "scheduled"},
		{"surrounding space is trimmed", booked.ID, `{"notes":"  Reached; refund agreed \n"}`, "Reached; refund agreed", "scheduled"},
		{"a NUL byte is dropped", booked.ID, `{"notes":"a\u0000b"}`, "ab", "scheduled"},
		{"the longest notes are taken", booked.ID, `{"notes":"` + strings.Repeat("é", dialog.MaxCallbackNotesLength) + `"}`,
			strings.Repeat("é", dialog.MaxCallbackNotesLength), "scheduled"},
		{"empty notes clear them", booked.ID, `{"notes":""}`, "", "scheduled"},
		{"a cancelled callback takes notes", cancelled.ID, `{"notes":"Customer sorted it out by chat"}`, "Customer sorted it out by chat", "cancelled"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var got notedCallbackJSON
			s.mustDo(t, http.MethodPatch, fmt.Sprintf("/api/v1/callbacks/%d", c.id), token, c.body, http.StatusOK, &got)
			if got.ID != c.id || got.Notes != c.wantNotes || got.Status != c.status {
				t.Fatalf("PATCH answered %+v, want callback %d %s with notes %q", got, c.id, c.status, c.wantNotes)
			}
			if got.Customer == nil || got.Customer.ID != cust.ID || got.Customer.Name != "Ann" {
				t.Errorf("answer carries customer %+v, want Ann (%d)", got.Customer, cust.ID)
			}
			stored, err := s.store.GetCallback(t.Context(), c.id)
			if err != nil || stored.Notes != c.wantNotes {
				t.Fatalf("stored notes %q (%v), want %q", stored.Notes, err, c.wantNotes)
			}
		})
	}

	var list struct {
		Callbacks []notedCallbackJSON `json:"callbacks"`
	}
	s.mustDo(t, http.MethodGet, "/api/v1/callbacks?status=cancelled", token, "", http.StatusOK, &list)
	if len(list.Callbacks) != 1 || list.Callbacks[0].Notes != "Customer sorted it out by chat" ||
		list.Callbacks[0].Customer == nil || list.Callbacks[0].Customer.Name != "Ann" || list.Callbacks[0].TimeZone == "" {
		t.Fatalf("cancelled = %+v, want the noted one with Ann and a time zone", list.Callbacks)
	}
}

func TestCallbackNotesAreRefusedWithAReason(t *testing.T) {
	s := newServer(t)
	_, token := s.addOperator(t, "ann@example.com", storage.RoleOperator)
	cust := s.aCustomer(t)
	cb := s.bookForNotes(t, token, cust.ID, "keep me")
	path := fmt.Sprintf("/api/v1/callbacks/%d", cb.ID)
	cases := []struct {
		name, path, token, body string
		status                  int
		mention                 string
	}{
		{"an unknown field", path, token, `{"notes":"x","outcome":"completed"}`, http.StatusBadRequest, `unknown field "outcome": this call takes only "notes"`},
		{"notes too long", path, token, `{"notes":"` + strings.Repeat("a", dialog.MaxCallbackNotesLength+1) + `"}`, http.StatusBadRequest, "longer than 2000 characters"},
		{"notes that are a number", path, token, `{"notes":42}`, http.StatusBadRequest, `field "notes" must be a string`},
		{"notes that are a list", path, token, `{"notes":["a"]}`, http.StatusBadRequest, `field "notes" must be a string`},
		{"no notes", path, token, `{}`, http.StatusBadRequest, `"notes" is missing`},
		{"null notes", path, token, `{"notes":null}`, http.StatusBadRequest, `"notes" is missing`},
		{"no body", path, token, "", http.StatusBadRequest, "request body is empty"},
		{"a body that is no object", path, token, `"notes"`, http.StatusBadRequest, "want an object"},
		{"a malformed body", path, token, `{"notes":`, http.StatusBadRequest, "malformed JSON"},
		{"two objects", path, token, `{"notes":"a"}{"notes":"b"}`, http.StatusBadRequest, "unexpected data"},
		{"an unknown callback", "/api/v1/callbacks/9999", token, `{"notes":"x"}`, http.StatusNotFound, "callback 9999"},
		{"an id that is no number", "/api/v1/callbacks/x", token, `{"notes":"x"}`, http.StatusBadRequest, "id"},
		{"no token", path, "", `{"notes":"x"}`, http.StatusUnauthorized, "bearer token"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, raw := s.do(t, http.MethodPatch, c.path, c.token, c.body)
			wantError(t, status, raw, c.status, c.mention)
		})
	}
	stored, err := s.store.GetCallback(t.Context(), cb.ID)
	if err != nil || stored.Notes != "keep me" {
		t.Fatalf("refused changes touched the notes: %q, %v", stored.Notes, err)
	}
}

func TestCallbackNotesArePublished(t *testing.T) {
	s := newServer(t)
	_, token := s.addOperator(t, "ann@example.com", storage.RoleOperator)
	cust := s.aCustomer(t)
	cb := s.bookForNotes(t, token, cust.ID, "")
	ctx, frames := s.openStream(t, token)

	s.mustDo(t, http.MethodPatch, fmt.Sprintf("/api/v1/callbacks/%d", cb.ID), token, `{"notes":"Call the landline"}`, http.StatusOK, nil)
	for {
		select {
		case <-ctx.Done():
			t.Fatal("no callback.changed frame with the notes before the deadline")
		case f, ok := <-frames:
			if !ok {
				t.Fatal("stream ended before the notes' change arrived")
			}
			if f.Event != "callback.changed" {
				continue
			}
			var ev struct {
				Data notedCallbackJSON `json:"data"`
			}
			if err := json.Unmarshal([]byte(f.Raw), &ev); err != nil {
				t.Fatalf("frame data %q: %v", f.Raw, err)
			}
			if ev.Data.ID != cb.ID || ev.Data.Notes != "Call the landline" {
				continue // the booking's own event may come first
			}
			if ev.Data.Customer != nil {
				t.Errorf("event carries the customer %+v; events leave it out", ev.Data.Customer)
			}
			return
		}
	}
}
