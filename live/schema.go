package live

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"
)

// migrateLock is the advisory lock that keeps processes starting together
// from creating the live tables twice.
const migrateLock = 7452002

// schema creates the live layer's tables. Every statement is idempotent:
// they are the live layer's whole schema, run at every start. Events and
// presence rows are short-lived, so a new need is a new idempotent
// statement here rather than a numbered migration in storage.
var schema = []string{
	// Events: ids come from their own sequence, taken under an advisory
	// lock by the writer so they commit in order (bus.go).
	`CREATE SEQUENCE IF NOT EXISTS live_event_ids`,
	`CREATE TABLE IF NOT EXISTS live_events (
		id bigint PRIMARY KEY,
		type text NOT NULL,
		conversation_id bigint NOT NULL DEFAULT 0,
		at timestamptz NOT NULL,
		data text NOT NULL DEFAULT ''
	)`,
	`CREATE INDEX IF NOT EXISTS live_events_at ON live_events (at)`,
	// Marks: named numbers, such as the highest event id purged.
	`CREATE TABLE IF NOT EXISTS live_marks (
		name text PRIMARY KEY,
		value bigint NOT NULL
	)`,
	// Presence: one row per process and operator with an event stream
	// there (presence.go).
	`CREATE TABLE IF NOT EXISTS live_presence (
		process text NOT NULL,
		operator_id bigint NOT NULL,
		streams int NOT NULL,
		expires_at timestamptz NOT NULL,
		PRIMARY KEY (process, operator_id)
	)`,
	`CREATE INDEX IF NOT EXISTS live_presence_operator ON live_presence (operator_id, expires_at)`,
	// Send budgets: each channel's shared rate limit (budget.go).
	sendBudgetTable, sendBudgetGone, sendsTable, sendChatsTable, sendChatsIndex, sendTurnsFunction, sendEndFunction,
}

// Migrate creates what the live layer keeps in PostgreSQL, once however
// many processes start together.
func Migrate(ctx context.Context, pool *pgxpool.Pool) error {
	tx, err := pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("migrate live tables: %w", err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", migrateLock); err != nil {
		return fmt.Errorf("migrate live tables: lock: %w", err)
	}
	for _, stmt := range schema {
		if _, err := tx.Exec(ctx, stmt); err != nil {
			return fmt.Errorf("migrate live tables: %s: %w", firstLine(stmt), err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("migrate live tables: commit: %w", err)
	}
	return nil
}

func firstLine(s string) string {
	for i, r := range s {
		if r == '\n' {
			return s[:i]
		}
	}
	return s
}
