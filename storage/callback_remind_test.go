package storage_test

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/storage"
	"github.com/switchboardhq/switchboard/storage/storagetest"
)

// noticeNow is the moment the notice tests look from, in whole seconds.
var noticeNow = time.Date(2026, time.March, 10, 12, 0, 0, 0, time.UTC)

func ids(cbs []storage.Callback) []uint64 {
	out := make([]uint64, len(cbs))
	for i, cb := range cbs {
		out[i] = cb.ID
	}
	return out
}

func TestRemindersDueAreBookedCallbacksWithinRemindBefore(t *testing.T) {
	const remind = 15 * time.Minute
	cases := []struct {
		name      string
		requested time.Duration // before noticeNow
		due       time.Duration // after noticeNow; 0 is as soon as possible
		edit      func(t *testing.T, s *storage.Storage, cb storage.Callback)
		want      bool
	}{
		{"booked a day ahead, due in 10 minutes", 24 * time.Hour, 10 * time.Minute, nil, true},
		{"due in exactly remind_before", 24 * time.Hour, remind, nil, true},
		{"due later than remind_before", 24 * time.Hour, remind + time.Second, nil, false},
		{"due in a second", 24 * time.Hour, time.Second, nil, true},
		{"booked only 5 minutes ahead", 0, 5 * time.Minute, nil, false},
		{"booked exactly remind_before ahead", 5 * time.Minute, 10 * time.Minute, nil, false},
		{"as soon as possible", time.Hour, 0, nil, false},
		{"reminded already", 24 * time.Hour, 10 * time.Minute, func(t *testing.T, s *storage.Storage, cb storage.Callback) {
			if _, ok, err := s.ClaimReminder(t.Context(), cb.ID, noticeNow.Add(-time.Minute)); err != nil || !ok {
				t.Fatalf("claim: %v %v", ok, err)
			}
		}, false},
		{"cancelled", 24 * time.Hour, 10 * time.Minute, func(t *testing.T, s *storage.Storage, cb storage.Callback) {
			if _, err := s.CancelCallback(t.Context(), cb.ID, noticeNow); err != nil {
				t.Fatal(err)
			}
		}, false},
		{"to be dialled now", 24 * time.Hour, 10 * time.Minute, func(t *testing.T, s *storage.Storage, cb storage.Callback) {
			if _, err := s.DialCallbackNow(t.Context(), cb.ID, noticeNow, "", noticeNow); err != nil {
				t.Fatal(err)
			}
		}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := storagetest.Open(t)
			var due time.Time
			if c.due > 0 {
				due = noticeNow.Add(c.due)
			}
			cb := newCallback(t, s, noticeNow.Add(-c.requested), due)
			if c.edit != nil {
				c.edit(t, s, cb)
			}
			got, err := s.RemindersDue(t.Context(), noticeNow, remind)
			if err != nil {
				t.Fatal(err)
			}
			if has := slices.Contains(ids(got), cb.ID); has != c.want {
				t.Errorf("listed %v, want %v", has, c.want)
			}
		})
	}
}

func TestNoRemindersWhenRemindBeforeIsZero(t *testing.T) {
	s := storagetest.Open(t)
	newCallback(t, s, noticeNow.Add(-24*time.Hour), noticeNow.Add(time.Minute))
	if got, err := s.RemindersDue(t.Context(), noticeNow, 0); err != nil || len(got) != 0 {
		t.Errorf("RemindersDue with 0 = %v, %v", ids(got), err)
	}
}

