package promises_test

import (
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/promises"
	"github.com/switchboardhq/switchboard/storage"
)

func TestRoundUpNeverRoundsDown(t *testing.T) {
	for _, tc := range []struct {
		wait time.Duration
		want int
	}{
		{0, promises.FloorMinutes},
		{20 * time.Second, 1},
		{61 * time.Second, 2},
		{4 * time.Minute, 4},
		{10 * time.Minute, 10},
		{10*time.Minute + time.Second, 15},
		{15 * time.Minute, 15},
		{16 * time.Minute, 20},
	} {
		if got := promises.RoundUp(tc.wait); got != tc.want || time.Duration(got)*time.Minute < tc.wait {
			t.Errorf("RoundUp(%s) = %d, want %d", tc.wait, got, tc.want)
		}
	}
}

func TestFixedMinutesIsTheOldRule(t *testing.T) {
	for _, tc := range []struct{ pos, ops, per, want int }{
		{1, 1, 5, 5}, {2, 1, 5, 10}, {3, 1, 5, 15}, {1, 2, 5, 5}, {3, 2, 5, 10}, {1, 0, 5, 5}, {4, 3, 7, 10},
	} {
		if got := promises.FixedMinutes(tc.pos, tc.ops, tc.per); got != tc.want {
			t.Errorf("FixedMinutes(%d, %d, %d) = %d, want %d", tc.pos, tc.ops, tc.per, got, tc.want)
		}
	}
}

// answered is a wait told at place pos with operators and free slots,
// answered after wait.
func answered(pos, operators, free int, wait time.Duration) storage.WaitEstimate {
	told := time.Date(2026, 3, 9, 10, 0, 0, 0, time.UTC)
	at := told.Add(wait)
	return storage.WaitEstimate{Position: pos, Operators: operators, FreeSlots: free, ToldAt: told,
		Outcome: storage.OutcomeAnswered, AnsweredAt: &at}
}

// many is n copies of w with waits from 1 to n times step.
func many(n int, step time.Duration, w func(time.Duration) storage.WaitEstimate) []storage.WaitEstimate {
	out := make([]storage.WaitEstimate, n)
	for i := range out {
		out[i] = w(time.Duration(i+1) * step)
	}
	return out
}

func TestLearnedWaits(t *testing.T) {
	prior := 5 * time.Minute
	// Twenty customers alone in line with two operators busy waited 1 to
	// 20 minutes: the 98th percentile is 20 minutes, 40 per place per
	// operator.
	busy := many(20, time.Minute, func(d time.Duration) storage.WaitEstimate { return answered(1, 2, 0, d) })
	// Twenty picked up by a free operator within 5 to 100 seconds: the
	// 95th percentile is 95 s.
	pickups := many(20, 5*time.Second, func(d time.Duration) storage.WaitEstimate { return answered(1, 2, 3, d) })
	left := storage.WaitEstimate{Position: 1, Operators: 1, Outcome: storage.OutcomeLeft}
	for _, tc := range []struct {
		name           string
		samples        []storage.WaitEstimate
		pos, ops, free int
		want           time.Duration
		learned        bool
	}{
		{"nothing seen: not learned", nil, 1, 1, 0, prior, false},
		{"too few seen: the fixed rule", busy[:promises.MinSamples-1], 1, 2, 0, prior, false},
		{"left and unanswered waits teach nothing", append(busy[:promises.MinSamples-1:promises.MinSamples-1], left), 1, 1, 0, prior, false},
		{"first in line, same staff", busy, 1, 2, 0, 20 * time.Minute, true},
		{"first in line, twice the staff", busy, 1, 4, 0, 10 * time.Minute, true},
		{"third in line: the first place's time, as too few were that far back", busy, 3, 2, 0, 60 * time.Minute, true},
		{"a free slot awaits: the pickup", append(busy, pickups...), 2, 2, 3, 95 * time.Second, true},
		{"a free slot, no pickup learned: one place", busy, 1, 2, 3, 20 * time.Minute, true},
		{"beyond the free slots counts the places past them", append(busy, pickups...), 4, 2, 3, 20 * time.Minute, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := promises.Learn(tc.samples, prior, learnedAt)
			if m.Learned() != tc.learned {
				t.Fatalf("learned %v, want %v: %+v", m.Learned(), tc.learned, m)
			}
			if got := m.Wait(tc.pos, tc.ops, tc.free); got != tc.want {
				t.Errorf("Wait(%d, %d, %d) = %s, want %s (model %+v)", tc.pos, tc.ops, tc.free, got, tc.want, m)
			}
		})
	}
}

