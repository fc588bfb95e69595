package outbox_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/events"
	"github.com/switchboardhq/switchboard/outbox"
	"github.com/switchboardhq/switchboard/storage"
	"github.com/switchboardhq/switchboard/storage/storagetest"
)

// scriptedSender answers each Send with the next error of its script, then
// nil.
type scriptedSender struct {
	mu     sync.Mutex
	script []error
	calls  []uint64
}

func (s *scriptedSender) Send(_ context.Context, it storage.OutboxItem) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, it.ID)
	if len(s.script) == 0 {
		return nil
	}
	err := s.script[0]
	s.script = s.script[1:]
	return err
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
