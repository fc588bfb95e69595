package auth_test

import (
	"errors"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/auth"
	"github.com/switchboardhq/switchboard/storage/storagetest"
)

// withFailureDelay sets auth.FailureDelay for one test.
func withFailureDelay(t *testing.T, d time.Duration) {
	t.Helper()
	old := auth.FailureDelay
	auth.FailureDelay = d
	t.Cleanup(func() { auth.FailureDelay = old })
}

func TestFiveFailedLoginsLockTheEmailEvenForTheRightPassword(t *testing.T) {
	withFailureDelay(t, time.Millisecond)
	cases := []struct {
		name  string
		email string
	}{
		{"existing operator", "ann@example.com"},
		{"unknown email", "nobody@example.com"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			store := storagetest.Open(t)
			createOperator(t, store, "ann@example.com", "ann-password", true)
			for i := 1; i <= 4; i++ {
				if _, _, err := auth.Login(t.Context(), store, c.email, "wrong-password", time.Hour); !errors.Is(err, auth.ErrBadCredentials) {
					t.Fatalf("failure %d: err = %v, want ErrBadCredentials", i, err)
				}
			}
			_, _, err := auth.Login(t.Context(), store, c.email, "wrong-password", time.Hour)
			var locked *auth.LockedOutError
			if !errors.As(err, &locked) || locked.RetryAfter <= 14*time.Minute || locked.RetryAfter > 15*time.Minute {
				t.Fatalf("fifth failure: err = %v, want locked for 15 minutes", err)
			}
			for _, email := range []string{c.email, "  " + c.email + " "} {
				if _, _, err := auth.Login(t.Context(), store, email, "ann-password", time.Hour); !errors.Is(err, auth.ErrLockedOut) {
					t.Fatalf("login as %q while locked: err = %v, want ErrLockedOut", email, err)
				}
			}
		})
	}
}

func TestSuccessfulLoginClearsTheFailures(t *testing.T) {
	withFailureDelay(t, time.Millisecond)
	store := storagetest.Open(t)
	createOperator(t, store, "ann@example.com", "ann-password", true)
	for round := range 2 {
		for range 4 {
			if _, _, err := auth.Login(t.Context(), store, "ann@example.com", "wrong-password", time.Hour); !errors.Is(err, auth.ErrBadCredentials) {
				t.Fatalf("round %d: err = %v, want ErrBadCredentials", round, err)
			}
		}
		if _, _, err := auth.Login(t.Context(), store, "ANN@example.com", "ann-password", time.Hour); err != nil {
			t.Fatalf("round %d: right password after 4 failures: %v", round, err)
		}
	}
}

func TestLockEndsAfterItsTime(t *testing.T) {
	withFailureDelay(t, time.Millisecond)
	store := storagetest.Open(t)
	createOperator(t, store, "ann@example.com", "ann-password", true)
	long := time.Now().UTC().Add(-time.Hour)
	if err := store.Exec(t.Context(), "INSERT INTO login_failures (email, failures, first_failed_at, locked_until) VALUES (?, ?, ?, ?)",
		"ann@example.com", 5, long, long.Add(15*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := auth.Login(t.Context(), store, "ann@example.com", "ann-password", time.Hour); err != nil {
		t.Fatalf("login after the lock ended: %v", err)
	}
}

func TestEachFailedLoginWaitsLonger(t *testing.T) {
	withFailureDelay(t, 20*time.Millisecond)
	store := storagetest.Open(t)
	for n := 1; n <= 3; n++ {
		began := time.Now()
		if _, _, err := auth.Login(t.Context(), store, "ann@example.com", "wrong-password", time.Hour); !errors.Is(err, auth.ErrBadCredentials) {
			t.Fatal(err)
		}
		if took, least := time.Since(began), time.Duration(n)*20*time.Millisecond; took < least {
			t.Fatalf("failure %d answered after %s, want at least %s", n, took, least)
		}
	}
}

func TestChangePasswordEndsTheOtherSessions(t *testing.T) {
	store := storagetest.Open(t)
	op := createOperator(t, store, "ann@example.com", "ann-password", true)
	kept, _, err := auth.Login(t.Context(), store, "ann@example.com", "ann-password", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	ended, _, err := auth.Login(t.Context(), store, "ann@example.com", "ann-password", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if err := auth.ChangePassword(t.Context(), store, op, "ann-password", "short", kept, ""); !errors.Is(err, auth.ErrWeakPassword) {
		t.Fatalf("weak password: err = %v", err)
	}
	if err := auth.ChangePassword(t.Context(), store, op, "ann-password", "new-password", kept, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := auth.Authenticate(t.Context(), store, kept); err != nil {
		t.Errorf("the kept session: %v", err)
	}
	if _, err := auth.Authenticate(t.Context(), store, ended); !errors.Is(err, auth.ErrBadToken) {
		t.Errorf("the other session: err = %v, want ErrBadToken", err)
	}
	if _, _, err := auth.Login(t.Context(), store, "ann@example.com", "new-password", time.Hour); err != nil {
		t.Errorf("login with the new password: %v", err)
	}
}

func TestCSRFTokenIsDerivedFromTheSessionToken(t *testing.T) {
	a, b := auth.CSRFToken("token-a"), auth.CSRFToken("token-b")
	if a == b || a != auth.CSRFToken("token-a") || len(a) != 43 {
		t.Fatalf("CSRFToken: %q and %q, want stable, distinct, 32 bytes of base64url", a, b)
	}
}
