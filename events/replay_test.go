package events_test

import (
	"errors"
	"testing"

	"github.com/switchboardhq/switchboard/events"
)

func TestSinceReplaysKeptEventsOrSaysTheyAreGone(t *testing.T) {
	b := events.NewBroker()
	sub := b.Subscribe(0)
	defer sub.Close()
	for range 5 {
		b.Publish(events.Event{Type: events.MessageCreated})
	}
	var ids []uint64
	for range 5 {
		ids = append(ids, (<-sub.C).ID)
	}
	for i := 1; i < len(ids); i++ {
		if ids[i] != ids[i-1]+1 {
			t.Fatalf("ids %v are not consecutive", ids)
		}
	}
	first, last := ids[0], ids[4]
	cases := []struct {
		name    string
		after   uint64
		want    int
		expired bool
	}{
		{"after the first: the other four", first, 4, false},
		{"after the last: nothing", last, 0, false},
		{"just before the first: all five", first - 1, 5, false},
		{"from before this start: reload", first - 2, 0, true},
		{"never given out: reload", last + 1, 0, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := b.Since(t.Context(), c.after, 100)
			if c.expired != errors.Is(err, events.ErrExpired) {
				t.Fatalf("err = %v, want expired %v", err, c.expired)
			}
			if len(got) != c.want {
				t.Fatalf("got %d events, want %d", len(got), c.want)
			}
			for i, ev := range got {
				if ev.ID != c.after+1+uint64(i) {
					t.Errorf("event %d has id %d, want %d", i, ev.ID, c.after+1+uint64(i))
				}
			}
		})
	}
}

func TestSinceSaysExpiredOnceTheRingHasMovedOn(t *testing.T) {
	b := events.NewBroker()
	sub := b.Subscribe(0)
	b.Publish(events.Event{Type: events.MessageCreated})
	first := (<-sub.C).ID
	sub.Close()
	for range events.RecentEvents + 1 {
		b.Publish(events.Event{Type: events.MessageCreated})
	}
	if _, err := b.Since(t.Context(), first, 10); !errors.Is(err, events.ErrExpired) {
		t.Fatalf("Since(first) after %d more events: %v, want expired", events.RecentEvents+1, err)
	}
	if got, err := b.Since(t.Context(), first+1, 10); err != nil || len(got) != 10 || got[0].ID != first+2 {
		t.Fatalf("Since(first+1) = %d events from %v, %v; want 10 from %d", len(got), got, err, first+2)
	}
}