func TestLateCandidatesAreUndialledCallbacksPastLateAfter(t *testing.T) {
	const late = 10 * time.Minute
	s := storagetest.Open(t)
	ctx := t.Context()
	asap := newCallback(t, s, noticeNow.Add(-late), time.Time{})
	booked := newCallback(t, s, noticeNow.Add(-24*time.Hour), noticeNow.Add(-late-time.Minute))
	notYet := newCallback(t, s, noticeNow.Add(-late+time.Second), time.Time{})
	told := newCallback(t, s, noticeNow.Add(-time.Hour), time.Time{})
	if _, ok, err := s.ClaimLateNotice(ctx, told.ID, noticeNow); err != nil || !ok {
		t.Fatalf("claim late notice: %v %v", ok, err)
	}
	dialled := newCallback(t, s, noticeNow.Add(-2*time.Hour), time.Time{})
	startDial(t, s, noticeNow.Add(-2*time.Hour), dialled, "CA-dialled")
	if _, err := s.Reschedule(ctx, dialled.ID, noticeNow.Add(-time.Hour), "busy"); err != nil {
		t.Fatal(err)
	}
	got, err := s.LateCandidates(ctx, noticeNow, late)
	if err != nil {
		t.Fatal(err)
	}
	if want := []uint64{booked.ID, asap.ID}; !slices.Equal(ids(got), want) {
		t.Errorf("late candidates %v, want %v (not %d: not late yet)", ids(got), want, notYet.ID)
	}
}

func TestNoticeIsClaimedOnceByConcurrentProcesses(t *testing.T) {
	claims := map[string]func(*storage.Storage, context.Context, uint64, time.Time) (storage.Callback, bool, error){
		"reminder":    (*storage.Storage).ClaimReminder,
		"late notice": (*storage.Storage).ClaimLateNotice,
	}
	for name, claim := range claims {
		t.Run(name, func(t *testing.T) {
			s := storagetest.Open(t)
			cb := newCallback(t, s, noticeNow.Add(-24*time.Hour), noticeNow.Add(10*time.Minute))
			var won atomic.Int32
			var wg sync.WaitGroup
			for range 6 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					err := s.Tx(context.Background(), func(tx *storage.Storage) error {
						got, ok, err := claim(tx, context.Background(), cb.ID, noticeNow)
						if ok {
							won.Add(1)
							if got.ID != cb.ID {
								t.Errorf("claimed callback %d, want %d", got.ID, cb.ID)
							}
						}
						return err
					})
					if err != nil {
						t.Error(err)
					}
				}()
			}
			wg.Wait()
			if n := won.Load(); n != 1 {
				t.Errorf("%d processes claimed the %s, want 1", n, name)
			}
		})
	}
}

func TestNoticeIsNotClaimedForADialledCallback(t *testing.T) {
	s := storagetest.Open(t)
	cb := newCallback(t, s, noticeNow, time.Time{})
	claimIDs(t, s, noticeNow, "a", 1)
	for name, claim := range map[string]func(context.Context, uint64, time.Time) (storage.Callback, bool, error){
		"reminder": s.ClaimReminder, "late notice": s.ClaimLateNotice,
	} {
		if _, ok, err := claim(t.Context(), cb.ID, noticeNow); err != nil || ok {
			t.Errorf("%s of a dialing callback claimed: %v, %v", name, ok, err)
		}
	}
}

func TestMigrationNineGivesExistingCallbacksNoNotices(t *testing.T) {
	s := storagetest.Open(t)
	ctx := t.Context()
	cb := newCallback(t, s, noticeNow.Add(-24*time.Hour), noticeNow.Add(10*time.Minute))
	for _, sql := range []string{
		"ALTER TABLE callbacks DROP COLUMN reminded_at",
		"ALTER TABLE callbacks DROP COLUMN late_notice_at",
		"DELETE FROM schema_migrations WHERE version = 9",
	} {
		if err := s.Exec(ctx, sql); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := s.Migrate(ctx); err != nil || n != 1 {
		t.Fatalf("Migrate = %d, %v; want migration 9 applied", n, err)
	}
	got, err := s.RemindersDue(ctx, noticeNow, 15*time.Minute)
	if err != nil || !slices.Equal(ids(got), []uint64{cb.ID}) {
		t.Fatalf("reminders due after migrating: %v, %v", ids(got), err)
	}
	if claimed, ok, err := s.ClaimReminder(ctx, cb.ID, noticeNow); err != nil || !ok || claimed.RemindedAt == nil || !claimed.RemindedAt.Equal(noticeNow) {
		t.Fatalf("claim after migrating: %+v %v %v", claimed.RemindedAt, ok, err)
	}
}
