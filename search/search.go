package search

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/switchboardhq/switchboard/storage"
)

// Page sizes: DefaultLimit when the caller names none, at most MaxLimit.
const (
	DefaultLimit = 20
	MaxLimit     = 100
)

// Matched kinds: what about a conversation matched the query.
const (
	MatchedTicket   = "ticket"
	MatchedPhone    = "phone"
	MatchedUsername = "username"
	MatchedName     = "name"
	MatchedText     = "text"
)

// Customer is who a found conversation is with.
type Customer struct {
	ID       uint64
	Name     string
	Username string
	Phone    string
}

// Result is one conversation found.
type Result struct {
	ConversationID uint64
	Ticket         string
	State          string
	Channel        string
	LastMessageAt  time.Time
	Customer       Customer
	// Matched says what matched: MatchedTicket, MatchedPhone,
	// MatchedUsername, MatchedName or MatchedText.
	Matched string
	// MessageID is the newest message whose text matched, 0 when none did.
	MessageID uint64
	// Snippet shows the match: the matching part of a message, or the
	// ticket, number, username or name that matched.
	Snippet []Segment
}

// Page is one page of results and the cursor of the next ("" at the end).
type Page struct {
	Results    []Result
	NextCursor string
}

// Searcher runs searches on one database.
type Searcher struct {
	store         *storage.Storage
	defaultRegion string
}

// New returns a Searcher over store; defaultRegion (an ISO country or "")
// reads phone numbers typed without a country code.
func New(store *storage.Storage, defaultRegion string) *Searcher {
	return &Searcher{store: store, defaultRegion: defaultRegion}
}

// Search finds the conversations q names, a page of at most limit (1 to
// MaxLimit) after cursor ("" for the first page). ErrEmptyQuery,
// ErrQueryTooLong and ErrBadCursor say what was wrong with the request.
func (s *Searcher) Search(ctx context.Context, q string, limit int, cursor string) (Page, error) {
	query, err := Parse(q, s.defaultRegion)
	if err != nil {
		return Page{}, err
	}
	var after *sortKey
	if cursor != "" {
		k, err := decodeCursor(cursor)
		if err != nil {
			return Page{}, err
		}
		after = &k
	}
	limit = max(1, min(limit, MaxLimit))
	var rows []row
	err = s.store.Tx(ctx, func(tx *storage.Storage) error {
		if tx.Dialect() == storage.Postgres {
			// Parallel workers take longer to start than the search
			// takes: the planner guesses word matches by default figures.
			if err := tx.Exec(ctx, "SET LOCAL max_parallel_workers_per_gather = 0"); err != nil {
				return err
			}
			// A plan for the words as typed: a generic plan (pgx
			// prepares the statement; PostgreSQL may reuse a plan for
			// any words after five runs) guesses how many rows words
			// match, and may walk every conversation by its latest
			// message to find a rare word's few.
			if err := tx.Exec(ctx, "SET LOCAL plan_cache_mode = force_custom_plan"); err != nil {
				return err
			}
		}
		if err := s.skipSQLiteTail(ctx, tx, &query); err != nil {
			return err
		}
		walk, err := s.common(ctx, tx, query)
		if err != nil {
			return err
		}
		var walked []walkHit
		if walk && tx.Dialect() == storage.SQLite {
			if walked, err = sqliteWalk(ctx, tx, query, after, limit); err != nil {
				return err
			}
		}
		sql, args := statement(tx.Dialect(), query, after, limit, walk, walked)
		return tx.Select(ctx, &rows, sql, args...)
	})
	if err != nil {
		return Page{}, fmt.Errorf("search %q: %w", q, err)
	}
	var page Page
	if len(rows) > limit {
		rows = rows[:limit]
		last := rows[limit-1]
		next, err := sortKey{Rank: last.Rank, LastMessageAt: last.LastMessageAt, ID: last.ConversationID}.encode()
		if err != nil {
			return Page{}, fmt.Errorf("search %q: %w", q, err)
		}
		page.NextCursor = next
	}
	page.Results = make([]Result, 0, len(rows))
	for _, r := range rows {
		page.Results = append(page.Results, result(query, r))
	}
	return page, nil
}

// skipSQLiteTail drops the number-ending search on SQLite when the number
// as typed belongs to a customer: SQLite has no index for endings and reads
// every customer, while the exact number found them already.
func (s *Searcher) skipSQLiteTail(ctx context.Context, tx *storage.Storage, q *Query) error {
	if tx.Dialect() != storage.SQLite || q.Phone == "" || q.PhoneTail == "" {
		return nil
	}
	found, err := tx.Exists(ctx, "SELECT 1 FROM customers WHERE phone = ?", q.Phone)
	if err != nil {
		return err
	}
	if found {
		q.PhoneTail = ""
	}
	return nil
}

// result renders a row, telling what matched and cutting its snippet.
func result(q Query, r row) Result {
	res := Result{
		ConversationID: r.ConversationID,
		Ticket:         storage.FormatTicket(r.ConversationID),
		State:          r.State,
		Channel:        r.Channel,
		LastMessageAt:  r.LastMessageAt.UTC(),
		Customer:       Customer{ID: r.CustomerID, Name: r.CustomerName, Username: r.CustomerUsername, Phone: r.CustomerPhone},
		MessageID:      r.MessageID,
	}
	switch {
	case r.Rank == rankExact && q.Ticket == r.ConversationID:
		res.Matched, res.Snippet = MatchedTicket, whole(res.Ticket)
	case r.Rank == rankExact && q.Phone != "" && q.Phone == r.CustomerPhone,
		r.Rank == rankCustomer && q.PhoneTail != "" && strings.HasSuffix(r.CustomerPhone, q.PhoneTail):
		res.Matched, res.Snippet = MatchedPhone, whole(r.CustomerPhone)
	case r.Rank == rankExact:
		res.Matched, res.Snippet = MatchedUsername, whole("@"+r.CustomerUsername)
	case r.Rank == rankCustomer:
		res.Matched = MatchedName
		res.Snippet = textSnippet(strings.TrimSpace(r.CustomerName+" @"+r.CustomerUsername), q.Words)
		if r.CustomerUsername == "" {
			res.Snippet = textSnippet(r.CustomerName, q.Words)
		}
	default:
		res.Matched, res.Snippet = MatchedText, textSnippet(r.MessageText, q.Words)
	}
	return res
}
