package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/api"
	"github.com/switchboardhq/switchboard/storage"
)

// auditJSON is an audit entry as GET /audit answers it.
type auditJSON struct {
	ID         uint64         `json:"id"`
	At         time.Time      `json:"at"`
	ActorID    *uint64        `json:"actor_id"`
	ActorEmail string         `json:"actor_email"`
	ActorName  string         `json:"actor_name"`
	Action     string         `json:"action"`
	TargetType string         `json:"target_type"`
	TargetID   *uint64        `json:"target_id"`
	Details    map[string]any `json:"details"`
	Address    string         `json:"address"`
}

type auditPage struct {
	Entries    []auditJSON `json:"entries"`
	NextCursor *string     `json:"next_cursor"`
}

// doFrom is do for a client at addr, as a reverse proxy on this host
// forwards it.
func (s *server) doFrom(t *testing.T, addr, method, path, token, body string) (int, []byte) {
	t.Helper()
	res, raw := s.sendWith(t, method, path, body, func(r *http.Request) {
		r.Header.Set("X-Forwarded-For", addr)
		if token != "" {
			r.Header.Set("Authorization", "Bearer "+token)
		}
	})
	return res.StatusCode, raw
}

// mustDoFrom is doFrom that fails on another status and decodes into out.
func (s *server) mustDoFrom(t *testing.T, addr, method, path, token, body string, want int, out any) {
	t.Helper()
	status, raw := s.doFrom(t, addr, method, path, token, body)
	if status != want {
		t.Fatalf("%s %s = %d %s, want %d", method, path, status, raw, want)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s %s: decode %s: %v", method, path, raw, err)
		}
	}
}

// wholeTrail reads GET /audit to the end, newest first.
func (s *server) wholeTrail(t *testing.T, token, query string) []auditJSON {
	t.Helper()
	var all []auditJSON
	cursor := ""
	for range 100 {
		var p auditPage
		s.mustDo(t, http.MethodGet, "/api/v1/audit?limit=3"+query+"&cursor="+cursor, token, "", http.StatusOK, &p)
		if len(p.Entries) > 3 || p.NextCursor == nil {
			t.Fatalf("page of %d entries, next_cursor %v", len(p.Entries), p.NextCursor)
		}
		all = append(all, p.Entries...)
		if *p.NextCursor == "" {
			return all
		}
		cursor = *p.NextCursor
	}
	t.Fatal("the audit trail never ends")
	return nil
}

