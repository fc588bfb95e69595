package auth_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/audit"
	"github.com/switchboardhq/switchboard/auth"
	"github.com/switchboardhq/switchboard/storage"
	"github.com/switchboardhq/switchboard/storage/storagetest"
)

// trail is every audit entry, oldest first.
func trail(t *testing.T, store *storage.Storage) []audit.Entry {
	t.Helper()
	all, _, err := store.AuditPage(t.Context(), storage.AuditFilter{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	slices.Reverse(all)
	return all
}

// summary is an entry as the tests compare it.
type summary struct {
	action  audit.Action
	actorID uint64
	email   string
	target  uint64
	address string
	details string
}

func summarize(es []audit.Entry) []summary {
	var out []summary
	for _, e := range es {
		s := summary{action: e.Action, email: e.ActorEmail, address: e.Address, details: e.Details}
		if e.ActorID != nil {
			s.actorID = *e.ActorID
		}
		if e.TargetID != nil {
			s.target = *e.TargetID
			if e.TargetType != audit.TargetOperator {
				s.target = 0
			}
		}
		out = append(out, s)
	}
	return out
}

// TestEveryLoginAttemptIsInTheTrail logs in right, wrong, with an email
// nobody has, until locked out and while locked (a password change too):
// each is an entry naming who (when known), the account and the address,
// with why it failed.
func TestEveryLoginAttemptIsInTheTrail(t *testing.T) {
	withFailureDelay(t, time.Millisecond)
	store := storagetest.Open(t)
	ann := createOperator(t, store, "ann@example.com", "ann-password", true)
	gone := createOperator(t, store, "gone@example.com", "gone-password", false)
	const from = "203.0.113.7"
	ctx := t.Context()
	if _, _, err := auth.LoginFrom(ctx, store, "ANN@example.com", "ann-password", from, time.Hour); err != nil {
		t.Fatal(err)
	}
	if _, _, err := auth.LoginFrom(ctx, store, "nobody@example.com", "some-password", from, time.Hour); !errors.Is(err, auth.ErrBadCredentials) {
		t.Fatal(err)
	}
	if _, _, err := auth.LoginFrom(ctx, store, "gone@example.com", "gone-password", from, time.Hour); !errors.Is(err, auth.ErrBadCredentials) {
		t.Fatal(err)
	}
	for range auth.LoginPolicy.MaxFailures - 1 {
		if _, _, err := auth.LoginFrom(ctx, store, "ann@example.com", "wrong-password", from, time.Hour); !errors.Is(err, auth.ErrBadCredentials) {
			t.Fatal(err)
		}
	}
	if _, _, err := auth.LoginFrom(ctx, store, "ann@example.com", "wrong-password", from, time.Hour); !errors.Is(err, auth.ErrLockedOut) {
		t.Fatal(err)
	}
	if _, _, err := auth.LoginFrom(ctx, store, "ann@example.com", "ann-password", "198.51.100.2", time.Hour); !errors.Is(err, auth.ErrLockedOut) {
		t.Fatal(err)
	}
	if err := auth.ChangePassword(ctx, store, ann, "ann-password", "new-password-9", "", "198.51.100.3"); !errors.Is(err, auth.ErrLockedOut) {
		t.Fatal(err)
	}
	got := summarize(trail(t, store))
	want := []summary{
		{audit.Login, ann.ID, "ann@example.com", ann.ID, from, "{}"},
		{audit.LoginFailed, 0, "nobody@example.com", 0, from, `{"failures":1,"reason":"unknown email"}`},
		{audit.LoginFailed, gone.ID, "gone@example.com", gone.ID, from, `{"failures":1,"reason":"deactivated"}`},
	}
	for n := 1; n <= auth.LoginPolicy.MaxFailures; n++ {
		want = append(want, summary{audit.LoginFailed, ann.ID, "ann@example.com", ann.ID, from,
			`{"failures":` + string(rune('0'+n)) + `,"reason":"wrong password"}`})
	}
	want = append(want, summary{audit.Lockout, ann.ID, "ann@example.com", ann.ID, from, ""},
		summary{audit.LoginFailed, ann.ID, "ann@example.com", ann.ID, "198.51.100.2", `{"reason":"locked out"}`},
		summary{audit.LoginFailed, ann.ID, "ann@example.com", ann.ID, "198.51.100.3", `{"reason":"locked out"}`})
	if len(got) != len(want) {
		t.Fatalf("trail %+v\nwant %+v", got, want)
	}
	for i := range want {
		if want[i].action == audit.Lockout {
			if !strings.HasPrefix(got[i].details, `{"failures":5,"locked_until":"`) {
				t.Errorf("lockout details %s", got[i].details)
			}
			got[i].details = ""
		}
		if got[i] != want[i] {
			t.Errorf("entry %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}

// TestPasswordsChangedAndResetAreInTheTrailWithoutThem changes a
// password (once with the wrong current one), resets it as a supervisor
// and from the command line: each is an entry, none holds a password or
// a hash.
func TestPasswordsChangedAndResetAreInTheTrailWithoutThem(t *testing.T) {
	withFailureDelay(t, time.Millisecond)
	store := storagetest.Open(t)
	ctx := t.Context()
	ann := createOperator(t, store, "ann@example.com", "ann-password", true)
	lead := audit.Actor{ID: 99, Email: "lead@example.com", Address: "192.0.2.10"}
	if err := auth.ChangePassword(ctx, store, ann, "not-my-password", "changed-password-1", "", "192.0.2.5"); !errors.Is(err, auth.ErrBadCredentials) {
		t.Fatal(err)
	}
	if err := auth.ChangePassword(ctx, store, ann, "ann-password", "changed-password-1", "", "192.0.2.5"); err != nil {
		t.Fatal(err)
	}
	if err := auth.SetPassword(ctx, store, lead, ann.ID, "reset-password-2"); err != nil {
		t.Fatal(err)
	}
	if err := auth.SetPassword(ctx, store, lead, ann.ID, "short"); !errors.Is(err, auth.ErrWeakPassword) {
		t.Fatal(err)
	}
	if _, err := auth.ResetPassword(ctx, store, "ann@example.com", "cli-password-3"); err != nil {
		t.Fatal(err)
	}
	entries := trail(t, store)
	got := summarize(entries)
	want := []summary{
		{audit.LoginFailed, ann.ID, "ann@example.com", ann.ID, "192.0.2.5", `{"failures":1,"reason":"wrong current password"}`},
		{audit.PasswordChanged, ann.ID, "ann@example.com", ann.ID, "192.0.2.5", "{}"},
		{audit.PasswordReset, lead.ID, "lead@example.com", ann.ID, "192.0.2.10", "{}"},
		{audit.PasswordReset, 0, "", ann.ID, "", "{}"},
	}
	if !slices.Equal(got, want) {
		t.Fatalf("trail %+v\nwant %+v", got, want)
	}
	now, err := store.GetOperator(ctx, ann.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		for _, secret := range []string{"ann-password", "changed-password-1", "reset-password-2", "cli-password-3",
			ann.PasswordHash, now.PasswordHash, "$2a$"} {
			if strings.Contains(e.Details, secret) {
				t.Errorf("%s entry holds %q: %s", e.Action, secret, e.Details)
			}
		}
	}
}
