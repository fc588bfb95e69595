package outbox

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/switchboardhq/switchboard/storage"
)

// Window is the span Limits.PerSecond counts messages over.
const Window = time.Second

// Burst is how many sends may start together when the channel has been
// quiet; after them, sends start Spacing apart. A few at once let a reply
// or two that came in during a stall go out without queueing behind the
// spacing; the window (see Pacer) caps the second anyway.
const Burst = 4

// Spacing is the time between the starts of two sends of a channel with
// these limits once Burst have gone, so a backlog goes out evenly; 0 when
// PerSecond sets no limit.
func (l Limits) Spacing() time.Duration {
	if l.PerSecond <= 0 {
		return 0
	}
	return time.Duration(float64(Window) / l.PerSecond)
}

// BurstTolerance is how far ahead of its even spacing a send may start:
// the room for Burst sends at once (GCRA's burst tolerance).
func (l Limits) BurstTolerance() time.Duration {
	return (Burst - 1) * l.Spacing()
}

// InWindow is how many sends a Window may hold under these limits, at
// least one.
func (l Limits) InWindow() int {
	return max(1, int(l.PerSecond))
}

// ErrOutOfTurn is what a Pacer answers when an older item of the same chat
// is still pending elsewhere (held by another process, or waiting for a
// retry): this one must not overtake it. The dispatcher then gives the item
// back, and a later claim, which takes each chat's oldest item first,
// delivers both in order.
var ErrOutOfTurn = errors.New("an older item of this chat is pending")

// Pacer decides when each send of one channel may start, keeping the
// channel under its provider's limit for the whole bot — one process's
// sends (NewLocalPacer) or every process's together (a pacer that keeps its
// budget in the shared database). The dispatcher asks it once per send,
// after the chat's own interval since this process's last send to it.
//
// A pacer can only know when a message left and when its answer came back;
// the provider counts it at some moment in between. So a send may start
// only once every send at least InWindow() starts earlier has ended at
// least a Window ago: then no Window at the provider can hold more than
// InWindow() messages, however the network and the scheduler delay them.
type Pacer interface {
	// Turn blocks until it may be sent now, and returns done, to be
	// called once when the send has ended, whatever its outcome. settled
	// lists the items of its chat this process has sent or given up on
	// whose outcome may not be written yet, and its last one written in
	// the last few seconds: they no longer hold the chat's turn. Turn returns ErrOutOfTurn when an older item of the
	// chat must go first, or the context's error when ctx ends first.
	Turn(ctx context.Context, it storage.OutboxItem, settled []uint64) (done func(), err error)
	// Pause holds every send of the channel until until, as the provider
	// asked (Telegram's 429 retry_after).
	Pause(ctx context.Context, until time.Time) error
}

// NewLocalPacer paces the sends this process makes, as Pacer describes,
// starting them l.Spacing() apart after a Burst. It is the pacer
// of Register: right for one process (SQLite), and for channels whose
// provider queues for us (SMS).
func NewLocalPacer(l Limits) Pacer {
	p := &localPacer{spacing: l.Spacing(), tolerance: l.BurstTolerance(), gate: make(chan struct{}, 1)}
	if l.PerSecond > 0 {
		p.limit = l.InWindow()
	}
	return p
}

type localPacer struct {
	spacing   time.Duration
	tolerance time.Duration
	limit     int // 0: no limit
	// gate lets one send at a time wait for the next start, so sends start
	// in the order they were let in.
	gate chan struct{}
	// Guarded by gate:
	next    time.Time    // start of the next send, evenly spaced
	started []*localSend // sends not yet out of the window, oldest first
	horizon time.Time    // latest end of the sends out of the window
	// Guarded by mu, which Pause takes too:
	mu     sync.Mutex
	paused time.Time
}

// localSend is one send started by a localPacer; end is set before done
// is closed.
type localSend struct {
	done chan struct{}
	end  time.Time
}

func (p *localPacer) Turn(ctx context.Context, _ storage.OutboxItem, _ []uint64) (func(), error) {
	select {
	case p.gate <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-p.gate }()
	for p.limit > 0 && len(p.started) >= p.limit {
		oldest := p.started[0]
		select {
		case <-oldest.done:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		if oldest.end.After(p.horizon) {
			p.horizon = oldest.end
		}
		p.started = p.started[1:]
	}
	for {
		p.mu.Lock()
		start := p.paused
		p.mu.Unlock()
		for _, t := range []time.Time{p.next.Add(-p.tolerance), p.horizon.Add(Window)} {
			if t.After(start) {
				start = t
			}
		}
		if err := SleepUntil(ctx, start); err != nil {
			return nil, err
		}
		p.mu.Lock()
		now := time.Now()
		paused := now.Before(p.paused) // a pause may have come while we slept
		p.mu.Unlock()
		if !paused {
			if p.limit == 0 {
				return func() {}, nil
			}
			if now.After(p.next) {
				p.next = now
			}
			p.next = p.next.Add(p.spacing)
			s := &localSend{done: make(chan struct{})}
			p.started = append(p.started, s)
			return func() { s.end = time.Now(); close(s.done) }, nil
		}
	}
}

func (p *localPacer) Pause(_ context.Context, until time.Time) error {
	p.mu.Lock()
	if until.After(p.paused) {
		p.paused = until
	}
	p.mu.Unlock()
	return nil
}

// SleepUntil waits until t, or returns ctx's error if it ends first: how a
// pacer, here or sharing its budget elsewhere, waits for a send's start.
func SleepUntil(ctx context.Context, t time.Time) error {
	wait := time.Until(t)
	if wait <= 0 {
		return ctx.Err()
	}
	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}

// channel is a registered channel: its sender, its pacer, and the time of
// this process's last send to each chat.
type channel struct {
	sender   Sender
	pacer    Pacer
	interval time.Duration
	mu       sync.Mutex
	lastSent map[string]time.Time
}

// waitChat blocks until the chat's interval has passed since this
// process's last send to it ended. Measuring from the end, not the start,
// of that send keeps the interval at the provider whatever the network
// does.
func (c *channel) waitChat(ctx context.Context, chatKey string) error {
	if c.interval <= 0 {
		return nil
	}
	c.mu.Lock()
	last, ok := c.lastSent[chatKey]
	c.mu.Unlock()
	if !ok {
		return nil
	}
	return SleepUntil(ctx, last.Add(c.interval))
}

func (c *channel) markSent(chatKey string, at time.Time) {
	if c.interval <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.lastSent[chatKey] = at
	if len(c.lastSent) > 10000 {
		for k, t := range c.lastSent {
			if at.Sub(t) > c.interval {
				delete(c.lastSent, k)
			}
		}
	}
}
