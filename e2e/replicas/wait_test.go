package replicas_test

import (
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// waitRow waits up to d until query (one boolean) answers true.
func waitRow(t *testing.T, db *pgx.Conn, d time.Duration, what, query string, args ...any) {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		var ok bool
		if err := db.QueryRow(t.Context(), query, args...).Scan(&ok); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("not %s within %s", what, d)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitFor waits up to d for cond.
func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("no %s within %s", what, d)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
