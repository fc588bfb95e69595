package storage

import (
	"context"
	"database/sql/driver"
	"time"

	"github.com/jackc/pgx/v5"
)

// replanEvery is how long a PostgreSQL connection keeps its cached plans.
//
// A connection plans each statement it prepares, and each statement of the
// write path's functions, once, and keeps the plan until an ANALYZE or a
// change of schema invalidates it. A plan made while a table was nearly
// empty reads it whole — a sequential scan where allowed, or else the
// whole of some index, with the batch's keys matched as a filter — and
// keeps doing so as the table grows. On a new desk's busy first minutes
// that is every batch reading every row, until autovacuum's first ANALYZE
// (it looks once a minute). Planned again, a statement sees the table's
// present size (PostgreSQL counts its pages at planning), so throwing the
// plans away every second bounds how long a stale plan can run, for a few
// milliseconds of planning a second per connection.
const replanEvery = time.Second

// replannedKey names, in a connection's custom data, when its plans were
// last thrown away.
const replannedKey = "switchboard.replanned"

// replanStale is the PostgreSQL pool's session reset, run when a
// connection is taken again: once replanEvery has passed since the
// connection's plans were made, it discards them (DISCARD PLANS keeps the
// prepared statements, only their plans go).
func replanStale(ctx context.Context, c *pgx.Conn) error {
	data := c.PgConn().CustomData()
	now := time.Now()
	last, ok := data[replannedKey].(time.Time)
	if !ok {
		data[replannedKey] = now // a new connection: nothing planned before now
		return nil
	}
	if now.Sub(last) < replanEvery {
		return nil
	}
	if _, err := c.Exec(ctx, "DISCARD PLANS"); err != nil {
		return driver.ErrBadConn
	}
	data[replannedKey] = now
	return nil
}
