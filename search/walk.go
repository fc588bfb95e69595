package search

import (
	"context"
	"strings"

	"github.com/switchboardhq/switchboard/storage"
)

// walkThreshold is how many matching messages make a word common. Below
// it, the matching messages are read from the word index and grouped by
// conversation; from it on, that would read too many rows (a word in one
// message out of ten is 100,000 rows in a million), so conversations are
// walked from the latest, each asked whether a message of its matches,
// until a page is full: the order is the results' own, so the walk stops
// early exactly when matches are many.
var walkThreshold = 1000

// common reports whether q's words match walkThreshold messages or more
// (PostgreSQL; SQLite's FTS5 reads long match lists fast enough).
func (s *Searcher) common(ctx context.Context, tx *storage.Storage, q Query) (bool, error) {
	if tx.Dialect() != storage.Postgres || len(q.Words) == 0 {
		return false, nil
	}
	var n []struct{ N int }
	err := tx.Select(ctx, &n, `SELECT count(*) AS n FROM (SELECT 1 FROM messages m
		WHERE to_tsvector('simple', m.text) @@ to_tsquery('simple', ?) AND m.author IN ('customer', 'operator') LIMIT ?) t`,
		tsQuery(q.Words), walkThreshold)
	if err != nil {
		return false, err
	}
	return len(n) == 1 && n[0].N >= walkThreshold, nil
}

// walkArm finds, in the results' order, the conversations that only
// message words match (those a better hit finds are left to it), at most
// as many as a page and one more need. The match inside a conversation
// uses its messages by conversation, never the word index: the expression
// differs from the index's on purpose.
func walkArm(q Query, after *sortKey, limit int) (string, []any) {
	var b strings.Builder
	var args []any
	b.WriteString(`(SELECT c.id AS conversation_id, 2 AS rank, x.message_id
		FROM conversations c JOIN customers cu ON cu.id = c.customer_id
		CROSS JOIN LATERAL (SELECT max(m.id) AS message_id FROM messages m
			WHERE m.conversation_id = c.id AND m.author IN ('customer', 'operator')
			AND to_tsvector('simple', m.text || '') @@ to_tsquery('simple', ?)) x
		WHERE x.message_id IS NOT NULL`)
	args = append(args, tsQuery(q.Words))
	if after != nil && after.Rank == rankText {
		b.WriteString(` AND (c.last_message_at, c.id) < (?, ?)`)
		args = append(args, after.LastMessageAt, after.ID)
	}
	if q.Ticket > 0 {
		b.WriteString(` AND c.id <> ?`)
		args = append(args, q.Ticket)
	}
	if q.Phone != "" {
		b.WriteString(` AND coalesce(cu.phone, '') <> ?`)
		args = append(args, q.Phone)
	}
	if q.Username != "" {
		b.WriteString(` AND coalesce(lower(cu.username), '') <> ?`)
		args = append(args, q.Username)
	}
	if q.PhoneTail != "" {
		b.WriteString(` AND coalesce(reverse(cu.phone), '') NOT LIKE ?`)
		args = append(args, reverse(q.PhoneTail)+"%")
	}
	b.WriteString(` AND NOT to_tsvector('simple', coalesce(cu.name, '') || ' ' || coalesce(cu.username, '')) @@ to_tsquery('simple', ?)
		ORDER BY c.last_message_at DESC, c.id DESC LIMIT ?)`)
	args = append(args, tsQuery(q.Words), limit+1)
	return b.String(), args
}
