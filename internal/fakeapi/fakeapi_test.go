package fakeapi_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/internal/fakeapi"
)

func TestFailuresAnswerTheirTimesInQueueOrder(t *testing.T) {
	var q fakeapi.Failures[string]
	q.Add("a-twice", 2)
	q.Add("b-once", 0)
	q.Add("a-always", -1)
	isA := func(f string) bool { return f[0] == 'a' }

	var got []string
	for range 4 {
		f, ok := q.Take(isA)
		if !ok {
			t.Fatal("Take found no failure for a")
		}
		got = append(got, f)
	}
	want := []string{"a-twice", "a-twice", "a-always", "a-always"}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("took %v, want %v", got, want)
		}
	}
	if f, ok := q.Take(func(f string) bool { return f[0] == 'b' }); !ok || f != "b-once" {
		t.Fatalf("Take(b) = %q, %v; want b-once", f, ok)
	}
	if _, ok := q.Take(func(f string) bool { return f[0] == 'b' }); ok {
		t.Fatal("b-once answered twice")
	}
	q.Reset()
	if _, ok := q.Take(isA); ok {
		t.Fatal("a failure outlived Reset")
	}
}

func TestNotifyClosesTheChannelNextGave(t *testing.T) {
	var c fakeapi.Changes
	before := c.Next()
	select {
	case <-before:
		t.Fatal("channel closed before any Notify")
	default:
	}
	c.Notify()
	select {
	case <-before:
	default:
		t.Fatal("Notify left the channel open")
	}
	select {
	case <-c.Next():
		t.Fatal("the channel after Notify is already closed")
	default:
	}
}

func TestWaitForSeesAChange(t *testing.T) {
	var c fakeapi.Changes
	var ready atomic.Bool
	go func() {
		ready.Store(true)
		c.Notify()
	}()
	if err := c.WaitFor(t.Context(), ready.Load); err != nil {
		t.Fatalf("WaitFor: %v", err)
	}
}

func TestWaitForEndsWithTheContext(t *testing.T) {
	var c fakeapi.Changes
	ctx, cancel := context.WithTimeout(t.Context(), 3*fakeapi.WaitFallback)
	defer cancel()
	deadline, _ := ctx.Deadline()
	err := c.WaitFor(ctx, func() bool { return false })
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("WaitFor = %v, want context.DeadlineExceeded", err)
	}
	// Measured against the context's own deadline: a start taken after
	// WithTimeout would make the wait look shorter than it was.
	if time.Now().Before(deadline) {
		t.Fatal("WaitFor returned before the context ended")
	}
}
