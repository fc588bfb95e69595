package fakeapi

import (
	"context"
	"sync"
	"time"
)

// WaitFallback is how often Changes.WaitFor re-checks its condition even
// when nothing notified it, for conditions that depend on the clock.
const WaitFallback = 50 * time.Millisecond

// Changes tells goroutines waiting on a fake that its state changed. The
// zero value is ready to use; it is safe for concurrent use.
type Changes struct {
	mu sync.Mutex
	ch chan struct{} // closed at the next Notify; nil until someone asks
}

// Notify wakes everyone waiting on a channel from Next. A fake calls it
// after every change, while still holding the lock that guards the change,
// so that a waiter reading its state under that lock cannot miss one.
func (c *Changes) Notify() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ch != nil {
		close(c.ch)
		c.ch = nil
	}
}

// Next returns a channel closed at the next Notify. Take it before
// checking the state it guards, so no change is missed between the two.
func (c *Changes) Next() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ch == nil {
		c.ch = make(chan struct{})
	}
	return c.ch
}

// WaitFor blocks until cond holds or ctx ends, and then returns ctx's
// error unwrapped. cond is checked at once, after every Notify and at
// least every WaitFallback.
func (c *Changes) WaitFor(ctx context.Context, cond func() bool) error {
	ticker := time.NewTicker(WaitFallback)
	defer ticker.Stop()
	for {
		changed := c.Next() // before cond, so no change is missed
		if cond() {
			return nil
		}
		select {
		case <-changed:
		case <-ticker.C:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}
