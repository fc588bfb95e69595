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
// the plan; when req may hand over, then also the queue count's (as for a
// batch whose own conversations are none). For benchmarks that watch how
// the write path scales with the data stored (bench/growth). Each is
// planned with the settings the batch_prefetch_queue function runs it with
// (keyLookupSettings); with generic, it is prepared and planned without its
// arguments, as that function's plan is. The ids the statement draws are
// used up.
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
	var queueAt any
	if !req.QueueAt.IsZero() {
		queueAt = req.QueueAt
	}
	// In the order of each statement's placeholders.
	type statement struct {
		query string
		args  []any
	}
	statements := []statement{{prefetchStatement, []any{pgTextArray(chans), pgTextArray(exts), pgTextArray(inChans),
		pgTextArray(inExts), queueAt, 2*req.Events + 1, req.Events + 1}}}
	if queueAt != nil {
		statements = append(statements, statement{queueCountStatement, []any{req.QueueAt, "{}", req.QueueAt, QueuePositionCap}})
	}
	var plan []string
	err := s.Tx(ctx, func(tx *Storage) error {
		// As the batch_prefetch_queue function plans them.
		if err := tx.q(ctx).Exec(keyLookupLocal).Error; err != nil {
			return err
		}
		if generic {
			if err := tx.q(ctx).Exec("SET LOCAL plan_cache_mode = force_generic_plan").Error; err != nil {
				return err
			}
		}
		for i, st := range statements {
			lines, err := tx.explain(ctx, fmt.Sprintf("explained_%d", i), st.query, st.args, generic)
			if err != nil {
				return err
			}
			plan = append(plan, lines...)
		}
		return errExplained
	})
	if err != nil && !errors.Is(err, errExplained) {
		return "", fmt.Errorf("explain the prefetch of %d events: %w", req.Events, err)
	}
	return strings.Join(plan, "\n"), nil
}

// explain runs query (? placeholders) under EXPLAIN (ANALYZE, BUFFERS)
// and returns the plan's lines; with generic, as a statement prepared
// under name and planned without its arguments.
func (s *Storage) explain(ctx context.Context, name, query string, args []any, generic bool) ([]string, error) {
	q := "EXPLAIN (ANALYZE, BUFFERS) " + query
	if generic {
		if err := s.q(ctx).Exec("PREPARE " + name + " AS " + numberedParams(query)).Error; err != nil {
			return nil, err
		}
		defer s.q(ctx).Exec("DEALLOCATE " + name)
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
		q, args = "EXPLAIN (ANALYZE, BUFFERS) EXECUTE "+name+"("+strings.Join(lits, ", ")+")", nil
	}
	rows, err := s.q(ctx).Raw(q, args...).Rows()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return nil, err
		}
		plan = append(plan, line)
	}
	return plan, rows.Err()
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
