package storage

import (
	"strconv"
	"strings"
)

// Statements whose text changes with the number of values in them (an IN
// list, a multi-row VALUES) are parsed and planned by PostgreSQL anew for
// every length, and crowd the driver's per-connection statement cache. On
// PostgreSQL the hot path therefore passes a list as one array parameter,
// so each statement has one text and stays prepared; SQLite runs in
// process and takes the expanded list.

// inList is a condition "column is one of values" and its argument.
func (s *Storage) inList(column string, values []string) (string, any) {
	if s.dialect == Postgres {
		return column + " = ANY(?::text[])", pgTextArray(values)
	}
	return column + " IN ?", values
}

// inIDs is inList for ids.
func (s *Storage) inIDs(column string, ids []uint64) (string, any) {
	if s.dialect == Postgres {
		return column + " = ANY(?::bigint[])", pgIDArray(ids)
	}
	return column + " IN ?", ids
}

// sqlQuote renders s as an SQL string literal, for statements built
// from constants (the write path's functions) or shown with their
// arguments (EXPLAIN).
func sqlQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// pgTextArray renders values as a PostgreSQL array literal, every element
// quoted.
func pgTextArray(values []string) string {
	var b strings.Builder
	b.WriteByte('{')
	for i, v := range values {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('"')
		for _, r := range v {
			if r == '"' || r == '\\' {
				b.WriteByte('\\')
			}
			b.WriteRune(r)
		}
		b.WriteByte('"')
	}
	b.WriteByte('}')
	return b.String()
}

// pgIDArray renders ids as a PostgreSQL array literal.
func pgIDArray(ids []uint64) string {
	b := make([]byte, 0, 2+len(ids)*8)
	b = append(b, '{')
	for i, id := range ids {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendUint(b, id, 10)
	}
	return string(append(b, '}'))
}
