package main

import (
	"context"
	"fmt"
	"time"

	"github.com/switchboardhq/switchboard/storage"
)

// hotTables are the tables every inbound event reads or writes.
const hotTables = `('identities', 'customers', 'conversations', 'messages', 'outbox')`

// seqCounts are the sequential scans on the hot tables, the rows they
// read, and the index scans (to show the counters moved at all); byTable
// the sequential scans and rows per table.
type seqCounts struct {
	scans, rows, idx int64
	byTable          map[string][2]int64
}

// statsLag is how long an idle backend may keep its statistics before it
// reports them (PGSTAT_IDLE_INTERVAL, 10 s), plus a margin.
const statsLag = 11 * time.Second

// seqStats reads the hot tables' sequential scans from pg_stat_user_tables,
// after dropping the snapshot the statistics are read from. PostgreSQL 15
// keeps counters in each backend: the engine's connections report theirs at
// most once a second, or 10 s after they go idle, and
// pg_stat_force_next_flush only flushes the calling backend's, so seqStats
// waits statsLag first.
func seqStats(ctx context.Context, store *storage.Storage) (seqCounts, error) {
	time.Sleep(statsLag)
	var rows []struct {
		Relname          string
		Scans, Rows, Idx int64
	}
	err := store.Tx(ctx, func(tx *storage.Storage) error {
		if err := tx.Exec(ctx, "SELECT pg_stat_clear_snapshot()"); err != nil {
			return err
		}
		return tx.Select(ctx, &rows, `SELECT relname, seq_scan AS scans, seq_tup_read AS rows,
		coalesce(idx_scan, 0) AS idx FROM pg_stat_user_tables WHERE schemaname = current_schema() AND relname IN `+hotTables)
	})
	if err != nil {
		return seqCounts{}, fmt.Errorf("read seq scan stats: %w", err)
	}
	c := seqCounts{byTable: map[string][2]int64{}}
	for _, r := range rows {
		c.scans, c.rows, c.idx = c.scans+r.Scans, c.rows+r.Rows, c.idx+r.Idx
		c.byTable[r.Relname] = [2]int64{r.Scans, r.Rows}
	}
	return c, nil
}

// hotRows counts the rows of the hot tables.
func hotRows(ctx context.Context, store *storage.Storage) (int64, error) {
	var rows []struct{ N int64 }
	err := store.Select(ctx, &rows, `SELECT (SELECT count(*) FROM identities) + (SELECT count(*) FROM customers)
		+ (SELECT count(*) FROM conversations) + (SELECT count(*) FROM messages) + (SELECT count(*) FROM outbox) AS n`)
	if err != nil {
		return 0, fmt.Errorf("count hot rows: %w", err)
	}
	return rows[0].N, nil
}