func TestALaterPlaceIsNeverPromisedLess(t *testing.T) {
	// Many customers, at every place up to 12, waited 3 minutes a place
	// with one operator — except those first in line, who waited up to
	// 20: the places after them are told at least what the first is.
	var samples []storage.WaitEstimate
	for pos := 1; pos <= 12; pos++ {
		for i := range 12 {
			wait := time.Duration(pos) * 3 * time.Minute
			if pos == 1 {
				wait = time.Duration(i+9) * time.Minute
			}
			samples = append(samples, answered(pos, 1, 0, wait))
		}
	}
	m := promises.Learn(samples, 5*time.Minute, learnedAt)
	prev := time.Duration(0)
	for pos := 1; pos <= 30; pos++ {
		got := m.Wait(pos, 1, 0)
		if got < prev {
			t.Errorf("place %d is told %s, less than place %d's %s", pos, got, pos-1, prev)
		}
		prev = got
	}
}

// learnedAt is when the tests' models are learned: an hour after their
// waits were told.
var learnedAt = time.Date(2026, 3, 9, 11, 0, 0, 0, time.UTC)

func TestBrokenPromisesStillRunningAreLearnedFrom(t *testing.T) {
	busy := many(20, time.Minute, func(d time.Duration) storage.WaitEstimate { return answered(1, 2, 0, d) })
	five, ninety := 5, 90
	told := time.Date(2026, 3, 9, 10, 0, 0, 0, time.UTC)
	// Five customers told 5 minutes an hour ago still wait; one told 90
	// minutes has no broken promise yet, and teaches nothing.
	for range 5 {
		busy = append(busy, storage.WaitEstimate{Position: 1, Operators: 2, ToldAt: told, Minutes: &five})
	}
	busy = append(busy, storage.WaitEstimate{Position: 1, Operators: 2, ToldAt: told, Minutes: &ninety})
	m := promises.Learn(busy, 5*time.Minute, learnedAt)
	if got := m.Wait(1, 2, 0); got != time.Hour {
		t.Errorf("first in line is told %s, want an hour: the waits still running are at least that long", got)
	}
}

func TestTheLastHourWinsWhenItRunsLonger(t *testing.T) {
	// A thousand waits of up to 20 minutes this morning, then ten of 21
	// in the last hour: fewer than 2% of all, yet what a customer now
	// meets.
	old := many(1000, time.Second*1200/1000, func(d time.Duration) storage.WaitEstimate {
		w := answered(1, 1, 0, d)
		w.ToldAt = learnedAt.Add(-2 * time.Hour)
		at := w.ToldAt.Add(d)
		w.AnsweredAt = &at
		return w
	})
	recent := many(10, 0, func(time.Duration) storage.WaitEstimate {
		w := answered(1, 1, 0, 21*time.Minute)
		w.ToldAt = learnedAt.Add(-30 * time.Minute)
		at := w.ToldAt.Add(21 * time.Minute)
		w.AnsweredAt = &at
		return w
	})
	m := promises.Learn(append(old, recent...), 5*time.Minute, learnedAt)
	if got := m.Wait(1, 1, 0); got != 21*time.Minute {
		t.Errorf("first in line is told %s, want the last hour's 21 minutes", got)
	}
}
