package outbox_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/events"
	"github.com/switchboardhq/switchboard/outbox"
	"github.com/switchboardhq/switchboard/storage"
	"github.com/switchboardhq/switchboard/storage/storagetest"
)

// bookingPacer is a Prebooker that notes which items were booked ahead,
// and which reached their turn unbooked.
type bookingPacer struct {
	mu       sync.Mutex
	booked   map[uint64]bool
	unbooked []uint64
	turns    int
}

func (p *bookingPacer) Prebook(items []storage.OutboxItem, _ func(string) []uint64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, it := range items {
		p.booked[it.ID] = true
	}
}

func (p *bookingPacer) Turn(_ context.Context, it storage.OutboxItem, _ []uint64) (func(), error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.turns++
	if !p.booked[it.ID] {
		p.unbooked = append(p.unbooked, it.ID)
	}
	return func() {}, nil
}

func (p *bookingPacer) Pause(context.Context, time.Time) error { return nil }

// TestHandedOffSendsAreBookedBeforeTheirTurn: items handed off to a
// channel whose pacer books ahead are all booked before any asks for its
// turn; a channel whose pacer cannot is paced as it sends.
func TestHandedOffSendsAreBookedBeforeTheirTurn(t *testing.T) {
	store := storagetest.Open(t)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	d := outbox.New(store, outbox.Config{PollInterval: time.Hour}, events.NewBroker(), nil)
	pacer := &bookingPacer{booked: map[uint64]bool{}}
	booking, plain := &scriptedSender{}, &scriptedSender{}
	d.RegisterPaced("booking", booking, outbox.Limits{}, pacer)
	d.Register("plain", plain, outbox.Limits{})
	until := time.Now().UTC().Add(d.LeaseFor())
	var items []storage.OutboxItem
	for i, ch := range []string{"booking", "booking", "plain", "booking"} {
		it := storage.OutboxItem{Channel: ch, ChatKey: ch + ":" + string(rune('a'+i)), Address: "1", IdentityID: 1,
			Payload: "{}", LockedUntil: &until}
		if err := store.EnqueueOutbox(ctx, &it); err != nil {
			t.Fatal(err)
		}
		items = append(items, it)
	}
	done := make(chan struct{})
	go func() { _ = d.Run(ctx); close(done) }()
	d.Handoff(items)
	deadline := time.Now().Add(10 * time.Second)
	for booking.count() < 3 || plain.count() < 1 {
		if time.Now().After(deadline) {
			t.Fatalf("sent %d of 3 booking and %d of 1 plain items", booking.count(), plain.count())
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	<-done
	pacer.mu.Lock()
	defer pacer.mu.Unlock()
	if pacer.turns != 3 || len(pacer.unbooked) > 0 || len(pacer.booked) != 3 {
		t.Fatalf("%d turns, %d items booked ahead, unbooked at their turn %v: want 3 turns of the 3 booking items, each booked",
			pacer.turns, len(pacer.booked), pacer.unbooked)
	}
}
