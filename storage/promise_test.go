package storage_test

import (
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/storage"
	"github.com/switchboardhq/switchboard/storage/storagetest"
)

// estimates lists conversation convID's wait estimates, failing the test
// on error.
func estimates(t *testing.T, s *storage.Storage, convID uint64) []storage.WaitEstimate {
	t.Helper()
	got, err := s.WaitEstimates(t.Context(), convID)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// TestWaitEstimatesHeldByABatchAreWrittenAndSettled: estimates recorded in
// a batch are written with it, and settling in a later batch reaches both
// the stored ones and those the batch still holds, and no other
// conversation's.
func TestWaitEstimatesHeldByABatchAreWrittenAndSettled(t *testing.T) {
	s := storagetest.Open(t)
	ctx := t.Context()
	told := time.Date(2026, 3, 9, 9, 0, 0, 0, time.UTC)
	five := 5
	err := s.Batch(ctx, func(tx *storage.Storage) error {
		if err := tx.RecordWaitEstimate(ctx, &storage.WaitEstimate{ConversationID: 1, Channel: "telegram", Position: 1, Minutes: &five, ToldAt: told}); err != nil {
			return err
		}
		return tx.RecordWaitEstimate(ctx, &storage.WaitEstimate{ConversationID: 2, Channel: "sms", Position: 2, Minutes: &five, ToldAt: told})
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := estimates(t, s, 1); len(got) != 1 || got[0].Position != 1 || *got[0].Minutes != 5 || !got[0].ToldAt.Equal(told) || got[0].Outcome != storage.OutcomeOpen {
		t.Fatalf("after the first batch conversation 1 has %+v", got)
	}
	done := told.Add(3 * time.Minute)
	err = s.Batch(ctx, func(tx *storage.Storage) error {
		if err := tx.RecordWaitEstimate(ctx, &storage.WaitEstimate{ConversationID: 1, Channel: "telegram", Position: 1, ToldAt: told.Add(time.Minute)}); err != nil {
			return err
		}
		n, err := tx.SettleWaitEstimates(ctx, 1, storage.OutcomeBot, done)
		if err == nil && n != 2 {
			t.Errorf("settled %d estimates, want 2 (one stored, one held)", n)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	got := estimates(t, s, 1)
	if len(got) != 2 {
		t.Fatalf("conversation 1 has %d estimates, want 2", len(got))
	}
	for _, w := range got {
		if w.Outcome != storage.OutcomeBot || w.OutcomeAt == nil || !w.OutcomeAt.Equal(done) || w.AnsweredAt != nil || w.LeftAt != nil {
			t.Errorf("estimate %+v, want settled by the bot at %s", w, done)
		}
	}
	if other := estimates(t, s, 2); len(other) != 1 || other[0].Outcome != storage.OutcomeOpen || other[0].Channel != "sms" {
		t.Errorf("conversation 2's estimate became %+v, want still open", other)
	}
}

// TestOnlyTheFirstOutcomeOfAWaitCounts: a second answer, or a leaving
// after the answer, changes nothing.
func TestOnlyTheFirstOutcomeOfAWaitCounts(t *testing.T) {
	s := storagetest.Open(t)
	ctx := t.Context()
	told := time.Date(2026, 3, 9, 9, 0, 0, 0, time.UTC)
	if err := s.RecordWaitEstimate(ctx, &storage.WaitEstimate{ConversationID: 7, Channel: "telegram", Position: 3, ToldAt: told}); err != nil {
		t.Fatal(err)
	}
	first := told.Add(4 * time.Minute)
	for i, at := range []time.Time{first, first.Add(time.Minute)} {
		n, err := s.SettleWaitEstimates(ctx, 7, storage.OutcomeAnswered, at)
		if err != nil || n != int64(1-i) {
			t.Fatalf("answer %d settled %d, %v; want %d", i+1, n, err, 1-i)
		}
	}
	if n, err := s.SettleWaitEstimates(ctx, 7, storage.OutcomeLeft, first.Add(time.Hour)); err != nil || n != 0 {
		t.Fatalf("leaving after the answer settled %d, %v", n, err)
	}
	got := estimates(t, s, 7)
	if len(got) != 1 || got[0].Outcome != storage.OutcomeAnswered || got[0].AnsweredAt == nil || !got[0].AnsweredAt.Equal(first) || got[0].LeftAt != nil {
		t.Fatalf("estimate %+v, want answered at %s", got, first)
	}
	if _, err := s.SettleWaitEstimates(ctx, 7, "kept", first); err == nil {
		t.Error("an unknown outcome was accepted")
	}
}

// TestACallbackKeepsItsPromiseAndFirstDial: the promise is the slot's
// start, or the request for "as soon as possible", and moves with the
// booking; the first dial is kept however often it is dialled again.
func TestACallbackKeepsItsPromiseAndFirstDial(t *testing.T) {
	s := storagetest.Open(t)
	ctx := t.Context()
	now := time.Now().UTC().Truncate(time.Second)
	asap := newCallback(t, s, now.Add(-time.Minute), time.Time{})
	slot := now.Add(2 * time.Hour)
	booked := newCallback(t, s, now, slot)
	for _, c := range []struct {
		cb   storage.Callback
		want time.Time
	}{{asap, now.Add(-time.Minute)}, {booked, slot}} {
		got, err := s.GetCallback(ctx, c.cb.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.PromisedAt == nil || !got.PromisedAt.Equal(c.want) || got.FirstDialedAt != nil {
			t.Errorf("callback %d promised %v, first dialled %v; want %s and not yet", got.ID, got.PromisedAt, got.FirstDialedAt, c.want)
		}
	}
	moved, err := s.MoveCallback(ctx, booked.ID, slot.Add(time.Hour), now)
	if err != nil {
		t.Fatal(err)
	}
	if moved.PromisedAt == nil || !moved.PromisedAt.Equal(slot.Add(time.Hour)) {
		t.Errorf("moved callback promised %v, want %s", moved.PromisedAt, slot.Add(time.Hour))
	}

	first := now.Add(30 * time.Second)
	dialled := startDial(t, s, first, asap, "CA-1")
	if dialled.FirstDialedAt == nil || !dialled.FirstDialedAt.Equal(first) {
		t.Fatalf("first dial at %v, want %s", dialled.FirstDialedAt, first)
	}
	retry := first.Add(10 * time.Minute)
	if _, err := s.Reschedule(ctx, asap.ID, retry, "no answer"); err != nil {
		t.Fatal(err)
	}
	again := startDial(t, s, retry, asap, "CA-2")
	if again.Attempts != 2 || again.FirstDialedAt == nil || !again.FirstDialedAt.Equal(first) {
		t.Fatalf("after a retry: %d attempts, first dialled %v; want 2 and %s", again.Attempts, again.FirstDialedAt, first)
	}
}

// TestMigrationBackfillsCallbacksPromises: callbacks booked before the
// promises migration get their promise from their booking.
func TestMigrationBackfillsCallbacksPromises(t *testing.T) {
	s := storagetest.Open(t)
	ctx := t.Context()
	now := time.Now().UTC().Truncate(time.Second)
	asap := newCallback(t, s, now.Add(-time.Minute), time.Time{})
	slot := now.Add(2 * time.Hour)
	booked := newCallback(t, s, now, slot)
	// As they were before migration 20: no promise; and 20 not applied.
	if err := s.Exec(ctx, "UPDATE callbacks SET promised_at = NULL"); err != nil {
		t.Fatal(err)
	}
	if err := s.Exec(ctx, "DELETE FROM schema_migrations WHERE version = 20"); err != nil {
		t.Fatal(err)
	}
	if n, err := s.Migrate(ctx); err != nil || n != 1 {
		t.Fatalf("migrate applied %d, %v; want migration 20 again", n, err)
	}
	for _, c := range []struct {
		id   uint64
		want time.Time
	}{{asap.ID, now.Add(-time.Minute)}, {booked.ID, slot}} {
		got, err := s.GetCallback(ctx, c.id)
		if err != nil {
			t.Fatal(err)
		}
		if got.PromisedAt == nil || !got.PromisedAt.Equal(c.want) {
			t.Errorf("callback %d backfilled with %v, want %s", c.id, got.PromisedAt, c.want)
		}
	}
}

// TestFreeSlotsCountOnlineOperatorsRoom: each active online operator adds
// their capacity less their open conversations, never below zero; away,
// offline and inactive operators add nothing.
func TestFreeSlotsCountOnlineOperatorsRoom(t *testing.T) {
	s := storagetest.Open(t)
	ctx := t.Context()
	at := time.Date(2026, 3, 9, 9, 0, 0, 0, time.UTC)
	add := func(name string, capacity int, presence string, active bool, open int) {
		op := storage.Operator{Email: name + "@example.org", Name: name, PasswordHash: "x", Role: storage.RoleOperator, Active: true, Capacity: capacity}
		if err := s.CreateOperator(ctx, &op); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SetPresence(ctx, op.ID, presence); err != nil {
			t.Fatal(err)
		}
		if !active {
			off := false
			if _, err := s.UpdateOperator(ctx, op.ID, storage.OperatorChanges{Active: &off}); err != nil {
				t.Fatal(err)
			}
		}
		for i := range open {
			c := newWaiting(t, s, name+string(rune('a'+i)), at)
			c.State, c.OperatorID = storage.StateOpen, &op.ID
			if err := s.SaveConversation(ctx, &c); err != nil {
				t.Fatal(err)
			}
		}
	}
	add("olga", 3, storage.PresenceOnline, true, 1)  // 2 free
	add("pavel", 2, storage.PresenceOnline, true, 3) // over capacity: 0, not -1
	add("rita", 4, storage.PresenceAway, true, 0)
	add("sam", 4, storage.PresenceOffline, true, 0)
	add("tom", 4, storage.PresenceOnline, false, 0)
	add("uma", 1, storage.PresenceOnline, true, 0) // 1 free
	if got, err := s.FreeSlots(ctx); err != nil || got != 3 {
		t.Fatalf("free slots %d, %v; want 3", got, err)
	}
	// In a batch, the prefetch told of a handover reads them, or else the
	// handover's queue count in the same statement; a batch that counts
	// no queue reads them alone.
	waiting := newWaiting(t, s, "queued", at)
	for _, count := range []bool{true, false} {
		err := s.Batch(ctx, func(tx *storage.Storage) error {
			if count {
				req := storage.PrefetchRequest{Events: 1, QueueAt: at,
					Contacts: []storage.Contact{{Channel: "telegram", ExternalID: "new", Address: "new"}}}
				if _, err := tx.Prefetch(ctx, req); err != nil {
					return err
				}
				if pos, _, err := tx.QueuePosition(ctx, waiting); err != nil || pos != 1 {
					t.Errorf("queue position %d, %v; want 1", pos, err)
				}
			}
			for range 2 {
				if got, err := tx.FreeSlots(ctx); err != nil || got != 3 {
					t.Errorf("queue counted %v: free slots in a batch %d, %v; want 3", count, got, err)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// TestRecentWaitsAreTheWindowsAnsweredAndOpenOnes: only answered and open
// estimates told since the start of the window come back, newest first,
// with what the learned estimate needs.
func TestRecentWaitsAreTheWindowsAnsweredAndOpenOnes(t *testing.T) {
	s := storagetest.Open(t)
	ctx := t.Context()
	start := time.Date(2026, 3, 9, 9, 0, 0, 0, time.UTC)
	for i, outcome := range []string{storage.OutcomeAnswered, storage.OutcomeAnswered, storage.OutcomeLeft, storage.OutcomeOpen, storage.OutcomeAnswered} {
		told := start.Add(time.Duration(i) * time.Hour)
		w := storage.WaitEstimate{ConversationID: uint64(i + 1), Channel: "telegram", Position: i + 1, ToldAt: told, Operators: 2, FreeSlots: i}
		if err := s.RecordWaitEstimate(ctx, &w); err != nil {
			t.Fatal(err)
		}
		if outcome != storage.OutcomeOpen {
			if _, err := s.SettleWaitEstimates(ctx, w.ConversationID, outcome, told.Add(time.Duration(i+1)*time.Minute)); err != nil {
				t.Fatal(err)
			}
		}
	}
	got, err := s.RecentWaits(ctx, start.Add(time.Hour), 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[0].Position != 5 || got[1].Position != 4 || got[1].Outcome != storage.OutcomeOpen || got[2].Position != 2 {
		t.Fatalf("recent waits %+v, want places 5, 4 (open) and 2", got)
	}
	if w := got[0]; w.Operators != 2 || w.FreeSlots != 4 || w.Outcome != storage.OutcomeAnswered || w.AnsweredAt == nil ||
		w.AnsweredAt.Sub(w.ToldAt) != 5*time.Minute {
		t.Errorf("newest %+v, want 2 operators, 4 free slots, answered after 5 minutes", w)
	}
}

// TestMigrationIndexesCallbacksByPromise: migration 21 indexes callbacks by
// promised_at, the range the promises and feedback reports read; applied
// again to a database that lacks the index, it makes it again.
func TestMigrationIndexesCallbacksByPromise(t *testing.T) {
	s := storagetest.Open(t)
	ctx := t.Context()
	const index = "idx_callbacks_promised_at"
	catalog := "SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?"
	if s.Dialect() == storage.Postgres {
		catalog = "SELECT 1 FROM pg_indexes WHERE schemaname = current_schema() AND indexname = ?"
	}
	exists := func() bool {
		t.Helper()
		found, err := s.Exists(ctx, catalog, index)
		if err != nil {
			t.Fatal(err)
		}
		return found
	}
	if !exists() {
		t.Fatalf("a migrated database has no %s", index)
	}
	for _, sql := range []string{"DROP INDEX " + index, "DELETE FROM schema_migrations WHERE version = 21"} {
		if err := s.Exec(ctx, sql); err != nil {
			t.Fatal(err)
		}
	}
	if exists() {
		t.Fatalf("%s still listed after it was dropped", index)
	}
	if n, err := s.Migrate(ctx); err != nil || n != 1 {
		t.Fatalf("migrate applied %d, %v; want migration 21 again", n, err)
	}
	if !exists() {
		t.Fatalf("migration 21 applied again did not make %s", index)
	}
}

// TestThePrefetchCountsOnlyForABatchThatCanHandOver: told that a batch may
// hand over, the prefetch reads the free slots (and counts the queue) only
// when one of its contacts has a conversation that could be handed over
// (or none yet); a customer writing in a waiting or open conversation
// costs no count, and the batch reads the free slots when it asks.
func TestThePrefetchCountsOnlyForABatchThatCanHandOver(t *testing.T) {
	s := openPostgres(t, "SQLite reads nothing ahead, and another writer would wait for the batch")
	ctx := t.Context()
	at := time.Now().UTC().Add(-time.Hour)
	op := storage.Operator{Email: "vera@example.org", Name: "Vera", PasswordHash: "x", Role: storage.RoleOperator,
		Active: true, Capacity: 3}
	if err := s.CreateOperator(ctx, &op); err != nil {
		t.Fatal(err)
	}
	opened := newWaiting(t, s, "opened", at)
	opened.State, opened.OperatorID = storage.StateOpen, &op.ID
	if err := s.SaveConversation(ctx, &opened); err != nil {
		t.Fatal(err)
	}
	newWaiting(t, s, "waiting", at)
	bot := newWaiting(t, s, "bot", at)
	bot.State, bot.HandedOverAt = storage.StateBot, nil
	if err := s.SaveConversation(ctx, &bot); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		contact string
		counted bool
	}{{"opened", false}, {"waiting", false}, {"bot", true}, {"stranger", true}} {
		t.Run(tc.contact, func(t *testing.T) {
			if _, err := s.SetPresence(ctx, op.ID, storage.PresenceOnline); err != nil {
				t.Fatal(err)
			}
			var free int
			err := s.Batch(ctx, func(tx *storage.Storage) error {
				req := storage.PrefetchRequest{Events: 1, QueueAt: time.Now().UTC(),
					Contacts: []storage.Contact{{Channel: "telegram", ExternalID: tc.contact, Address: tc.contact}}}
				if _, err := tx.Prefetch(ctx, req); err != nil {
					return err
				}
				// The operator steps away after the prefetch.
				if _, err := s.SetPresence(ctx, op.ID, storage.PresenceAway); err != nil {
					return err
				}
				var err error
				free, err = tx.FreeSlots(ctx)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			want := 0 // read when asked, after the operator left
			if tc.counted {
				want = 2 // read by the prefetch: capacity 3, one open
			}
			if free != want {
				t.Fatalf("free slots %d, want %d (read by the prefetch: %v)", free, want, tc.counted)
			}
		})
	}
}
