package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/api"
	"github.com/switchboardhq/switchboard/storage"
)

// callbackJSON is a callback as the API answers it.
type callbackJSON struct {
	ID            uint64     `json:"id"`
	Status        string     `json:"status"`
	CustomerID    uint64     `json:"customer_id"`
	Phone         string     `json:"phone"`
	ASAP          bool       `json:"asap"`
	RequestedAt   time.Time  `json:"requested_at"`
	DueAt         time.Time  `json:"due_at"`
	NextAttemptAt time.Time  `json:"next_attempt_at"`
	MaxAttempts   int        `json:"max_attempts"`
	CancelledAt   *time.Time `json:"cancelled_at"`
}

// aCustomer stores a customer, as their first Telegram message would.
func (s *server) aCustomer(t *testing.T) storage.Customer {
	t.Helper()
	_, cust, err := s.store.FindOrCreateIdentity(t.Context(), storage.Contact{Channel: "telegram", ExternalID: "42", Address: "42", Name: "Ann"})
	if err != nil {
		t.Fatal(err)
	}
	return cust
}

func TestCallbackIsBookedListedAndCancelled(t *testing.T) {
	s := newServer(t)
	_, token := s.addOperator(t, "ann@example.com", storage.RoleOperator)
	cust := s.aCustomer(t)
	due := time.Now().UTC().Add(time.Hour).Truncate(time.Second)

	var asap, booked callbackJSON
	s.mustDo(t, http.MethodPost, "/api/v1/callbacks", token,
		fmt.Sprintf(`{"customer_id":%d,"phone":"+44 7911 123456"}`, cust.ID), http.StatusCreated, &asap)
	if asap.Status != "scheduled" || !asap.ASAP || asap.Phone != "+447911123456" || asap.CustomerID != cust.ID ||
		!asap.DueAt.Equal(asap.RequestedAt) || asap.MaxAttempts != 3 {
		t.Fatalf("as soon as possible booked as %+v", asap)
	}
	s.mustDo(t, http.MethodPost, "/api/v1/callbacks", token,
		fmt.Sprintf(`{"customer_id":%d,"phone":"+447911123456","due_at":%q}`, cust.ID, due.In(time.FixedZone("", 3600)).Format(time.RFC3339)),
		http.StatusCreated, &booked)
	if booked.ASAP || !booked.DueAt.Equal(due) || booked.DueAt.Location() != time.UTC {
		t.Fatalf("booked for %s as %+v", due, booked)
	}

	var list struct {
		Callbacks []callbackJSON `json:"callbacks"`
	}
	s.mustDo(t, http.MethodGet, "/api/v1/callbacks?status=scheduled", token, "", http.StatusOK, &list)
	if len(list.Callbacks) != 2 || list.Callbacks[0].ID != asap.ID || list.Callbacks[1].ID != booked.ID {
		t.Fatalf("scheduled = %+v, want the ASAP one, then the booked one", list.Callbacks)
	}

	var cancelled callbackJSON
	s.mustDo(t, http.MethodPost, fmt.Sprintf("/api/v1/callbacks/%d/cancel", booked.ID), token, "", http.StatusOK, &cancelled)
	if cancelled.Status != "cancelled" || cancelled.CancelledAt == nil {
		t.Fatalf("cancel answered %+v", cancelled)
	}
	status, raw := s.do(t, http.MethodPost, fmt.Sprintf("/api/v1/callbacks/%d/cancel", booked.ID), token, "")
	wantError(t, status, raw, http.StatusConflict, "cancelled")

	s.mustDo(t, http.MethodGet, "/api/v1/callbacks?status=cancelled", token, "", http.StatusOK, &list)
	if len(list.Callbacks) != 1 || list.Callbacks[0].ID != booked.ID {
		t.Fatalf("cancelled = %+v", list.Callbacks)
	}
}

