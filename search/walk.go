package search

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

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

// common reports whether q's words match walkThreshold messages or more.
func (s *Searcher) common(ctx context.Context, tx *storage.Storage, q Query) (bool, error) {
	if len(q.Words) == 0 {
		return false, nil
	}
	probe := `SELECT count(*) AS n FROM (SELECT 1 FROM messages m
		WHERE to_tsvector('simple', m.text) @@ to_tsquery('simple', ?) AND m.author IN ('customer', 'operator') LIMIT ?) t`
	arg := tsQuery(q.Words)
	if tx.Dialect() == storage.SQLite {
		probe = `SELECT count(*) AS n FROM (SELECT 1 FROM message_search WHERE message_search MATCH ? LIMIT ?) t`
		arg = ftsTextQuery(q.Words)
	}
	var n []struct{ N int }
	if err := tx.Select(ctx, &n, probe, arg, walkThreshold); err != nil {
		return false, err
	}
	return len(n) == 1 && n[0].N >= walkThreshold, nil
}

// walkArm finds, in the results' order, the conversations that only
// message words match (those a better hit finds are left to it), at most
// as many as a page and one more need (PostgreSQL). The match inside a
// conversation uses its messages by conversation, never the word index:
// the expression differs from the index's on purpose.
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
	notBetter(&b, &args, storage.Postgres, q)
	b.WriteString(` ORDER BY c.last_message_at DESC, c.id DESC LIMIT ?)`)
	args = append(args, limit+1)
	return b.String(), args
}

// notBetter adds the conditions that leave out conversations (c, with
// customer cu) that a better hit of q finds.
func notBetter(b *strings.Builder, args *[]any, dialect storage.Dialect, q Query) {
	notExact(b, args, q)
	if dialect == storage.Postgres {
		if q.PhoneTail != "" {
			b.WriteString(` AND coalesce(reverse(cu.phone), '') NOT LIKE ?`)
			*args = append(*args, reverse(q.PhoneTail)+"%")
		}
		b.WriteString(` AND NOT to_tsvector('simple', coalesce(cu.name, '') || ' ' || coalesce(cu.username, '')) @@ to_tsquery('simple', ?)`)
		*args = append(*args, tsQuery(q.Words))
		return
	}
	if q.PhoneTail != "" {
		b.WriteString(` AND NOT (coalesce(cu.phone, '') <> '' AND cu.phone LIKE ?)`)
		*args = append(*args, "%"+q.PhoneTail)
	}
	b.WriteString(` AND cu.id NOT IN (SELECT rowid FROM customer_search WHERE customer_search MATCH ?)`)
	*args = append(*args, ftsQuery(q.Words))
}

// notExact adds the conditions that leave out conversations (c, with
// customer cu) that q's exact hits (rank 0) find.
func notExact(b *strings.Builder, args *[]any, q Query) {
	if q.Ticket > 0 {
		b.WriteString(` AND c.id <> ?`)
		*args = append(*args, q.Ticket)
	}
	if q.Phone != "" {
		b.WriteString(` AND coalesce(cu.phone, '') <> ?`)
		*args = append(*args, q.Phone)
	}
	if q.Username != "" {
		b.WriteString(` AND coalesce(lower(cu.username), '') <> ?`)
		*args = append(*args, q.Username)
	}
}

// walkHit is a conversation the SQLite walk found and its newest matching
// message.
type walkHit struct {
	ConversationID uint64
	MessageID      uint64
}

// First and largest number of conversations the SQLite walk asks FTS5
// about at once: each ask reads the words' match lists once, so the
// chunks grow while matches are few.
var (
	walkChunk    = 200
	maxWalkChunk = 3200
)

// sqliteWalk is the walk on SQLite: conversations are read from the latest
// in chunks, and FTS5 is asked which messages of a chunk's conversations
// match — its match lists joined with the chunk's conversation ids, never
// each match read from messages — until a page and one more are found.
func sqliteWalk(ctx context.Context, tx *storage.Storage, q Query, after *sortKey, limit int) ([]walkHit, error) {
	type conv struct {
		ID            uint64
		LastMessageAt time.Time
	}
	var from *sortKey
	if after != nil && after.Rank == rankText {
		from = after
	}
	var found []walkHit
	for chunk := walkChunk; len(found) <= limit; chunk = min(2*chunk, maxWalkChunk) {
		var b strings.Builder
		var args []any
		b.WriteString(`SELECT c.id, c.last_message_at FROM conversations c JOIN customers cu ON cu.id = c.customer_id WHERE 1 = 1`)
		if from != nil {
			b.WriteString(` AND (c.last_message_at < ? OR (c.last_message_at = ? AND c.id < ?))`)
			args = append(args, from.LastMessageAt, from.LastMessageAt, from.ID)
		}
		notBetter(&b, &args, storage.SQLite, q)
		b.WriteString(` ORDER BY c.last_message_at DESC, c.id DESC LIMIT ?`)
		args = append(args, chunk)
		var convs []conv
		if err := tx.Select(ctx, &convs, b.String(), args...); err != nil {
			return nil, fmt.Errorf("walk conversations: %w", err)
		}
		if len(convs) == 0 {
			break
		}
		ids := make([]string, len(convs))
		for i, c := range convs {
			ids[i] = strconv.FormatUint(c.ID, 10)
		}
		var matches []struct {
			ID             uint64
			ConversationID uint64
		}
		match := ftsTextQuery(q.Words) + ` AND {conversation_id} : (` + strings.Join(ids, " OR ") + `)`
		err := tx.Select(ctx, &matches, `SELECT rowid AS id, conversation_id FROM message_search WHERE message_search MATCH ?`, match)
		if err != nil {
			return nil, fmt.Errorf("walk matches: %w", err)
		}
		newest := map[uint64]uint64{}
		for _, m := range matches {
			newest[m.ConversationID] = max(newest[m.ConversationID], m.ID)
		}
		for _, c := range convs {
			if id, ok := newest[c.ID]; ok && len(found) <= limit {
				found = append(found, walkHit{ConversationID: c.ID, MessageID: id})
			}
		}
		last := convs[len(convs)-1]
		from = &sortKey{Rank: rankText, LastMessageAt: last.LastMessageAt, ID: last.ID}
		if len(convs) < chunk {
			break
		}
	}
	return found, nil
}
