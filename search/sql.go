package search

import (
	"strings"
	"time"

	"github.com/switchboardhq/switchboard/storage"
)

// The SQL repeats migration 14's index expressions exactly
// (storage/migrate_search.go): PostgreSQL uses an expression index only
// for the same expression.
const (
	pgMessageText = `SELECT m.conversation_id, 2 AS rank, m.id AS message_id FROM messages m
		WHERE to_tsvector('simple', m.text) @@ to_tsquery('simple', ?) AND m.author IN ('customer', 'operator')`
	pgCustomerText = `FROM customers cu CROSS JOIN LATERAL ` + pgConversationsOf + `
		WHERE to_tsvector('simple', coalesce(cu.name, '') || ' ' || coalesce(cu.username, '')) @@ to_tsquery('simple', ?)`
	sqliteMessageText = `SELECT m.conversation_id, 2 AS rank, m.id AS message_id
		FROM message_search JOIN messages m ON m.id = message_search.rowid
		WHERE message_search MATCH ? AND m.author IN ('customer', 'operator')`
	sqliteCustomerText = `FROM customer_search JOIN customers cu ON cu.id = customer_search.rowid
		JOIN conversations c ON c.customer_id = cu.id
		WHERE customer_search MATCH ?`

	ticketHit = `SELECT id AS conversation_id, 0 AS rank, 0 AS message_id FROM conversations WHERE id = ?`
	phoneHit  = `SELECT c.id AS conversation_id, 0 AS rank, 0 AS message_id
		FROM customers cu JOIN conversations c ON c.customer_id = cu.id WHERE cu.phone = ?`
	usernameHit = `SELECT c.id AS conversation_id, 0 AS rank, 0 AS message_id
		FROM customers cu JOIN conversations c ON c.customer_id = cu.id WHERE lower(cu.username) = ?`
	// A customer's conversations, looked up by customer for each customer
	// found: a join would let the planner read every conversation to hash
	// them when it guesses many customers match (OFFSET 0 keeps it from
	// making the lookup a join).
	pgConversationsOf = `(SELECT id, last_message_at FROM conversations WHERE customer_id = cu.id OFFSET 0) c`
	// Customers' hits (rank 1) are FROM … WHERE parts: statement selects
	// all their conversations, or a page of them.
	// A number's ending: PostgreSQL reads an index of reversed numbers
	// from their start; SQLite has no reverse() and reads every customer.
	pgPhoneTailHit = `FROM customers cu CROSS JOIN LATERAL ` + pgConversationsOf + `
		WHERE reverse(cu.phone) LIKE ?`
	sqlitePhoneTailHit = `FROM customers cu JOIN conversations c ON c.customer_id = cu.id
		WHERE cu.phone <> '' AND cu.phone LIKE ?`
)

// row is one conversation found, with what the result shows.
type row struct {
	ConversationID   uint64
	Rank             int
	MessageID        uint64
	LastMessageAt    time.Time
	State            string
	Channel          string
	CustomerID       uint64
	CustomerName     string
	CustomerUsername string
	CustomerPhone    string
	MessageText      string
}

