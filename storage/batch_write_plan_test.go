package storage_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/storage"
)

func TestTheBatchWriteLooksUpEachItemsPriorByKey(t *testing.T) {
	s := openPostgres(t, "the write and its planner settings are PostgreSQL's")
	ctx := t.Context()
	// A small outbox, analyzed: planned on such statistics without the
	// key-lookup settings, the look for each new item's prior in its
	// chat reads the whole table.
	for i := range 20 {
		c := newWaiting(t, s, fmt.Sprint("old", i), time.Now().UTC())
		item := storage.OutboxItem{Channel: "telegram", ChatKey: fmt.Sprint("telegram:old", i), Address: "x",
			IdentityID: c.IdentityID, ConversationID: c.ID, Payload: `{"text":"hello"}`}
		if err := s.EnqueueOutbox(ctx, &item); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Exec(ctx, "ANALYZE outbox"); err != nil {
		t.Fatal(err)
	}
	// The backend's pending counts, read on the batch's connection: the
	// difference across the write is the write's.
	const seqScans = "SELECT seq_scan FROM pg_stat_xact_user_tables WHERE relname = 'outbox' AND schemaname = current_schema()"
	var before, after []struct{ SeqScan int64 }
	err := flushOneItem(t, s, "old3",
		func(tx *storage.Storage) error { return tx.Select(ctx, &before, seqScans) },
		func(tx *storage.Storage) error { return tx.Select(ctx, &after, seqScans) })
	if err != nil {
		t.Fatal(err)
	}
	if len(before) != 1 || len(after) != 1 {
		t.Fatalf("outbox's counts: before %+v, after %+v", before, after)
	}
	if n := after[0].SeqScan - before[0].SeqScan; n != 0 {
		t.Fatalf("the batch's write read outbox by sequential scan %d times, want 0", n)
	}
}

func TestTheBatchWriteTouchesOnlyTheTablesItWritesRowsTo(t *testing.T) {
	s := openPostgres(t, "the one-statement write is PostgreSQL's")
	ctx := t.Context()
	newWaiting(t, s, "returning", time.Now().UTC())
	// The tables this backend holds a lock for writing on, besides their
	// indexes: an INSERT of no rows would still take one.
	const writing = `SELECT c.relname AS name FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
		WHERE l.pid = pg_backend_pid() AND l.mode = 'RowExclusiveLock' AND c.relkind = 'r' ORDER BY c.relname`
	var locked []struct{ Name string }
	err := flushOneItem(t, s, "returning", nil,
		func(tx *storage.Storage) error { return tx.Select(ctx, &locked, writing) })
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, l := range locked {
		names = append(names, l.Name)
	}
	if fmt.Sprint(names) != "[outbox]" {
		t.Fatalf("after writing one outbox item the batch held %v for writing, want [outbox]", names)
	}
}

// flushOneItem runs a batch for the telegram contact external, which has
// a conversation: it prefetches the contact, holds one outbox item for
// its conversation, and writes it with Flush, calling before and after
// on the batch around the Flush (before only when not nil).
func flushOneItem(t *testing.T, s *storage.Storage, external string, before, after func(tx *storage.Storage) error) error {
	t.Helper()
	ctx := t.Context()
	return s.Batch(ctx, func(tx *storage.Storage) error {
		contact := storage.Contact{Channel: "telegram", ExternalID: external, Address: external}
		if _, err := tx.Prefetch(ctx, storage.PrefetchRequest{Events: 1, Contacts: []storage.Contact{contact}}); err != nil {
			return err
		}
		id, _, err := tx.FindOrCreateIdentity(ctx, contact)
		if err != nil {
			return err
		}
		conv, err := tx.LatestConversation(ctx, id.ID)
		if err != nil {
			return err
		}
		item := storage.OutboxItem{Channel: "telegram", ChatKey: "telegram:" + external, Address: "x", IdentityID: id.ID,
			ConversationID: conv.ID, Payload: `{"text":"again"}`}
		if err := tx.EnqueueOutbox(ctx, &item); err != nil {
			return err
		}
		if before != nil {
			if err := before(tx); err != nil {
				return err
			}
		}
		if err := tx.Flush(ctx); err != nil {
			return err
		}
		return after(tx)
	})
}