// TestEveryAuditedActionIsInTheTrail does each action the trail records
// through the API — a supervisor from a forwarded address, an operator
// from this host — and finds each once with who, from where, to what and
// what changed; no password or hash anywhere in it.
func TestEveryAuditedActionIsInTheTrail(t *testing.T) {
	dialer := &wakeCounter{}
	s := newServerWith(t, api.Options{Dialer: dialer})
	ctx := t.Context()
	lead, leadToken := s.addOperator(t, "lead@example.com", storage.RoleSupervisor)
	const far = "203.0.113.9"
	do := func(method, path, token, body string, want int, out any) {
		t.Helper()
		s.mustDoFrom(t, far, method, path, token, body, want, out)
	}

	do(http.MethodPost, "/api/v1/auth/login", "", `{"email":"lead@example.com","password":"wrong-password"}`, http.StatusUnauthorized, nil)
	var bob struct{ ID uint64 }
	do(http.MethodPost, "/api/v1/operators", leadToken,
		`{"email":"bob@example.com","name":"Bob <script>","password":"bob-password-1","role":"operator"}`, http.StatusCreated, &bob)
	var bobLogin struct{ Token string }
	s.mustDo(t, http.MethodPost, "/api/v1/auth/login", "", `{"email":"bob@example.com","password":"bob-password-1"}`, http.StatusOK, &bobLogin)
	s.mustDo(t, http.MethodPost, "/api/v1/me/password", bobLogin.Token,
		`{"current_password":"bob-password-1","new_password":"bob-password-2"}`, http.StatusNoContent, nil)
	do(http.MethodPost, fmt.Sprintf("/api/v1/operators/%d/password", bob.ID), leadToken, `{"password":"bob-password-3"}`, http.StatusNoContent, nil)
	do(http.MethodPatch, fmt.Sprintf("/api/v1/operators/%d", bob.ID), leadToken,
		`{"role":"supervisor","active":false,"phone":"+447911123456"}`, http.StatusOK, nil)

	var canned struct{ ID uint64 }
	do(http.MethodPost, "/api/v1/canned", leadToken, `{"shortcut":"refund","title":"Refund","text":"We refund."}`, http.StatusCreated, &canned)
	do(http.MethodPatch, fmt.Sprintf("/api/v1/canned/%d", canned.ID), leadToken, `{"title":"Refund sent"}`, http.StatusOK, nil)
	do(http.MethodDelete, fmt.Sprintf("/api/v1/canned/%d", canned.ID), leadToken, "", http.StatusNoContent, nil)

	start := time.Now().UTC().Add(-time.Hour)
	keep := s.storeTicket(t, "kim", storage.StateResolved, start)
	dup := s.storeTicket(t, "kim-sms", storage.StateResolved, start.Add(time.Minute))
	do(http.MethodPost, fmt.Sprintf("/api/v1/customers/%d/merge", keep.CustomerID), leadToken,
		fmt.Sprintf(`{"from":%d}`, dup.CustomerID), http.StatusOK, nil)
	gone := s.storeTicket(t, "gone", storage.StateResolved, start)
	do(http.MethodPost, fmt.Sprintf("/api/v1/customers/%d/erase", gone.CustomerID), leadToken, `{"confirm":"ERASE"}`, http.StatusOK, nil)

	cust := s.aCustomer(t)
	cb := storage.Callback{CustomerID: cust.ID, Phone: "+447911123456", RequestedAt: start, DueAt: start.Add(5 * time.Hour),
		NextAttemptAt: start.Add(5 * time.Hour), MaxAttempts: 1}
	if err := s.store.CreateCallback(ctx, &cb); err != nil {
		t.Fatal(err)
	}
	do(http.MethodPost, fmt.Sprintf("/api/v1/callbacks/%d/dial", cb.ID), leadToken, "", http.StatusAccepted, nil)
	f, _, err := s.store.OpenFollowUp(ctx, storage.FollowUp{ConversationID: keep.ID, CustomerID: keep.CustomerID,
		Kind: "complaint", State: storage.FollowUpOpen, Summary: "broken"})
	if err != nil {
		t.Fatal(err)
	}
	do(http.MethodPost, fmt.Sprintf("/api/v1/followups/%d/close", f.ID), leadToken, `{"decision":"A new one is on its way."}`, http.StatusOK, nil)

	var raw strings.Builder
	entries := s.wholeTrail(t, leadToken, "")
	slices.Reverse(entries)
	for _, e := range entries {
		b, _ := json.Marshal(e)
		raw.Write(b)
	}
	type want struct {
		action, email, address, targetType string
		actor, target                      uint64
		details                            map[string]any
	}
	wants := []want{
		{"login", "lead@example.com", "127.0.0.1", "operator", lead.ID, lead.ID, nil},
		{"login_failed", "lead@example.com", far, "operator", lead.ID, lead.ID, map[string]any{"reason": "wrong password", "failures": 1.0}},
		{"operator_created", "lead@example.com", far, "operator", lead.ID, bob.ID,
			map[string]any{"email": "bob@example.com", "name": "Bob <script>", "role": "operator", "capacity": 5.0, "phone": ""}},
		{"login", "bob@example.com", "127.0.0.1", "operator", bob.ID, bob.ID, nil},
		{"password_changed", "bob@example.com", "127.0.0.1", "operator", bob.ID, bob.ID, nil},
		{"password_reset", "lead@example.com", far, "operator", lead.ID, bob.ID, nil},
		{"operator_changed", "lead@example.com", far, "operator", lead.ID, bob.ID, map[string]any{"email": "bob@example.com",
			"role": []any{"operator", "supervisor"}, "active": []any{true, false}, "phone": []any{"", "+447911123456"}}},
		{"canned_created", "lead@example.com", far, "canned_response", lead.ID, canned.ID, map[string]any{"shortcut": "refund", "title": "Refund"}},
		{"canned_changed", "lead@example.com", far, "canned_response", lead.ID, canned.ID,
			map[string]any{"shortcut": "refund", "title": []any{"Refund", "Refund sent"}}},
		{"canned_deleted", "lead@example.com", far, "canned_response", lead.ID, canned.ID,
			map[string]any{"shortcut": "refund", "title": "Refund sent", "text": "We refund."}},
		{"customer_merged", "lead@example.com", far, "customer", lead.ID, keep.CustomerID, map[string]any{"from": float64(dup.CustomerID)}},
		{"customer_erased", "lead@example.com", far, "customer", lead.ID, gone.CustomerID, map[string]any{"conversations": 1.0, "identities": 1.0}},
		{"callback_dial_now", "lead@example.com", far, "callback", lead.ID, cb.ID, map[string]any{"customer_id": float64(cust.ID)}},
		{"followup_closed", "lead@example.com", far, "followup", lead.ID, f.ID, map[string]any{"ticket": storage.FormatTicket(keep.ID)}},
	}
	if len(entries) != len(wants) {
		t.Fatalf("%d entries, want %d: %s", len(entries), len(wants), raw.String())
	}
	for i, w := range wants {
		e := entries[i]
		if e.Action != w.action || e.ActorEmail != w.email || e.Address != w.address || e.TargetType != w.targetType ||
			e.ActorID == nil || *e.ActorID != w.actor || e.TargetID == nil || *e.TargetID != w.target {
			t.Errorf("entry %d = %+v (actor %v, target %v), want %+v", i, e, derefID(e.ActorID), derefID(e.TargetID), w)
			continue
		}
		for k, v := range w.details {
			got, _ := json.Marshal(e.Details[k])
			wantJSON, _ := json.Marshal(v)
			if string(got) != string(wantJSON) {
				t.Errorf("%s: details[%q] = %s, want %s (all: %v)", e.Action, k, got, wantJSON, e.Details)
			}
		}
		if time.Since(e.At) > time.Minute || e.At.Location() != time.UTC {
			t.Errorf("%s at %v", e.Action, e.At)
		}
	}
	if entries[0].ActorName != "lead" {
		t.Errorf("actor_name %q, want the operator's name", entries[0].ActorName)
	}
	now, err := s.store.GetOperator(ctx, bob.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"bob-password-1", "bob-password-2", "bob-password-3", "wrong-password", now.PasswordHash,
		"$2a$", bobLogin.Token, leadToken} {
		if strings.Contains(raw.String(), secret) {
			t.Errorf("the trail holds %q", secret)
		}
	}
}