func TestCallbackCallsAreRefusedWithAReason(t *testing.T) {
	s := newServer(t)
	_, token := s.addOperator(t, "ann@example.com", storage.RoleOperator)
	cust := s.aCustomer(t)
	past := time.Now().UTC().Add(-time.Minute).Format(time.RFC3339)
	book := func(body string, args ...any) string { return fmt.Sprintf(body, args...) }
	cases := []struct {
		name, method, path, token, body string
		status                          int
		mention                         string
	}{
		{"an unknown status", http.MethodGet, "/api/v1/callbacks?status=ringing", token, "", http.StatusBadRequest, "status"},
		{"a bad limit", http.MethodGet, "/api/v1/callbacks?limit=0", token, "", http.StatusBadRequest, "limit"},
		{"listing without a token", http.MethodGet, "/api/v1/callbacks", "", "", http.StatusUnauthorized, "bearer token"},
		{"booking without a token", http.MethodPost, "/api/v1/callbacks", "", book(`{"customer_id":%d,"phone":"+447911123456"}`, cust.ID), http.StatusUnauthorized, "bearer token"},
		{"an unknown customer", http.MethodPost, "/api/v1/callbacks", token, `{"customer_id":9999,"phone":"+447911123456"}`, http.StatusNotFound, "customer 9999"},
		{"no customer", http.MethodPost, "/api/v1/callbacks", token, `{"phone":"+447911123456"}`, http.StatusBadRequest, "customer_id"},
		{"an invalid phone", http.MethodPost, "/api/v1/callbacks", token, book(`{"customer_id":%d,"phone":"+44 12"}`, cust.ID), http.StatusBadRequest, "phone"},
		{"no phone", http.MethodPost, "/api/v1/callbacks", token, book(`{"customer_id":%d}`, cust.ID), http.StatusBadRequest, `"phone" is missing`},
		{"a misspelt due time", http.MethodPost, "/api/v1/callbacks", token, book(`{"customer_id":%d,"phone":"+447911123456","dueAt":"2030-01-01T10:00:00Z"}`, cust.ID), http.StatusBadRequest, `unknown field "dueAt"`},
		{"a due time in the past", http.MethodPost, "/api/v1/callbacks", token, book(`{"customer_id":%d,"phone":"+447911123456","due_at":%q}`, cust.ID, past), http.StatusBadRequest, "due_at"},
		{"a due time that is no time", http.MethodPost, "/api/v1/callbacks", token, book(`{"customer_id":%d,"phone":"+447911123456","due_at":"tomorrow"}`, cust.ID), http.StatusBadRequest, "due_at"},
		{"a malformed body", http.MethodPost, "/api/v1/callbacks", token, `{"customer_id":`, http.StatusBadRequest, "malformed JSON"},
		{"cancelling an unknown callback", http.MethodPost, "/api/v1/callbacks/9999/cancel", token, "", http.StatusNotFound, "callback 9999"},
		{"cancelling without a token", http.MethodPost, "/api/v1/callbacks/1/cancel", "", "", http.StatusUnauthorized, "bearer token"},
		{"cancelling a callback that is no number", http.MethodPost, "/api/v1/callbacks/x/cancel", token, "", http.StatusBadRequest, "id"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, raw := s.do(t, c.method, c.path, c.token, c.body)
			wantError(t, status, raw, c.status, c.mention)
		})
	}
	var list struct {
		Callbacks []callbackJSON `json:"callbacks"`
	}
	s.mustDo(t, http.MethodGet, "/api/v1/callbacks", token, "", http.StatusOK, &list)
	if len(list.Callbacks) != 0 {
		t.Fatalf("refused bookings stored: %+v", list.Callbacks)
	}
}

func TestCallbackChangesArePublished(t *testing.T) {
	s := newServer(t)
	_, token := s.addOperator(t, "ann@example.com", storage.RoleOperator)
	cust := s.aCustomer(t)
	ctx, frames := s.openStream(t, token)

	var booked callbackJSON
	s.mustDo(t, http.MethodPost, "/api/v1/callbacks", token, fmt.Sprintf(`{"customer_id":%d,"phone":"+447911123456"}`, cust.ID), http.StatusCreated, &booked)
	s.mustDo(t, http.MethodPost, fmt.Sprintf("/api/v1/callbacks/%d/cancel", booked.ID), token, "", http.StatusOK, nil)
	for _, want := range []string{"scheduled", "cancelled"} {
		for found := false; !found; {
			select {
			case <-ctx.Done():
				t.Fatalf("no callback.changed frame with status %s before the deadline", want)
			case f, ok := <-frames:
				if !ok {
					t.Fatal("stream ended before the callback's change arrived")
				}
				if f.Event != "callback.changed" {
					continue
				}
				var ev struct {
					Type string       `json:"type"`
					Data callbackJSON `json:"data"`
				}
				if err := json.Unmarshal([]byte(f.Raw), &ev); err != nil {
					t.Fatalf("frame data %q: %v", f.Raw, err)
				}
				if ev.Type != "callback.changed" || ev.Data.ID != booked.ID || ev.Data.Status != want ||
					ev.Data.CustomerID != cust.ID || ev.Data.Phone != "+447911123456" {
					t.Fatalf("frame %s carries %+v, want callback %d %s", f.Raw, ev, booked.ID, want)
				}
				found = true
			}
		}
	}
}

