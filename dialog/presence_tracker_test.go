package dialog_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/config"
	"github.com/switchboardhq/switchboard/dialog"
	"github.com/switchboardhq/switchboard/events"
	"github.com/switchboardhq/switchboard/storage"
	"github.com/switchboardhq/switchboard/storage/storagetest"
)

// tracked is an engine whose operators' presence follows their event
// streams on broker, with a grace period of grace.
type tracked struct {
	*world
	broker *events.Broker
}

func newTracked(t *testing.T, grace time.Duration) *tracked {
	t.Helper()
	w := &world{t: t, store: storagetest.Open(t), clock: &clock{now: monday10}}
	broker := events.NewBroker()
	e, err := dialog.New(w.store, dialog.Options{Settings: config.DefaultSettings(), Broker: broker, Clock: w.clock.Now,
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	w.engine = e
	p := dialog.NewPresenceTracker(e, broker, dialog.PresenceConfig{Grace: grace})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = p.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return &tracked{world: w, broker: broker}
}

// waitPresence waits until op's stored presence is want.
func (w *tracked) waitPresence(op storage.Operator, want string) {
	w.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		got, err := w.store.GetOperator(w.t.Context(), op.ID)
		if err != nil {
			w.t.Fatal(err)
		}
		if got.Presence == want {
			return
		}
		if time.Now().After(deadline) {
			w.t.Fatalf("%s is %s, want %s", op.Name, got.Presence, want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (w *tracked) presence(op storage.Operator) string {
	w.t.Helper()
	got, err := w.store.GetOperator(w.t.Context(), op.ID)
	if err != nil {
		w.t.Fatal(err)
	}
	return got.Presence
}

func TestOperatorIsOnlineWhileAStreamIsOpenAndOfflineAfterTheGracePeriod(t *testing.T) {
	w := newTracked(t, 50*time.Millisecond)
	olga := w.operator("Olga")
	id := w.waiting(customer(1, "en")).ConversationID
	if _, err := w.engine.Claim(t.Context(), id, olga); err != nil {
		t.Fatal(err)
	}

	first, second := w.broker.Subscribe(olga.ID), w.broker.Subscribe(olga.ID)
	w.waitPresence(olga, storage.PresenceOnline)
	first.Close()
	second.Close()
	w.waitPresence(olga, storage.PresenceOffline)
	if conv := w.conversation(id); conv.State != storage.StateWaiting {
		t.Fatalf("unanswered conversation is %s after Olga went offline, want waiting", conv.State)
	}
}

func TestReconnectingWithinTheGracePeriodKeepsTheOperatorOnline(t *testing.T) {
	w := newTracked(t, 300*time.Millisecond)
	olga, pavel := w.operator("Olga"), w.operator("Pavel")
	w.broker.Subscribe(olga.ID).Close()
	reconnected := w.broker.Subscribe(olga.ID)
	defer reconnected.Close()
	w.waitPresence(olga, storage.PresenceOnline)

	// Pavel leaves after Olga's blip; once his grace period is over,
	// Olga's (had it not been cancelled) would be too.
	left := w.broker.Subscribe(pavel.ID)
	w.waitPresence(pavel, storage.PresenceOnline)
	left.Close()
	w.waitPresence(pavel, storage.PresenceOffline)
	if got := w.presence(olga); got != storage.PresenceOnline {
		t.Fatalf("Olga is %s after reconnecting, want online", got)
	}
}

func TestAwayOperatorStaysAwayWhenAStreamOpensAndGoesOfflineWhenItCloses(t *testing.T) {
	w := newTracked(t, 50*time.Millisecond)
	olga := w.operator("Olga")
	if _, err := w.engine.SetPresence(t.Context(), olga.ID, storage.PresenceAway); err != nil {
		t.Fatal(err)
	}
	changes := w.broker.Subscribe(0)
	defer changes.Close()

	stream := w.broker.Subscribe(olga.ID)
	// Pavel opening a stream after Olga and coming online shows the
	// tracker has seen Olga's stream too.
	pavel := w.operator("Pavel")
	defer w.broker.Subscribe(pavel.ID).Close()
	w.waitPresence(pavel, storage.PresenceOnline)
	stream.Close()
	w.waitPresence(olga, storage.PresenceOffline)
	for {
		select {
		case ev := <-changes.C:
			v, ok := ev.Data.(dialog.OperatorView)
			if !ok || v.ID != olga.ID {
				continue
			}
			if v.Presence != storage.PresenceOffline {
				t.Fatalf("Olga went %s, want away straight to offline", v.Presence)
			}
			return
		case <-time.After(10 * time.Second):
			t.Fatal("no operator.changed event for Olga")
		}
	}
}

func TestOperatorOnlineWithoutAStreamGoesOffline(t *testing.T) {
	w := newTracked(t, 50*time.Millisecond)
	olga := w.operator("Olga")
	if _, err := w.engine.SetPresence(t.Context(), olga.ID, storage.PresenceOnline); err != nil {
		t.Fatal(err)
	}
	w.waitPresence(olga, storage.PresenceOffline)
}