// statement builds the one query a search runs: every kind of hit the
// query asks for, united; each conversation once at its best rank with its
// newest matching message; after the cursor, in order, one more than a
// page so the caller knows whether another follows. With walk, message
// words are looked for by walking conversations from the latest (walk.go)
// rather than by reading every matching message: on PostgreSQL within the
// statement, on SQLite before it (walked holds what that walk found).
func statement(dialect storage.Dialect, q Query, after *sortKey, limit int, walk bool, walked []walkHit) (string, []any) {
	var parts []string
	var args []any
	hit := func(sql string, arg any) {
		parts = append(parts, sql)
		args = append(args, arg)
	}
	if q.Ticket > 0 {
		hit(ticketHit, q.Ticket)
	}
	if q.Phone != "" {
		hit(phoneHit, q.Phone)
	}
	if q.Username != "" {
		hit(usernameHit, q.Username)
	}
	// Customers' hits (rank 1): on a page from the first rank on, only as
	// many as a page needs (a number's first digits can be the start of
	// thousands of usernames); after a cursor in rank 1 or 2, all, so a
	// conversation shown by them is not found again by its messages.
	// The matches are found first, then sorted (OFFSET 0 keeps the
	// planners from walking every conversation by latest message instead,
	// which is slow when the matches are few).
	customerHit := func(from string, arg any) {
		hit(`SELECT c.id AS conversation_id, 1 AS rank, 0 AS message_id `+from, arg)
	}
	if after == nil || after.Rank == rankExact {
		customerHit = func(from string, arg any) {
			var b strings.Builder
			if dialect == storage.SQLite {
				b.WriteString("SELECT * FROM ")
			}
			b.WriteString(`(SELECT conversation_id, 1 AS rank, 0 AS message_id FROM (SELECT c.id AS conversation_id, c.last_message_at ` + from)
			args = append(args, arg)
			notExact(&b, &args, q)
			if dialect == storage.SQLite {
				b.WriteString(` LIMIT -1`)
			}
			b.WriteString(` OFFSET 0) x ORDER BY last_message_at DESC, conversation_id DESC LIMIT ?)`)
			args = append(args, limit+1)
			parts = append(parts, b.String())
		}
	}
	if q.PhoneTail != "" {
		if dialect == storage.Postgres {
			customerHit(pgPhoneTailHit, reverse(q.PhoneTail)+"%")
		} else {
			customerHit(sqlitePhoneTailHit, "%"+q.PhoneTail)
		}
	}
	if len(q.Words) > 0 {
		if dialect == storage.Postgres {
			customerHit(pgCustomerText, tsQuery(q.Words))
		} else {
			customerHit(sqliteCustomerText, ftsQuery(q.Words))
		}
		switch {
		case dialect == storage.Postgres && walk:
			sql, walkArgs := walkArm(q, after, limit)
			parts = append(parts, sql)
			args = append(args, walkArgs...)
		case dialect == storage.Postgres:
			hit(pgMessageText, tsQuery(q.Words))
		case walk:
			if len(walked) > 0 {
				tuples := make([]string, len(walked))
				for i, w := range walked {
					tuples[i] = "(?, ?)"
					args = append(args, w.ConversationID, w.MessageID)
				}
				parts = append(parts, `SELECT column1 AS conversation_id, 2 AS rank, column2 AS message_id FROM (VALUES `+
					strings.Join(tuples, ", ")+`)`)
			}
		default:
			hit(sqliteMessageText, ftsTextQuery(q.Words))
		}
	}
	var b strings.Builder
	b.WriteString("WITH hits AS (")
	b.WriteString(strings.Join(parts, "\nUNION ALL\n"))
	b.WriteString(`), best AS (
		SELECT conversation_id, min(rank) AS rank, max(message_id) AS message_id FROM hits GROUP BY conversation_id
	)
	SELECT c.id AS conversation_id, b.rank, b.message_id, c.last_message_at, c.state, c.channel,
		cu.id AS customer_id, coalesce(cu.name, '') AS customer_name, coalesce(cu.username, '') AS customer_username,
		coalesce(cu.phone, '') AS customer_phone, coalesce(m.text, '') AS message_text
	FROM best b JOIN conversations c ON c.id = b.conversation_id
	JOIN customers cu ON cu.id = c.customer_id
	LEFT JOIN messages m ON m.id = b.message_id`)
	if after != nil {
		b.WriteString(`
	WHERE b.rank > ? OR (b.rank = ? AND (c.last_message_at < ? OR (c.last_message_at = ? AND c.id < ?)))`)
		at := after.LastMessageAt
		args = append(args, after.Rank, after.Rank, at, at, after.ID)
	}
	b.WriteString(`
	ORDER BY b.rank, c.last_message_at DESC, c.id DESC LIMIT ?`)
	args = append(args, limit+1)
	return b.String(), args
}

// reverse is s backwards (digits only, so bytes will do).
func reverse(s string) string {
	b := []byte(s)
	for i, j := 0, len(b)-1; i < j; i, j = i+1, j-1 {
		b[i], b[j] = b[j], b[i]
	}
	return string(b)
}

// tsQuery is words as a PostgreSQL tsquery: every word, each as a prefix.
// Words hold only letters and digits, so quoting them is enough.
func tsQuery(words []string) string {
	terms := make([]string, len(words))
	for i, w := range words {
		terms[i] = "'" + w + "':*"
	}
	return strings.Join(terms, " & ")
}

// ftsTextQuery is words as an FTS5 query on message_search's texts only
// (its other column holds conversation ids).
func ftsTextQuery(words []string) string { return "{text} : (" + ftsQuery(words) + ")" }

// ftsQuery is words as an FTS5 query: every word, each as a prefix.
func ftsQuery(words []string) string {
	terms := make([]string, len(words))
	for i, w := range words {
		terms[i] = `"` + strings.ReplaceAll(w, `"`, `""`) + `"*`
	}
	return strings.Join(terms, " ")
}
