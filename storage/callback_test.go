package storage_test

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/callback/policy"
	"github.com/switchboardhq/switchboard/storage"
	"github.com/switchboardhq/switchboard/storage/storagetest"
)

// customers numbers the customers newCallback makes.
var customers atomic.Int64

// newCallback stores a callback for a new customer; a zero due is "as
// soon as possible", requested at requested.
func newCallback(t *testing.T, s *storage.Storage, requested, due time.Time) storage.Callback {
	t.Helper()
	_, cust, err := s.FindOrCreateIdentity(t.Context(), storage.Contact{Channel: "telegram",
		ExternalID: fmt.Sprintf("cb-%d", customers.Add(1)), Name: "Ann"})
	if err != nil {
		t.Fatal(err)
	}
	cb := storage.Callback{CustomerID: cust.ID, Phone: "+447911123456", RequestedAt: requested, DueAt: due, MaxAttempts: 3}
	if err := s.CreateCallback(t.Context(), &cb); err != nil {
		t.Fatal(err)
	}
	return cb
}

// claimIDs claims up to limit callbacks due at now as owner and returns
// their ids in the order given.
func claimIDs(t *testing.T, s *storage.Storage, now time.Time, owner string, limit int) []uint64 {
	t.Helper()
	got, err := s.ClaimDueCallbacks(t.Context(), now, owner, time.Minute, limit)
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]uint64, len(got))
	for i, cb := range got {
		if cb.State != policy.Dialing || cb.LeaseOwner != owner {
			t.Fatalf("claimed callback %d is %s for %q", cb.ID, cb.State, cb.LeaseOwner)
		}
		ids[i] = cb.ID
	}
	return ids
}

// startDial claims the one due callback cb as dialer "a" and records its
// call sid, as a dialer does once the provider took the call.
func startDial(t *testing.T, s *storage.Storage, now time.Time, cb storage.Callback, sid string) storage.Callback {
	t.Helper()
	if got := claimIDs(t, s, now, "a", 1); len(got) != 1 || got[0] != cb.ID {
		t.Fatalf("claim took %v, want %d", got, cb.ID)
	}
	dialed, err := s.RecordDial(t.Context(), cb.ID, "a", sid, now)
	if err != nil {
		t.Fatal(err)
	}
	return dialed
}

func TestCallbackIsBookedListedAndCancelledOnce(t *testing.T) {
	s := storagetest.Open(t)
	ctx := t.Context()
	now := time.Now().UTC().Truncate(time.Second)
	asap := newCallback(t, s, now, time.Time{})
	booked := newCallback(t, s, now, now.Add(time.Hour))
	if !asap.ASAP || !asap.DueAt.Equal(now) || !asap.NextAttemptAt.Equal(now) || asap.State != policy.Scheduled {
		t.Fatalf("as soon as possible stored as %+v", asap)
	}
	if booked.ASAP || !booked.NextAttemptAt.Equal(now.Add(time.Hour)) {
		t.Fatalf("booked stored as %+v", booked)
	}

	list, err := s.ListCallbacks(ctx, storage.CallbackFilter{State: policy.Scheduled})
	if err != nil || len(list) != 2 || list[0].ID != asap.ID || list[1].ID != booked.ID {
		t.Fatalf("scheduled list = %+v, %v; want the ASAP one, then the booked one", list, err)
	}
	mine, err := s.ListCallbacks(ctx, storage.CallbackFilter{CustomerID: booked.CustomerID})
	if err != nil || len(mine) != 1 || mine[0].ID != booked.ID {
		t.Fatalf("customer's list = %+v, %v", mine, err)
	}

	cancelled, err := s.CancelCallback(ctx, booked.ID, now)
	if err != nil || cancelled.State != policy.Cancelled || cancelled.CancelledAt == nil {
		t.Fatalf("cancel = %+v, %v", cancelled, err)
	}
	_, err = s.CancelCallback(ctx, booked.ID, now)
	var stateErr *storage.CallbackStateError
	if !errors.Is(err, storage.ErrWrongState) || !errors.As(err, &stateErr) || stateErr.State != policy.Cancelled {
		t.Fatalf("second cancel: %v, want a wrong-state error", err)
	}
	if _, err := s.CancelCallback(ctx, 9999, now); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("cancel of an unknown callback: %v", err)
	}
	left, err := s.ListCallbacks(ctx, storage.CallbackFilter{State: policy.Scheduled})
	if err != nil || len(left) != 1 || left[0].ID != asap.ID {
		t.Fatalf("scheduled after cancel = %+v, %v", left, err)
	}
}

