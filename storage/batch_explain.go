package storage

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// errExplained rolls back the transaction ExplainPrefetch runs in.
var errExplained = errors.New("explained")

// ExplainPrefetch runs the PostgreSQL prefetch statement for req under
// EXPLAIN (ANALYZE, BUFFERS) in a transaction it rolls back, and returns
// the plan: for benchmarks that watch how the write path scales with the
// data stored (bench/growth). The ids the statement draws are used up.
func (s *Storage) ExplainPrefetch(ctx context.Context, req PrefetchRequest) (string, error) {
	if s.dialect != Postgres {
		return "", fmt.Errorf("explain the prefetch: only on PostgreSQL")
	}
	var chans, exts, inChans, inExts []string
	for _, c := range req.Contacts {
		chans, exts = append(chans, c.Channel), append(exts, c.ExternalID)
	}
	for _, r := range req.Inbound {
		inChans, inExts = append(inChans, r.Channel), append(inExts, r.ExternalID)
	}
	var plan []string
	err := s.Tx(ctx, func(tx *Storage) error {
		rows, err := tx.q(ctx).Raw("EXPLAIN (ANALYZE, BUFFERS) "+prefetchStatement, pgTextArray(chans), pgTextArray(exts),
			pgTextArray(inChans), pgTextArray(inExts), 2*req.Events+1, req.Events+1, req.Now, QueuePositionCap).Rows()
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var line string
			if err := rows.Scan(&line); err != nil {
				return err
			}
			plan = append(plan, line)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		return errExplained
	})
	if err != nil && !errors.Is(err, errExplained) {
		return "", fmt.Errorf("explain the prefetch of %d events: %w", req.Events, err)
	}
	return strings.Join(plan, "\n"), nil
}
