package storage

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// errExplained rolls back the transaction ExplainPrefetch runs in.
var errExplained = errors.New("explained")

// ExplainPrefetch runs the PostgreSQL prefetch statement for req under
// EXPLAIN (ANALYZE, BUFFERS) in a transaction it rolls back, and returns
// the plan: for benchmarks that watch how the write path scales with the
// data stored (bench/growth). It is planned with the settings the
// batch_prefetch_queue function runs it with (keyLookupSettings); with generic, it
// is prepared and planned without its arguments, as that function's plan
// is. The ids the statement draws are used up.
func (s *Storage) ExplainPrefetch(ctx context.Context, req PrefetchRequest, generic bool) (string, error) {
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
		var queueAt any
		if !req.QueueAt.IsZero() {
			queueAt = req.QueueAt
		}
		// In the order of prefetchStatement's placeholders.
		args := []any{pgTextArray(chans), pgTextArray(exts), pgTextArray(inChans), pgTextArray(inExts),
			queueAt, QueuePositionCap, 2*req.Events + 1, req.Events + 1}
		query := "EXPLAIN (ANALYZE, BUFFERS) " + prefetchStatement
		// As the batch_prefetch_queue function plans it.
		for _, set := range keyLookupSettings {
			if err := tx.q(ctx).Exec("SET LOCAL " + set).Error; err != nil {
				return err
			}
		}
		if generic {
			if err := tx.q(ctx).Exec("PREPARE explained_prefetch AS " + numberedParams(prefetchStatement)).Error; err != nil {
				return err
			}
			if err := tx.q(ctx).Exec("SET LOCAL plan_cache_mode = force_generic_plan").Error; err != nil {
				return err
			}
			// EXECUTE under EXPLAIN takes no bound parameters: literals.
			lits := make([]string, len(args))
			for i, a := range args {
				switch v := a.(type) {
				case nil:
					lits[i] = "NULL"
				case string:
					lits[i] = sqlQuote(v)
				case time.Time:
					lits[i] = sqlQuote(v.Format(time.RFC3339Nano))
				default:
					lits[i] = fmt.Sprint(v)
				}
			}
			query, args = "EXPLAIN (ANALYZE, BUFFERS) EXECUTE explained_prefetch("+strings.Join(lits, ", ")+")", nil
			defer tx.q(ctx).Exec("DEALLOCATE explained_prefetch")
		}
		rows, err := tx.q(ctx).Raw(query, args...).Rows()
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

// numberedParams turns query's ? placeholders into $1, $2, … for PREPARE.
func numberedParams(query string) string {
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
