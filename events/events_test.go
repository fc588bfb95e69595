package events_test

import (
	"slices"
	"sync"
	"testing"

	"github.com/switchboardhq/switchboard/events"
)

type streamChange struct {
	operatorID uint64
	open       bool
}

func TestStreamHooksSeeAnOperatorsFirstOpenAndLastClose(t *testing.T) {
	b := events.NewBroker()
	var mu sync.Mutex
	var got []streamChange
	b.OnOperatorStreams(func(id uint64, open bool) {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, streamChange{id, open})
	})

	anonymous := b.Subscribe(0)
	first, second := b.Subscribe(7), b.Subscribe(7)
	other := b.Subscribe(8)
	if n := b.OnlineOperators(); n != 2 {
		t.Errorf("OnlineOperators = %d, want 2", n)
	}
	if n := b.OperatorStreams(7); n != 2 {
		t.Errorf("OperatorStreams(7) = %d, want 2", n)
	}
	first.Close()
	first.Close() // twice changes nothing
	second.Close()
	other.Close()
	anonymous.Close()

	want := []streamChange{{7, true}, {8, true}, {7, false}, {8, false}}
	if !slices.Equal(got, want) {
		t.Fatalf("hooks saw %v, want %v", got, want)
	}
	if n := b.OnlineOperators(); n != 0 {
		t.Errorf("OnlineOperators = %d after every stream closed", n)
	}
}

func TestDisconnectEndsOnlyThatOperatorsSubscriptions(t *testing.T) {
	b := events.NewBroker()
	mine, theirs := b.Subscribe(7), b.Subscribe(8)
	defer mine.Close()
	defer theirs.Close()

	b.Disconnect(7)
	b.Disconnect(7) // twice is harmless
	select {
	case <-mine.Done:
	default:
		t.Fatal("operator 7's subscription is not told to stop")
	}
	select {
	case <-theirs.Done:
		t.Fatal("operator 8's subscription was told to stop")
	default:
	}
}

func TestAnEventIsEncodedOnceForAllSubscribers(t *testing.T) {
	b := events.NewBroker()
	subs := []*events.Subscription{b.Subscribe(1), b.Subscribe(2), b.Subscribe(3)}
	b.Publish(events.Event{Type: events.MessageCreated, ConversationID: 9})
	calls := 0
	encode := func(ev events.Event) (string, error) { calls++; return ev.Type, nil }
	for _, s := range subs {
		got, err := (<-s.C).Encoded(encode)
		if err != nil || got != events.MessageCreated {
			t.Fatalf("encoded %q, %v", got, err)
		}
		s.Close()
	}
	if calls != 1 {
		t.Fatalf("encoded %d times for 3 subscribers, want once", calls)
	}
}

func TestASlowSubscriberLosesEventsWithoutHoldingUpOthers(t *testing.T) {
	b := events.NewBroker()
	slow, fast := b.Subscribe(1), b.Subscribe(2)
	defer slow.Close()
	defer fast.Close()
	received := 0
	for round := 0; round < 3; round++ {
		for i := 0; i < events.SubscriberBuffer; i++ {
			b.Publish(events.Event{Type: events.MessageCreated}) // never blocks on slow
		}
		for len(fast.C) > 0 {
			<-fast.C
			received++
		}
	}
	if want := 3 * events.SubscriberBuffer; received != want {
		t.Fatalf("reading subscriber got %d of %d events", received, want)
	}
	if n := len(slow.C); n != events.SubscriberBuffer {
		t.Fatalf("slow subscriber holds %d events, want its buffer of %d", n, events.SubscriberBuffer)
	}
}

// Events delivered together from another process reach every subscriber
// whole and in order.
func TestDeliverGivesEverySubscriberTheBatchInOrder(t *testing.T) {
	b := events.NewBroker()
	subs := []*events.Subscription{b.Subscribe(1), b.Subscribe(2), b.Subscribe(2)}
	batch := make([]events.Event, 20)
	for i := range batch {
		batch[i] = events.Event{ID: uint64(100 + i), Type: events.ConversationChanged}
	}
	b.Deliver(batch...)
	for n, s := range subs {
		for i := range batch {
			select {
			case ev := <-s.C:
				if ev.ID != uint64(100+i) {
					t.Fatalf("subscriber %d: event %d has id %d, want %d", n, i, ev.ID, 100+i)
				}
			default:
				t.Fatalf("subscriber %d got %d of %d events", n, i, len(batch))
			}
		}
		s.Close()
	}
}