func derefID(p *uint64) any {
	if p == nil {
		return nil
	}
	return *p
}

// TestAuditListIsForSupervisorsPagedAndFiltered: operators get 403;
// pages walk newest first with no entry twice; action and actor_id keep
// their own; a bad parameter is a 400 naming it.
func TestAuditListIsForSupervisorsPagedAndFiltered(t *testing.T) {
	s := newServer(t)
	lead, leadToken := s.addOperator(t, "lead@example.com", storage.RoleSupervisor)
	ann, annToken := s.addOperator(t, "ann@example.com", storage.RoleOperator)
	for range 3 {
		s.mustDo(t, http.MethodPost, "/api/v1/auth/login", "", `{"email":"ann@example.com","password":"password-ann@example.com"}`, http.StatusOK, nil)
	}
	s.mustDo(t, http.MethodPost, "/api/v1/canned", leadToken, `{"shortcut":"hi","title":"Hi","text":"Hello!"}`, http.StatusCreated, nil)

	status, raw := s.do(t, http.MethodGet, "/api/v1/audit", annToken, "")
	wantError(t, status, raw, http.StatusForbidden, "supervisor")
	status, raw = s.do(t, http.MethodGet, "/api/v1/audit", "", "")
	wantError(t, status, raw, http.StatusUnauthorized, "token")

	all := s.wholeTrail(t, leadToken, "")
	if len(all) != 6 || all[0].Action != "canned_created" || all[5].Action != "login" || *all[5].ActorID != lead.ID {
		t.Fatalf("trail %+v, want 6 entries, newest first", all)
	}
	seen := map[uint64]bool{}
	for i, e := range all {
		if seen[e.ID] || (i > 0 && (e.At.After(all[i-1].At) || (e.At.Equal(all[i-1].At) && e.ID > all[i-1].ID))) {
			t.Fatalf("entry %d (%d) repeated or out of order: %+v", i, e.ID, all)
		}
		seen[e.ID] = true
	}
	logins := s.wholeTrail(t, leadToken, "&action=login")
	anns := s.wholeTrail(t, leadToken, fmt.Sprintf("&actor_id=%d", ann.ID))
	annLogins := s.wholeTrail(t, leadToken, fmt.Sprintf("&actor_id=%d&action=login", ann.ID))
	if len(logins) != 5 || len(anns) != 4 || len(annLogins) != 4 {
		t.Fatalf("%d logins, %d of ann's, %d logins of ann's; want 5, 4, 4", len(logins), len(anns), len(annLogins))
	}
	for _, e := range anns {
		if *e.ActorID != ann.ID || e.Action != "login" {
			t.Errorf("ann's entries hold %+v", e)
		}
	}
	var none auditPage
	s.mustDo(t, http.MethodGet, "/api/v1/audit?action=customer_erased", leadToken, "", http.StatusOK, &none)
	if none.Entries == nil || len(none.Entries) != 0 || none.NextCursor == nil || *none.NextCursor != "" {
		t.Errorf("no erasures: %+v, want an empty list and an empty next_cursor", none)
	}

	var other struct {
		NextCursor string `json:"next_cursor"`
	}
	s.storeTicket(t, "x", storage.StateResolved, time.Now())
	s.storeTicket(t, "y", storage.StateResolved, time.Now())
	s.mustDo(t, http.MethodGet, "/api/v1/conversations?status=resolved&limit=1", leadToken, "", http.StatusOK, &other)
	for _, tc := range []struct{ query, want string }{
		{"action=logout", `unknown action "logout"`},
		{"actor_id=ann", `actor_id "ann"`},
		{"actor_id=0", `actor_id "0"`},
		{"limit=0", "limit"},
		{"limit=501", "limit"},
		{"cursor=nonsense", "cursor"},
		{"cursor=" + other.NextCursor, "cursor"},
	} {
		status, raw := s.do(t, http.MethodGet, "/api/v1/audit?"+tc.query, leadToken, "")
		wantError(t, status, raw, http.StatusBadRequest, tc.want)
	}
}

// TestClientAddressIsNotTakenFromAClientsOwnHeader: a peer on the
// internet is recorded as itself whatever X-Forwarded-For it sends; a
// proxy on this host or a private network is believed, for the address
// nearest to it that is not another such proxy.
func TestClientAddressIsNotTakenFromAClientsOwnHeader(t *testing.T) {
	for _, tc := range []struct{ peer, xff, want string }{
		{"198.51.100.20:5000", "", "198.51.100.20"},
		{"198.51.100.20:5000", "10.0.0.1", "198.51.100.20"},
		{"127.0.0.1:5000", "", "127.0.0.1"},
		{"127.0.0.1:5000", "203.0.113.9", "203.0.113.9"},
		{"10.1.2.3:5000", "203.0.113.9, 10.0.0.2", "203.0.113.9"},
		{"127.0.0.1:5000", "192.0.2.66, 203.0.113.9", "203.0.113.9"},
	} {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.RemoteAddr = tc.peer
		if tc.xff != "" {
			r.Header.Set("X-Forwarded-For", tc.xff)
		}
		if got := api.ClientIP(r); got != tc.want {
			t.Errorf("peer %s, X-Forwarded-For %q: %q, want %q", tc.peer, tc.xff, got, tc.want)
		}
	}
}
