package storage_test

import (
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/storage"
	"github.com/switchboardhq/switchboard/storage/storagetest"
)

// A batch's write tells each outbox item it wrote what came before it in
// its chat, as the pacer needs it: nothing, an item still pending (from an
// earlier batch or from the same one), or an item sent, with when. SQLite
// does not look (its pacer is the process's own).
func TestBatchWriteTellsEachItemWhatCameBeforeInItsChat(t *testing.T) {
	s := storagetest.Open(t)
	ctx := t.Context()
	write := func(chats ...string) []*storage.OutboxItem {
		t.Helper()
		items := make([]*storage.OutboxItem, len(chats))
		err := s.Batch(ctx, func(tx *storage.Storage) error {
			for i, chat := range chats {
				items[i] = &storage.OutboxItem{Channel: "telegram", ChatKey: chat, Address: chat, Payload: "{}"}
				if err := tx.EnqueueOutbox(ctx, items[i]); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return items
	}
	first := write("telegram:a")
	second := write("telegram:a", "telegram:a", "telegram:b")
	sentAt := time.Now().UTC().Truncate(time.Microsecond)
	var results []storage.OutboxResult
	for _, it := range append(first, second[:2]...) {
		results = append(results, storage.OutboxResult{ID: it.ID, Channel: "telegram", Sent: true})
	}
	if err := s.RecordOutboxResults(ctx, sentAt, results); err != nil {
		t.Fatal(err)
	}
	third := write("telegram:a")

	if s.Dialect() != storage.Postgres {
		for _, it := range append(append(first, second...), third...) {
			if it.Prior != nil {
				t.Fatalf("item %d: prior %+v on SQLite, want none looked up", it.ID, *it.Prior)
			}
		}
		return
	}
	for _, c := range []struct {
		name  string
		it    *storage.OutboxItem
		id    uint64
		state string
		sent  bool
	}{
		{"a chat's first item", first[0], 0, "", false},
		{"after an item of an earlier batch, pending", second[0], first[0].ID, storage.OutboxPending, false},
		{"after an item of the same batch", second[1], second[0].ID, storage.OutboxPending, false},
		{"another chat's first, in the same batch", second[2], 0, "", false},
		{"after an item sent", third[0], second[1].ID, storage.OutboxSent, true},
	} {
		p := c.it.Prior
		if p == nil {
			t.Fatalf("%s: no prior looked up", c.name)
		}
		if p.ID != c.id || p.State != c.state || (p.SentAt != nil) != c.sent {
			t.Fatalf("%s: prior %+v, want item %d %q, sent time %v", c.name, *p, c.id, c.state, c.sent)
		}
		if c.sent && !p.SentAt.Equal(sentAt) {
			t.Fatalf("%s: sent at %v, want %v", c.name, p.SentAt, sentAt)
		}
	}
}