func TestClaimTakesAsSoonAsPossibleByRequestTimeBeforeBookedOnes(t *testing.T) {
	s := storagetest.Open(t)
	now := time.Now().UTC().Truncate(time.Second)
	bookedLater := newCallback(t, s, now.Add(-time.Hour), now.Add(-10*time.Minute))
	asapLater := newCallback(t, s, now.Add(-time.Minute), time.Time{})
	newCallback(t, s, now.Add(-time.Hour), now.Add(time.Minute)) // not due yet
	asapEarlier := newCallback(t, s, now.Add(-5*time.Minute), time.Time{})
	bookedEarlier := newCallback(t, s, now.Add(-time.Hour), now.Add(-20*time.Minute))

	got := claimIDs(t, s, now, "a", 10)
	want := []uint64{asapEarlier.ID, asapLater.ID, bookedEarlier.ID, bookedLater.ID}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("claimed %v, want %v", got, want)
	}
}

func TestClaimedCallbackIsNotClaimedAgainUntilItsLeaseIsReconciled(t *testing.T) {
	s := storagetest.Open(t)
	ctx := t.Context()
	now := time.Now().UTC().Truncate(time.Second)
	cb := newCallback(t, s, now, time.Time{})
	if got := claimIDs(t, s, now, "a", 5); len(got) != 1 {
		t.Fatalf("first claim took %v", got)
	}
	if got := claimIDs(t, s, now.Add(30*time.Second), "b", 5); len(got) != 0 {
		t.Fatalf("claimed again within the lease: %v", got)
	}
	if exp, err := s.ExpiredDialing(ctx, now.Add(30*time.Second)); err != nil || len(exp) != 0 {
		t.Fatalf("expired within the lease: %+v, %v", exp, err)
	}
	if _, err := s.RecordDial(ctx, cb.ID, "b", "CA-b", now); !errors.Is(err, storage.ErrLeaseLost) {
		t.Fatalf("dial by a process without the lease: %v", err)
	}

	// Past the lease the callback is not dialled blind: it waits for
	// reconciliation, which reschedules it.
	later := now.Add(2 * time.Minute)
	if got := claimIDs(t, s, later, "b", 5); len(got) != 0 {
		t.Fatalf("claimed again after the lease ran out, before reconciliation: %v", got)
	}
	exp, err := s.ExpiredDialing(ctx, later)
	if err != nil || len(exp) != 1 || exp[0].ID != cb.ID || exp[0].LeaseOwner != "a" {
		t.Fatalf("expired after the lease = %+v, %v", exp, err)
	}
	if _, err := s.Reschedule(ctx, cb.ID, later, "dialer a stopped"); err != nil {
		t.Fatal(err)
	}
	if got := claimIDs(t, s, later, "b", 5); len(got) != 1 || got[0] != cb.ID {
		t.Fatalf("claim after reschedule took %v", got)
	}
	done, err := s.FinishCallback(ctx, cb.ID, policy.Completed, policy.CallCompleted, nil, later)
	if err != nil || done.State != policy.Completed || done.CompletedAt == nil || done.LockedUntil != nil {
		t.Fatalf("finish = %+v, %v", done, err)
	}
	if _, err := s.Reschedule(ctx, cb.ID, later, ""); !errors.Is(err, storage.ErrWrongState) {
		t.Fatalf("reschedule of a completed callback: %v", err)
	}
}

