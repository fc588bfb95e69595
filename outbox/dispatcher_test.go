package outbox_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/events"
	"github.com/switchboardhq/switchboard/outbox"
	"github.com/switchboardhq/switchboard/storage"
	"github.com/switchboardhq/switchboard/storage/storagetest"
)

// scriptedSender answers each Send with the next error of its script, then
// success with the provider id "p-<item id>".
type scriptedSender struct {
	mu     sync.Mutex
	script []error
	calls  []uint64
}

func (s *scriptedSender) Send(_ context.Context, it storage.OutboxItem) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, it.ID)
	if len(s.script) == 0 {
		return fmt.Sprintf("p-%d", it.ID), nil
	}
	err := s.script[0]
	s.script = s.script[1:]
	return "", err
}

func (s *scriptedSender) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.calls)
}

func TestDeliveryOutcomes(t *testing.T) {
	temp := errors.New("connection reset")
	cases := []struct {
		name      string
		script    []error
		wantState string
		wantCalls int
	}{
		{"sent at once", nil, storage.OutboxSent, 1},
		{"temporary errors are retried", []error{temp, temp}, storage.OutboxSent, 3},
		{"retry_after is honoured then sent", []error{&outbox.RetryAfterError{Wait: 50 * time.Millisecond, Err: temp}}, storage.OutboxSent, 2},
		{"a permanent error fails at once", []error{&outbox.PermanentError{Err: temp}}, storage.OutboxFailed, 1},
		{"unreachable fails at once", []error{&outbox.UnreachableError{Err: temp}}, storage.OutboxFailed, 1},
		{"opted out fails at once", []error{&outbox.OptedOutError{Err: temp}}, storage.OutboxFailed, 1},
		{"gives up after max attempts", []error{temp, temp, temp, temp, temp}, storage.OutboxFailed, 3},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			store := storagetest.Open(t)
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			d := outbox.New(store, outbox.Config{PollInterval: 10 * time.Millisecond, BackoffBase: time.Millisecond,
				BackoffMax: 5 * time.Millisecond, MaxAttempts: 3}, events.NewBroker(), nil)
			s := &scriptedSender{script: c.script}
			d.Register("test", s, outbox.Limits{})
			it := storage.OutboxItem{Channel: "test", ChatKey: "test:1", Address: "1", IdentityID: 1, Payload: "{}"}
			if err := store.EnqueueOutbox(ctx, &it); err != nil {
				t.Fatal(err)
			}
			done := make(chan struct{})
			go func() { _ = d.Run(ctx); close(done) }()
			deadline := time.Now().Add(10 * time.Second)
			for {
				pending, err := store.CountPendingOutbox(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if pending == 0 {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("still pending after %d sends", s.count())
				}
				time.Sleep(5 * time.Millisecond)
			}
			cancel()
			<-done
			if s.count() != c.wantCalls {
				t.Fatalf("%d sends, want %d", s.count(), c.wantCalls)
			}
			got, err := store.GetOutboxItem(context.Background(), it.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.State != c.wantState || got.Attempts != c.wantCalls {
				t.Fatalf("item %s after %d attempts, want %s after %d", got.State, got.Attempts, c.wantState, c.wantCalls)
			}
		})
	}
}

// TestHandedOffItemsAreSentInOrderWithoutAClaim writes items leased to this
// process, as the engine does, and hands them off: they go out in order,
// and no claim could have taken them meanwhile.
func TestHandedOffItemsAreSentInOrderWithoutAClaim(t *testing.T) {
	store := storagetest.Open(t)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	d := outbox.New(store, outbox.Config{PollInterval: time.Hour}, events.NewBroker(), nil)
	s := &scriptedSender{}
	d.Register("test", s, outbox.Limits{})
	until := time.Now().UTC().Add(d.LeaseFor())
	var items []storage.OutboxItem
	for i := 0; i < 3; i++ {
		it := storage.OutboxItem{Channel: "test", ChatKey: "test:1", Address: "1", IdentityID: 1, Payload: "{}", LockedUntil: &until}
		if err := store.EnqueueOutbox(ctx, &it); err != nil {
			t.Fatal(err)
		}
		items = append(items, it)
	}
	if claimed, err := store.ClaimDueOutbox(ctx, time.Now().UTC(), time.Minute, 10); err != nil || len(claimed) != 0 {
		t.Fatalf("claimed %d leased items (err %v), want none", len(claimed), err)
	}
	done := make(chan struct{})
	go func() { _ = d.Run(ctx); close(done) }()
	d.Handoff(items)
	deadline := time.Now().Add(10 * time.Second)
	for s.count() < 3 {
		if time.Now().After(deadline) {
			t.Fatalf("%d of 3 handed-off items sent", s.count())
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	<-done
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, id := range s.calls {
		if id != items[i].ID {
			t.Fatalf("sent %v, want %d,%d,%d in order", s.calls, items[0].ID, items[1].ID, items[2].ID)
		}
	}
	for _, it := range items {
		got, err := store.GetOutboxItem(context.Background(), it.ID)
		if err != nil || got.State != storage.OutboxSent {
			t.Fatalf("item %d is %s (err %v), want sent", it.ID, got.State, err)
		}
	}
}
