package storage_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/storage"
	"github.com/switchboardhq/switchboard/storage/storagetest"
)

// openOneConnection opens a migrated PostgreSQL test database on a pool of
// one connection, and returns its URL too; on SQLite it skips the test,
// saying why.
func openOneConnection(t *testing.T, whyNotSQLite string) (*storage.Storage, string) {
	t.Helper()
	url := storagetest.URL(t)
	if !strings.HasPrefix(url, "postgres") {
		t.Skip("PostgreSQL only: " + whyNotSQLite)
	}
	s, err := storage.OpenMax(t.Context(), url, 1)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	if _, err := s.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	return s, url
}

// tableReads is what a table's counters say was read from it.
type tableReads struct {
	seqScans int64
	// rows read by sequential scans and fetched through index scans.
	rows int64
}

// readsOf reads, on s's one connection, how the write path's tables have
// been read.
func readsOf(t *testing.T, s *storage.Storage) map[string]tableReads {
	t.Helper()
	ctx := t.Context()
	// A backend reports its counters at most once a second unless told.
	if err := s.Exec(ctx, "SELECT pg_stat_force_next_flush()"); err != nil {
		t.Fatal(err)
	}
	var rows []struct {
		Relname string
		SeqScan int64
		Rows    int64
	}
	if err := s.Select(ctx, &rows, `SELECT relname, seq_scan, seq_tup_read + COALESCE(idx_tup_fetch, 0) AS rows
		FROM pg_stat_user_tables
		WHERE schemaname = current_schema() AND relname IN ('identities', 'customers', 'conversations', 'messages', 'outbox')`); err != nil {
		t.Fatal(err)
	}
	out := map[string]tableReads{}
	for _, r := range rows {
		out[r.Relname] = tableReads{seqScans: r.SeqScan, rows: r.Rows}
	}
	return out
}

// TestBatchLooksUpByKeyAsTablesOutgrowTheirStatistics plans the batch's
// reads and its delivery record while every table is empty and analyzed
// so, then grows the tables tenfold past what a sequential scan would
// win at, with no ANALYZE since: a second on, the same connection's
// batches must find contacts, conversations, repeats and outbox items by
// index, reading a few rows each, as they would on a busy first day of a
// new desk before autovacuum looks. (Plans kept from the empty tables read
// every row of identities, conversations and messages, twice for
// conversations, by whole-index scans: enable_seqscan = off alone did not
// prevent that; replanStale does.)
func TestBatchLooksUpByKeyAsTablesOutgrowTheirStatistics(t *testing.T) {
	// One connection: one backend, whose cached plans these are and whose
	// scans are counted.
	s, _ := openOneConnection(t, "SQLite has no cached plans to go stale")
	ctx := t.Context()
	if err := s.Exec(ctx, "ANALYZE"); err != nil {
		t.Fatal(err)
	}

	batch := func(round int, externals ...string) {
		t.Helper()
		req := storage.PrefetchRequest{Events: len(externals)}
		for i, e := range externals {
			req.Contacts = append(req.Contacts, storage.Contact{Channel: "telegram", ExternalID: e, Address: e})
			req.Inbound = append(req.Inbound, storage.InboundRef{Channel: "telegram", ExternalID: fmt.Sprintf("u-%d-%d", round, i)})
		}
		err := s.Batch(ctx, func(tx *storage.Storage) error {
			_, err := tx.Prefetch(ctx, req)
			return err
		})
		if err != nil {
			t.Fatalf("batch %d: %v", round, err)
		}
		if err := s.RecordOutboxResults(ctx, time.Now().UTC(), []storage.OutboxResult{{ID: uint64(round + 1), Sent: true}}); err != nil {
			t.Fatalf("record %d: %v", round, err)
		}
	}
	for round := range 8 { // past the five runs after which a plan may be kept
		batch(round, "1", "2")
	}

	const rows = 20000
	grow := []string{
		`INSERT INTO customers (id, name, username, language, phone, time_zone, created_at, updated_at)
		SELECT n, 'Customer ' || n, 'user' || n, 'en', '', '', now(), now() FROM generate_series(1, $1::bigint) AS n`,
		`INSERT INTO identities (id, customer_id, channel, external_id, address, unreachable, opted_out, created_at)
		SELECT n, n, 'telegram', n::text, n::text, false, false, now() FROM generate_series(1, $1::bigint) AS n`,
		`INSERT INTO conversations (id, customer_id, identity_id, channel, state, step, queue, language, created_at,
			updated_at, last_message_at)
		SELECT n, n, n, 'telegram', 'bot', '', '', 'en', now(), now(), now() FROM generate_series(1, $1::bigint) AS n`,
		`INSERT INTO messages (conversation_id, direction, author, kind, text, channel, external_id, created_at)
		SELECT n, 'in', 'customer', 'text', 'hello', 'telegram', 'm' || n, now() FROM generate_series(1, $1::bigint) AS n`,
		`INSERT INTO outbox (id, channel, chat_key, address, identity_id, conversation_id, payload, state, attempts,
			next_attempt_at, created_at)
		SELECT n, 'telegram', 'telegram:' || n, n::text, n, n, '{}', 'pending', 0, now(), now()
		FROM generate_series(1, $1::bigint) AS n`,
	}
	for _, q := range grow {
		if err := s.Exec(ctx, strings.ReplaceAll(q, "$1", fmt.Sprint(rows))); err != nil {
			t.Fatalf("grow the tables: %v", err)
		}
	}

	// The desk runs on: plans made before the growth are at most
	// replanEvery old when the batches come.
	time.Sleep(storage.ReplanEvery + 100*time.Millisecond)
	const batches = 20
	before := readsOf(t, s)
	for round := 8; round < 8+batches; round++ {
		batch(round, fmt.Sprint(round*7), fmt.Sprint(rows+round)) // one known contact, one new
	}
	after := readsOf(t, s)
	for _, table := range []string{"identities", "customers", "conversations", "messages", "outbox"} {
		if n := after[table].seqScans - before[table].seqScans; n > 0 {
			t.Errorf("%d batches scanned %s (%d rows) sequentially %d times; want every look-up by index", batches, table, rows, n)
		}
		// An index read whole (a bitmap scan of every entry, the batch's
		// keys then matched as a join filter) is no better.
		if n := after[table].rows - before[table].rows; n > 10*batches {
			t.Errorf("%d batches read %d rows of %s (%d rows); want a few per batch, each by its key", batches, n, table, rows)
		}
	}
}