// Two schedulers, each with a connection pool of its own, claim at once:
// each callback goes to exactly one of them.
func TestConcurrentClaimsNeverTakeACallbackTwice(t *testing.T) {
	url := storagetest.URL(t)
	stores := []*storage.Storage{storagetest.OpenURL(t, url), storagetest.OpenURL(t, url)}
	now := time.Now().UTC().Truncate(time.Second)
	const total = 200
	for i := range total {
		due := time.Time{}
		if i%2 == 1 {
			due = now.Add(-time.Duration(i) * time.Second)
		}
		newCallback(t, stores[0], now.Add(-time.Duration(total-i)*time.Second), due)
	}

	var mu sync.Mutex
	claimedBy := map[uint64]string{}
	var wg sync.WaitGroup
	errs := make(chan error, len(stores))
	for i, s := range stores {
		owner := fmt.Sprintf("scheduler-%d", i)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				got, err := s.ClaimDueCallbacks(t.Context(), now, owner, time.Minute, 7)
				if err != nil {
					errs <- err
					return
				}
				if len(got) == 0 {
					return
				}
				mu.Lock()
				for _, cb := range got {
					if prev, twice := claimedBy[cb.ID]; twice {
						errs <- fmt.Errorf("callback %d claimed by %s and %s", cb.ID, prev, owner)
					}
					claimedBy[cb.ID] = owner
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	perOwner := map[string]int{}
	for _, owner := range claimedBy {
		perOwner[owner]++
	}
	t.Logf("claims per scheduler: %v", perOwner)
	if left := claimIDs(t, stores[1], now, "check", total); len(claimedBy) != total || len(left) != 0 {
		t.Fatalf("claimed %d of %d, %d left unclaimed", len(claimedBy), total, len(left))
	}
	dialing, err := stores[0].ListCallbacks(t.Context(), storage.CallbackFilter{State: policy.Dialing, Limit: storage.MaxListLimit})
	if err != nil {
		t.Fatal(err)
	}
	for _, cb := range dialing {
		if cb.LeaseOwner != claimedBy[cb.ID] {
			t.Errorf("callback %d is leased to %q, claimed by %q", cb.ID, cb.LeaseOwner, claimedBy[cb.ID])
		}
	}
}

func TestCallStatusNeverMovesBackwards(t *testing.T) {
	cases := []struct {
		name     string
		statuses []string
		changed  []bool
		want     string
	}{
		{"in order", []string{"queued", "initiated", "ringing", "in-progress", "completed"},
			[]bool{true, true, true, true, true}, "completed"},
		{"repeated", []string{"ringing", "ringing", "in-progress", "in-progress"}, []bool{true, false, true, false}, "in-progress"},
		{"an earlier status arriving late", []string{"in-progress", "ringing", "queued"}, []bool{true, false, false}, "in-progress"},
		{"progress after the end", []string{"busy", "ringing", "in-progress"}, []bool{true, false, false}, "busy"},
		{"a second final status", []string{"completed", "failed", "completed"}, []bool{true, false, false}, "completed"},
	}
	s := storagetest.Open(t)
	ctx := t.Context()
	now := time.Now().UTC().Truncate(time.Second)
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sid := fmt.Sprintf("CA%d", i)
			cb := startDial(t, s, now, newCallback(t, s, now, time.Time{}), sid)
			for j, status := range c.statuses {
				got, changed, err := s.RecordCallStatus(ctx, sid, status, now.Add(time.Duration(j)*time.Second))
				if err != nil || changed != c.changed[j] {
					t.Fatalf("status %d (%s): changed %v, err %v; want changed %v", j, status, changed, err, c.changed[j])
				}
				if got.ID != cb.ID {
					t.Fatalf("status %s applied to callback %d, want %d", status, got.ID, cb.ID)
				}
			}
			stored, err := s.GetCallback(ctx, cb.ID)
			if err != nil || stored.CallStatus != c.want || stored.Attempts != 1 || stored.State != policy.Dialing {
				t.Fatalf("stored %q after %d attempts in %s, err %v; want %q after 1, dialing", stored.CallStatus, stored.Attempts, stored.State, err, c.want)
			}
		})
	}
	if _, _, err := s.RecordCallStatus(ctx, "CA-unknown", "ringing", now); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("status of a call that is no callback's: %v", err)
	}
}

func TestLateStatusOfAPreviousCallIsNotApplied(t *testing.T) {
	s := storagetest.Open(t)
	ctx := t.Context()
	now := time.Now().UTC().Truncate(time.Second)
	cb := startDial(t, s, now, newCallback(t, s, now, time.Time{}), "CA-first")
	if _, _, err := s.RecordCallStatus(ctx, "CA-first", "busy", now); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Reschedule(ctx, cb.ID, now, "busy"); err != nil {
		t.Fatal(err)
	}
	if second := startDial(t, s, now, cb, "CA-second"); second.Attempts != 2 || second.CallStatus != "" {
		t.Fatalf("second dial = %+v", second)
	}
	if _, _, err := s.RecordCallStatus(ctx, "CA-first", "completed", now); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("late status of the first call: %v, want not found", err)
	}
}

func TestSlotCountsCountBookedCallbacksThatHoldTheirSlot(t *testing.T) {
	s := storagetest.Open(t)
	ctx := t.Context()
	now := time.Now().UTC().Truncate(time.Hour)
	slotA, slotB, slotC := now.Add(2*time.Hour), now.Add(3*time.Hour), now.Add(4*time.Hour)
	newCallback(t, s, now, slotA)
	newCallback(t, s, now, slotA)
	newCallback(t, s, now, slotB)
	cancelled := newCallback(t, s, now, slotB)
	if _, err := s.CancelCallback(ctx, cancelled.ID, now); err != nil {
		t.Fatal(err)
	}
	failed := storage.Callback{CustomerID: cancelled.CustomerID, Phone: "+447911123456", DueAt: slotC, NextAttemptAt: now.Add(-time.Minute)}
	if err := s.CreateCallback(ctx, &failed); err != nil {
		t.Fatal(err)
	}
	claimIDs(t, s, now, "a", 1)
	if _, err := s.FinishCallback(ctx, failed.ID, policy.Failed, policy.CallNoAnswer, nil, now); err != nil {
		t.Fatal(err)
	}
	newCallback(t, s, slotA, time.Time{})                  // as soon as possible: takes no slot
	newCallback(t, s, now, now.Add(5*time.Hour))           // outside the range
	newCallback(t, s, now, now.Add(time.Hour-time.Second)) // before it

	got, err := s.SlotCounts(ctx, now.Add(time.Hour), now.Add(5*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	want := map[time.Time]int{slotA: 2, slotB: 1}
	if fmt.Sprint(got) != fmt.Sprint(want) || got[slotA] != 2 || got[slotB] != 1 {
		t.Fatalf("slot counts = %v, want %v", got, want)
	}
}
