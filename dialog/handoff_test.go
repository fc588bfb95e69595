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

// handedOff records the ids of the outbox items an engine hands off.
type handedOff struct {
	mu  sync.Mutex
	ids []uint64
}

func (h *handedOff) handoff(items []storage.OutboxItem) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, it := range items {
		h.ids = append(h.ids, it.ID)
	}
}

func (h *handedOff) get() []uint64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.ids)
}

// The replies of a batch are handed off once committed, as the stored
// items; nothing of a batch whose commit fails is handed off (the
// dispatcher books their sends as they are handed off: outbox's
// TestHandedOffSendsAreBookedBeforeTheirTurn).
func TestRepliesAreHandedOffOnceCommitted(t *testing.T) {
	rec := &handedOff{}
	w := newWorld(t, config.DefaultSettings(), func(o *dialog.Options) {
		o.Handoff, o.HandoffLease = rec.handoff, time.Minute
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
	handed := rec.get()
	if len(handed) != 2 || slices.Contains(handed, 0) {
		t.Fatalf("handed off %v: want the two stored items", handed)
	}
	for _, id := range handed {
		var rows []struct{ ID uint64 }
		if err := w.store.Select(t.Context(), &rows, "SELECT id FROM outbox WHERE id = ?", id); err != nil || len(rows) != 1 {
			t.Fatalf("handed-off item %d is not stored (%v)", id, err)
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
	handedBefore := len(rec.get())
	out = w.engine.HandleBatch(t.Context(), []dialog.Event{
		{ExternalID: "3", From: customer(3, "en"), Kind: dialog.KindCommand, Command: "start"},
		{ExternalID: "4", From: customer(1, "en"), Kind: dialog.KindText, Text: "refused at commit"},
	})
	// The batch fails at its commit; each event is then handled alone,
	// and the one the trigger refuses fails again.
	if out[1].Err == nil {
		t.Fatal("the refused event succeeded")
	}
	// The event handled alone afterwards is handed off like any
	// committed item; nothing of the failed commit is.
	handedNow := rec.get()[handedBefore:]
	if len(handedNow) == 0 {
		t.Fatal("after the failed batch, nothing was handed off: want the event handled alone")
	}
	for _, id := range handedNow {
		var rows []struct{ ID uint64 }
		if err := w.store.Select(t.Context(), &rows, "SELECT id FROM outbox WHERE id = ?", id); err != nil || len(rows) != 1 {
			t.Fatalf("item %d, never committed, was handed off (%v)", id, err)
		}
	}
}
