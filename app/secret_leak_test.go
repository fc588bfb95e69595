package app_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/switchboardhq/switchboard/auth"
)

// TestNoLogLineOrAuditEntryShowsAPasswordOrASession drives the journeys
// that carry secrets — a wrong password, a login, an operator created
// with a password, a reset, a change, a logout — and reads every log
// line (debug included) and the whole audit trail for the passwords, the
// session tokens, their hashes and CSRF tokens, and password hashes.
func TestNoLogLineOrAuditEntryShowsAPasswordOrASession(t *testing.T) {
	var log lockedBuffer
	h := start(t, withLog(&log))
	const (
		wrong   = "not-the-password-7Qx"
		first   = "first-password-9Kz"
		reset   = "reset-password-3Vb"
		changed = "changed-password-5Ht"
	)
	if code := h.call(http.MethodPost, "/api/v1/auth/login", "", map[string]string{"email": adminEmail, "password": wrong}, nil); code != http.StatusUnauthorized {
		t.Fatalf("wrong password: %d", code)
	}
	lead := h.login(adminEmail, adminPassword)
	var bob struct{ ID uint64 }
	if code := h.call(http.MethodPost, "/api/v1/operators", lead,
		map[string]string{"email": "bob@example.com", "name": "Bob", "password": first}, &bob); code != http.StatusCreated {
		t.Fatalf("create operator: %d", code)
	}
	bobFirst := h.login("bob@example.com", first)
	if code := h.call(http.MethodPost, fmt.Sprintf("/api/v1/operators/%d/password", bob.ID), lead,
		map[string]string{"password": reset}, nil); code != http.StatusNoContent {
		t.Fatalf("reset password: %d", code)
	}
	bobNow := h.login("bob@example.com", reset)
	if code := h.call(http.MethodPost, "/api/v1/me/password", bobNow,
		map[string]string{"current_password": wrong, "new_password": changed}, nil); code != http.StatusBadRequest {
		t.Fatalf("change with the wrong password: %d", code)
	}
	if code := h.call(http.MethodPost, "/api/v1/me/password", bobNow,
		map[string]string{"current_password": reset, "new_password": changed}, nil); code != http.StatusNoContent {
		t.Fatalf("change password: %d", code)
	}
	if code := h.call(http.MethodPost, "/api/v1/auth/logout", bobNow, nil, nil); code != http.StatusNoContent {
		t.Fatalf("logout: %d", code)
	}
	var trail struct {
		Entries []struct {
			Action  string `json:"action"`
			Details any    `json:"details"`
		} `json:"entries"`
	}
	if code := h.call(http.MethodGet, "/api/v1/audit?limit=500", lead, nil, &trail); code != http.StatusOK {
		t.Fatalf("audit: %d", code)
	}
	actions := map[string]int{}
	for _, e := range trail.Entries {
		actions[e.Action]++
	}
	// The journey is in the trail: what is checked below is not empty.
	for action, n := range map[string]int{"login_failed": 2, "login": 3, "operator_created": 1, "password_reset": 1, "password_changed": 1} {
		if actions[action] != n {
			t.Errorf("%d %s entries, want %d (all: %v)", actions[action], action, n, actions)
		}
	}
	bobOp, err := h.app.Store.GetOperator(t.Context(), bob.ID)
	if err != nil {
		t.Fatal(err)
	}
	admin, err := h.app.Store.OperatorByEmail(t.Context(), adminEmail)
	if err != nil {
		t.Fatal(err)
	}
	secrets := []string{wrong, first, reset, changed, adminPassword, bobOp.PasswordHash, admin.PasswordHash, "$2a$"}
	for _, tok := range []string{lead, bobFirst, bobNow} {
		secrets = append(secrets, tok, auth.HashToken(tok), auth.CSRFToken(tok))
	}
	entries := fmt.Sprint(trail.Entries)
	logged := log.String()
	if !strings.Contains(logged, "login refused") {
		t.Fatalf("the log did not capture the journey:\n%s", logged)
	}
	for _, secret := range secrets {
		if strings.Contains(entries, secret) {
			t.Errorf("the audit trail holds %q: %s", secret, entries)
		}
		for _, line := range strings.Split(logged, "\n") {
			if strings.Contains(line, secret) {
				t.Errorf("a log line holds %q: %s", secret, line)
			}
		}
	}
}
