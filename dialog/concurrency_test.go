package dialog_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/config"
	"github.com/switchboardhq/switchboard/dialog"
	"github.com/switchboardhq/switchboard/storage"
)

// TestSimultaneousMessagesAfterExpiryOpenOneTicket covers a customer who
// comes back long after their ticket was resolved and sends two messages at
// once (a webhook delivers them in parallel): they must get one new ticket
// and one greeting, not two.
func TestSimultaneousMessagesAfterExpiryOpenOneTicket(t *testing.T) {
	w := newWorld(t, config.DefaultSettings())
	ann := customer(1, "en")
	old := w.waiting(ann)
	if _, err := w.engine.Resolve(t.Context(), old.ConversationID, w.operator("Olga")); err != nil {
		t.Fatal(err)
	}
	w.clock.Advance(30 * 24 * time.Hour)

	send := func(text string) <-chan dialog.Result {
		out := make(chan dialog.Result, 1)
		go func() {
			res, err := w.engine.Handle(t.Context(), dialog.Event{ExternalID: text, From: ann, Kind: dialog.KindText, Text: text})
			if err != nil {
				t.Errorf("handle %q: %v", text, err)
			}
			out <- res
		}()
		return out
	}
	var results []<-chan dialog.Result
	if w.store.Dialect() == storage.Postgres {
		// Hold the old ticket's row lock until both events queue behind it,
		// so they really overlap.
		err := w.store.Tx(t.Context(), func(tx *storage.Storage) error {
			if _, err := tx.GetConversation(t.Context(), old.ConversationID); err != nil {
				return err
			}
			holder := fmt.Sprintf("lock-holder-%d", time.Now().UnixNano())
			if err := tx.Exec(t.Context(), "SET LOCAL application_name = '"+holder+"'"); err != nil {
				return err
			}
			results = append(results, send("hello again"), send("are you there?"))
			return waitForLockWaiters(t, w.store, 2, holder)
		})
		if err != nil {
			t.Fatal(err)
		}
	} else {
		results = append(results, send("hello again"), send("are you there?"))
	}
	a, b := <-results[0], <-results[1]

	if a.ConversationID != b.ConversationID {
		t.Errorf("two messages opened tickets %s and %s, want one", a.Ticket, b.Ticket)
	}
	convs, err := w.store.ListConversations(t.Context(), storage.ConversationFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(convs) != 2 {
		t.Errorf("%d conversations, want the old one and one new", len(convs))
	}
	greetings := 0
	for _, c := range convs {
		if c.ID == old.ConversationID {
			continue
		}
		for _, r := range w.replies(c.ID) {
			if strings.Contains(r.Text, "Thank you for writing to us") {
				greetings++
			}
		}
	}
	if greetings != 1 {
		t.Errorf("customer was greeted %d times, want once", greetings)
	}
}

// waitForLockWaiters polls PostgreSQL until n sessions wait, directly or
// behind one another, for a lock the session named holder (its
// application_name) holds.
func waitForLockWaiters(t *testing.T, s *storage.Storage, n int, holder string) error {
	t.Helper()
	check := fmt.Sprintf(`DO $$ BEGIN
		IF (WITH RECURSIVE waiting(pid) AS (
		      SELECT a.pid FROM pg_stat_activity a, pg_stat_activity h
		      WHERE h.application_name = '%s' AND h.pid = ANY(pg_blocking_pids(a.pid))
		      UNION SELECT a.pid FROM pg_stat_activity a JOIN waiting w ON w.pid = ANY(pg_blocking_pids(a.pid)))
		    SELECT count(*) FROM waiting) < %d
		THEN RAISE EXCEPTION 'fewer than %d waiters'; END IF; END $$`, holder, n, n)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	timeout := time.After(10 * time.Second)
	for {
		err := s.Exec(t.Context(), check)
		if err == nil {
			return nil
		}
		select {
		case <-tick.C:
		case <-timeout:
			return fmt.Errorf("events never queued behind the row lock: %w", err)
		}
	}
}