// wakeCounter stands in for the callback dialer.
type wakeCounter struct{ n atomic.Int32 }

func (w *wakeCounter) Wake() { w.n.Add(1) }

// TestDialNowPutsTheCallbackFirstAndWakesTheDialer: a callback booked for
// later is due at once, ahead of an "as soon as possible" one asked for
// before it, and the dialer is woken; one dialing, cancelled or unknown is
// refused.
func TestDialNowPutsTheCallbackFirstAndWakesTheDialer(t *testing.T) {
	dialer := &wakeCounter{}
	s := newServerWith(t, api.Options{Dialer: dialer})
	_, token := s.addOperator(t, "ann@example.com", storage.RoleOperator)
	cust := s.aCustomer(t)
	later := time.Now().UTC().Add(3 * time.Hour).Format(time.RFC3339)

	var asap, booked, dialled callbackJSON
	s.mustDo(t, http.MethodPost, "/api/v1/callbacks", token, fmt.Sprintf(`{"customer_id":%d,"phone":"+447911123456"}`, cust.ID), http.StatusCreated, &asap)
	s.mustDo(t, http.MethodPost, "/api/v1/callbacks", token,
		fmt.Sprintf(`{"customer_id":%d,"phone":"+447911123457","due_at":%q}`, cust.ID, later), http.StatusCreated, &booked)
	s.mustDo(t, http.MethodPost, fmt.Sprintf("/api/v1/callbacks/%d/dial", booked.ID), token, "", http.StatusAccepted, &dialled)
	if dialled.ID != booked.ID || dialled.Status != "scheduled" || dialled.NextAttemptAt.After(time.Now()) || dialer.n.Load() != 1 {
		t.Fatalf("dial now answered %+v, dialer woken %d times", dialled, dialer.n.Load())
	}
	var list struct {
		Callbacks []callbackJSON `json:"callbacks"`
	}
	s.mustDo(t, http.MethodGet, "/api/v1/callbacks?status=scheduled", token, "", http.StatusOK, &list)
	if len(list.Callbacks) != 2 || list.Callbacks[0].ID != booked.ID {
		t.Fatalf("scheduled = %+v, want callback %d first", list.Callbacks, booked.ID)
	}
	claimed, err := s.store.ClaimDueCallbacks(t.Context(), time.Now(), "test", time.Minute, 1)
	if err != nil || len(claimed) != 1 || claimed[0].ID != booked.ID {
		t.Fatalf("claimed %+v, %v; want callback %d", claimed, err, booked.ID)
	}

	status, raw := s.do(t, http.MethodPost, fmt.Sprintf("/api/v1/callbacks/%d/dial", booked.ID), token, "")
	wantError(t, status, raw, http.StatusConflict, "dialing already")
	s.mustDo(t, http.MethodPost, fmt.Sprintf("/api/v1/callbacks/%d/cancel", asap.ID), token, "", http.StatusOK, nil)
	status, raw = s.do(t, http.MethodPost, fmt.Sprintf("/api/v1/callbacks/%d/dial", asap.ID), token, "")
	wantError(t, status, raw, http.StatusConflict, "cancelled")
	status, raw = s.do(t, http.MethodPost, "/api/v1/callbacks/9999/dial", token, "")
	wantError(t, status, raw, http.StatusNotFound, "callback 9999")
	if n := dialer.n.Load(); n != 1 {
		t.Errorf("refused dials woke the dialer: %d wakes", n)
	}
}

// TestDialNowWithoutTwilioIsUnavailable: with no dialer, "dial now" says
// why it cannot, and changes nothing.
func TestDialNowWithoutTwilioIsUnavailable(t *testing.T) {
	s := newServer(t)
	_, token := s.addOperator(t, "ann@example.com", storage.RoleOperator)
	cust := s.aCustomer(t)
	var booked callbackJSON
	s.mustDo(t, http.MethodPost, "/api/v1/callbacks", token, fmt.Sprintf(`{"customer_id":%d,"phone":"+447911123456"}`, cust.ID), http.StatusCreated, &booked)
	status, raw := s.do(t, http.MethodPost, fmt.Sprintf("/api/v1/callbacks/%d/dial", booked.ID), token, "")
	wantError(t, status, raw, http.StatusServiceUnavailable, "dialling is disabled")
}
