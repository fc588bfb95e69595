package storage

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// takeIDs returns n unused ids of table, ascending. On PostgreSQL they
// come from the table's sequence (never handed out twice, whatever else
// inserts meanwhile), drawn ahead by Prefetch or here in one round trip;
// on SQLite the transaction holds the only write lock and nothing else
// inserts into these tables in a batch, so the ids after the table's
// AUTOINCREMENT counter are free.
func (s *Storage) takeIDs(ctx context.Context, table string, n int) ([]uint64, error) {
	wb := s.wb
	if s.dialect != Postgres {
		next, ok := wb.sqliteNext[table]
		if !ok {
			var last uint64
			err := s.q(ctx).Raw(`SELECT COALESCE(MAX(seq), 0) FROM sqlite_sequence WHERE name = ?`, table).Scan(&last).Error
			if err != nil {
				return nil, fmt.Errorf("take %d %s ids: %w", n, table, err)
			}
			next = last + 1
		}
		ids := make([]uint64, n)
		for i := range ids {
			ids[i] = next + uint64(i)
		}
		wb.sqliteNext[table] = next + uint64(n)
		return ids, nil
	}
	if short := n - len(wb.ids[table]); short > 0 {
		if err := s.drawIDs(ctx, map[string]int{table: short}); err != nil {
			return nil, err
		}
	}
	ids := wb.ids[table][:n:n]
	wb.ids[table] = wb.ids[table][n:]
	return ids, nil
}

// drawIDs draws want[table] ids from each table's PostgreSQL sequence, in
// one round trip, into the batch's pools, each table's ascending.
func (s *Storage) drawIDs(ctx context.Context, want map[string]int) error {
	tables := make([]string, 0, len(want))
	most := 0
	for t, n := range want {
		if n > 0 {
			tables = append(tables, t)
			most = max(most, n)
		}
	}
	if len(tables) == 0 {
		return nil
	}
	slices.Sort(tables)
	cols := make([]string, len(tables))
	args := make([]any, 0, 2*len(tables)+1)
	for i, t := range tables {
		cols[i] = "CASE WHEN g <= ? THEN nextval(pg_get_serial_sequence(?, 'id')) END"
		args = append(args, want[t], t)
	}
	rows, err := s.q(ctx).Raw(`SELECT `+strings.Join(cols, ", ")+` FROM generate_series(1, ?) AS g`,
		append(args, most)...).Rows()
	if err != nil {
		return fmt.Errorf("draw ids of %v: %w", tables, err)
	}
	defer rows.Close()
	vals := make([]*uint64, len(tables))
	dest := make([]any, len(tables))
	for i := range dest {
		dest[i] = &vals[i]
	}
	drawn := make([][]uint64, len(tables))
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return fmt.Errorf("draw ids of %v: %w", tables, err)
		}
		for i, v := range vals {
			if v != nil {
				drawn[i] = append(drawn[i], *v)
			}
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("draw ids of %v: %w", tables, err)
	}
	for i, t := range tables {
		if len(drawn[i]) != want[t] {
			return fmt.Errorf("draw %d ids of %s: got %d", want[t], t, len(drawn[i]))
		}
		slices.Sort(drawn[i])
		s.wb.ids[t] = append(s.wb.ids[t], drawn[i]...)
	}
	return nil
}
