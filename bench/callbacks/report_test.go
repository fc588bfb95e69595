package main

import (
	mrand "math/rand/v2"
	"testing"
	"time"
)

var t0 = time.Date(2026, time.December, 1, 22, 0, 0, 0, time.UTC)

func TestLatenessCountsFromWhenClaimable(t *testing.T) {
	cases := []struct {
		name                 string
		placed, due, claimed time.Duration // after t0
		want                 time.Duration
	}{
		{"due after the dialers started", 1500 * time.Millisecond, time.Second, 0, 500 * time.Millisecond},
		{"due before the dialers started", 3 * time.Second, time.Second, 2 * time.Second, time.Second},
		{"placed the moment it was due", time.Second, time.Second, 0, 0},
	}
	for _, c := range cases {
		if got := lateness(t0.Add(c.placed), t0.Add(c.due), t0.Add(c.claimed)); got != c.want {
			t.Errorf("%s: lateness = %s, want %s", c.name, got, c.want)
		}
	}
}

func TestSummarizeCountsOnlyDialledAndFirstCalls(t *testing.T) {
	p := phase{name: "test", claimable: t0, due: map[uint64]time.Time{}}
	first := map[uint64]time.Time{}
	for i := uint64(1); i <= 100; i++ {
		p.due[i] = t0.Add(time.Duration(i) * time.Second)
		first[i] = p.due[i].Add(time.Duration(i) * time.Millisecond) // i ms late
	}
	p.due[101] = t0 // never dialled
	p.due[102] = t0
	first[102] = t0.Add(1500 * time.Millisecond)
	r := summarize(p, first)
	if r.due != 102 || r.dialled != 101 {
		t.Fatalf("due %d dialled %d, want 102 and 101", r.due, r.dialled)
	}
	if r.p50 != 51*time.Millisecond || r.p99 != 100*time.Millisecond || r.max != 1500*time.Millisecond {
		t.Errorf("p50 %s p99 %s max %s, want 51ms, 100ms, 1.5s", r.p50, r.p99, r.max)
	}
	if r.late1s != 1 {
		t.Errorf("late1s = %d, want 1", r.late1s)
	}
	if !r.first.Equal(t0.Add(time.Second+time.Millisecond)) || !r.last.Equal(t0.Add(100*time.Second+100*time.Millisecond)) {
		t.Errorf("first %s last %s", r.first, r.last)
	}
	if got := r.perSecond(t0.Add(100*time.Millisecond + 99*time.Second)); got != 101 {
		t.Errorf("perSecond = %g, want 101", got)
	}
}

func TestSummarizeOfNothingDialledIsZero(t *testing.T) {
	r := summarize(phase{due: map[uint64]time.Time{1: t0}}, nil)
	if r.dialled != 0 || r.p99 != 0 || r.perSecond(t0) != 0 {
		t.Errorf("got %+v", r)
	}
}

func TestCallbackIDFromConnectURL(t *testing.T) {
	for url, want := range map[string]uint64{
		"https://support.example.com/webhooks/twilio/voice/callback/connect?callback=42": 42,
		"https://x/connect?callback=0": 0,
		"https://x/connect":            0,
		"https://x/connect?callback=a": 0,
	} {
		got, err := callbackID(url)
		if got != want || (want == 0) != (err != nil) {
			t.Errorf("callbackID(%q) = %d, %v; want %d", url, got, err, want)
		}
	}
}

func TestDueTimesStayInTheirSpanInOrder(t *testing.T) {
	rng := mrand.New(mrand.NewPCG(1, 2))
	for name, due := range map[string][]time.Time{
		"uniform": uniformDue(rng, t0, time.Minute, 1000),
		"evenly":  evenlyDue(t0, time.Minute, 1000),
	} {
		if len(due) != 1000 {
			t.Fatalf("%s: %d times", name, len(due))
		}
		for i, at := range due {
			if at.Before(t0) || !at.Before(t0.Add(time.Minute)) || (i > 0 && at.Before(due[i-1])) {
				t.Fatalf("%s: time %d is %s (after %s)", name, i, at, due[max(i-1, 0)])
			}
		}
	}
	if got := evenlyDue(t0, time.Minute, 4)[1]; !got.Equal(t0.Add(15 * time.Second)) {
		t.Errorf("evenly spaced second time = %s", got)
	}
}

func TestTallyFindsCallbacksDialledTwice(t *testing.T) {
	tl := newTally()
	tl.placed(1, t0, "+1")
	tl.placed(2, t0.Add(time.Second), "+1")
	tl.placed(1, t0.Add(2*time.Second), "+2")
	if twice, calls := tl.twice(); twice != 1 || calls != 3 {
		t.Errorf("twice %d calls %d, want 1 and 3", twice, calls)
	}
	if first := tl.firstCalls([]uint64{1, 3}); len(first) != 1 || !first[1].Equal(t0) {
		t.Errorf("first calls %v", first)
	}
	if used, most := tl.operators(); used != 2 || most != 2 {
		t.Errorf("operators used %d most %d", used, most)
	}
	if n := tl.dialled([]uint64{1, 2, 3}); n != 2 {
		t.Errorf("dialled %d, want 2", n)
	}
}
