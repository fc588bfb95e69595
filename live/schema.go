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
	publishFunction,
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
	sendBudgetTable, sendBudgetGone, sendsTable, sendChatsTable, sendChatsIndex, sendEndFunction, sendTurnsFunction,
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

// publishFunction, live_publish_numbered, writes a batch of events in one round trip: it takes the
// event ids' advisory lock (p_lock) so ids commit in the order they are
// drawn, stores the events under consecutive ids in the arrays' order,
// NOTIFYs p_channel with the newest id and returns it. The writing process
// thus knows each event's id (newest minus its distance from the end) and
// can hand its own events to its streams without reading them back.
// (Earlier builds call live_publish, which drew ids one row at a time;
// both share the lock and the sequence, so ids stay in commit order while
// builds are mixed.) Events are live data: losing the last moments' to a database crash
// costs a reload, so the commit does not wait for the disk (set_config's
// local value lasts to the end of the caller's transaction).
const publishFunction = `CREATE OR REPLACE FUNCTION live_publish_numbered(p_lock bigint, p_channel text, p_types text[],
	p_convs bigint[], p_ats timestamptz[], p_datas text[]) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
	v_first bigint;
	v_newest bigint;
BEGIN
	PERFORM set_config('synchronous_commit', 'off', true);
	PERFORM pg_advisory_xact_lock(p_lock);
	v_first := nextval('live_event_ids');
	v_newest := v_first + cardinality(p_types) - 1;
	IF v_newest > v_first THEN
		PERFORM setval('live_event_ids', v_newest);
	END IF;
	INSERT INTO live_events (id, type, conversation_id, at, data)
	SELECT v_first + n - 1, t, c, a, d
	FROM unnest(p_types, p_convs, p_ats, p_datas) WITH ORDINALITY AS u(t, c, a, d, n);
	PERFORM pg_notify(p_channel, v_newest::text);
	RETURN v_newest;
END $$`

func firstLine(s string) string {
	for i, r := range s {
		if r == '\n' {
			return s[:i]
		}
	}
	return s
}
