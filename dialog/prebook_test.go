package dialog_test

import (
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/config"
	"github.com/switchboardhq/switchboard/dialog"
	"github.com/switchboardhq/switchboard/storage"
)

// bookings records what an engine prebooks and hands off, in
// the order it does.
type bookings struct {
	mu  sync.Mutex
	log []string
	ids map[string][]uint64
}

func (b *bookings) note(what string) func([]storage.OutboxItem) {
	return func(items []storage.OutboxItem) {
		b.mu.Lock()
		defer b.mu.Unlock()
		b.log = append(b.log, what)
		for _, it := range items {
			b.ids[what] = append(b.ids[what], it.ID)
		}
	}
}

func (b *bookings) get(what string) []uint64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.ids[what])
}

// The replies of a batch are given to Prebook once committed, before
// they are handed off, and are the very items handed off; nothing of a
// batch whose commit fails is booked or handed off.
func TestRepliesAreBookedOnceCommitted(t *testing.T) {
	rec := &bookings{ids: map[string][]uint64{}}
	w := newWorld(t, config.DefaultSettings(), func(o *dialog.Options) {
		o.Handoff, o.HandoffLease = rec.note("handoff"), time.Minute
		o.Prebook = rec.note("prebook")
	})
	out := w.engine.HandleBatch(t.Context(), []dialog.Event{
		{ExternalID: "1", From: customer(1, "en"), Kind: dialog.KindCommand, Command: "start"},
		{ExternalID: "2", From: customer(2, "en"), Kind: dialog.KindCommand, Command: "start"},
	})
	for i, r := range out {
		if r.Err != nil {
			t.Fatalf("event %d: %v", i, r.Err)
		}
	}
	pre, handed := rec.get("prebook"), rec.get("handoff")
	if len(pre) != 2 || slices.Contains(pre, 0) || !slices.Equal(pre, handed) {
		t.Fatalf("prebooked %v, handed off %v: want the same two stored items", pre, handed)
	}
	if !slices.Equal(rec.log, []string{"prebook", "handoff"}) {
		t.Fatalf("calls %v, want prebook, then handoff", rec.log)
	}
	for _, id := range pre {
		var rows []struct{ ID uint64 }
		if err := w.store.Select(t.Context(), &rows, "SELECT id FROM outbox WHERE id = ?", id); err != nil || len(rows) != 1 {
			t.Fatalf("prebooked item %d is not stored (%v)", id, err)
		}
	}

	if w.store.Dialect() != storage.Postgres {
		return // a commit that fails after the writes needs a deferred trigger
	}
	for _, stmt := range []string{
		`CREATE FUNCTION refuse_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$
			BEGIN IF NEW.text = 'refused at commit' THEN RAISE EXCEPTION 'refused by test trigger'; END IF; RETURN NEW; END $$`,
		`CREATE CONSTRAINT TRIGGER refuse_at_commit AFTER INSERT ON messages DEFERRABLE INITIALLY DEFERRED
			FOR EACH ROW EXECUTE FUNCTION refuse_at_commit()`,
	} {
		if err := w.store.Exec(t.Context(), stmt); err != nil {
			t.Fatal(err)
		}
	}
	before, handedBefore := len(rec.get("prebook")), len(rec.get("handoff"))
	out = w.engine.HandleBatch(t.Context(), []dialog.Event{
		{ExternalID: "3", From: customer(3, "en"), Kind: dialog.KindCommand, Command: "start"},
		{ExternalID: "4", From: customer(1, "en"), Kind: dialog.KindText, Text: "refused at commit"},
	})
	// The batch fails at its commit; each event is then handled alone,
	// and the one the trigger refuses fails again.
	if out[1].Err == nil {
		t.Fatal("the refused event succeeded")
	}
	// The event handled alone afterwards is booked and handed off like
	// any committed item; nothing of the failed commit is.
	booked, handedNow := rec.get("prebook")[before:], rec.get("handoff")[handedBefore:]
	if len(booked) == 0 || !slices.Equal(booked, handedNow) {
		t.Fatalf("after the failed batch, prebooked %v and handed off %v: want the same, not none", booked, handedNow)
	}
	for _, id := range booked {
		var rows []struct{ ID uint64 }
		if err := w.store.Select(t.Context(), &rows, "SELECT id FROM outbox WHERE id = ?", id); err != nil || len(rows) != 1 {
			t.Fatalf("item %d, never committed, was booked or handed off (%v)", id, err)
		}
	}
}
