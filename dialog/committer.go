package dialog

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/switchboardhq/switchboard/metrics"
)

// Committer turns many concurrent inbound events into few durable commits:
// events that arrive while a commit is in progress are committed together
// in the next one. Submit returns only after its event's commit, so an
// event is never acknowledged early.
//
// With several workers, a worker that is free takes every waiting event
// whose chat (channel and external id) is not in another worker's batch;
// a chat's later events wait behind its earlier ones. So a chat's events
// are committed in the order they were submitted, one batch after
// another, and never race in two batches at once, while other chats'
// batches commit beside them and no worker idles while an event of a free
// chat waits.
type Committer struct {
	engine   *Engine
	workers  int
	maxBatch int
	// slots bounds the events waiting: Submit takes one, a batch gives it
	// back when it takes the event.
	slots chan struct{}

	mu      sync.Mutex
	ready   *sync.Cond
	waiting []commitRequest
	// busy counts each chat's events in batches being committed.
	busy    map[chatKey]int
	ending  bool // the context ended: drain what waits, then stop
	running int  // workers not yet returned
	closed  bool // every worker returned: Submit refuses
	stopped chan struct{}
}

// chatKey names a chat: its channel and external id.
type chatKey struct{ channel, externalID string }

// keyOf is the chat ev belongs to.
func keyOf(ev Event) chatKey { return chatKey{ev.From.Channel, ev.From.ExternalID} }

type commitRequest struct {
	ctx  context.Context
	ev   Event
	at   time.Time
	done chan BatchResult
}

// ErrStopped is returned by Submit after the committer stopped.
var ErrStopped = errors.New("committer stopped")

// NewCommitter batches up to maxBatch events per commit with workers
// commits in flight at once (1 suits SQLite's single writer).
func NewCommitter(e *Engine, workers, maxBatch int) *Committer {
	if workers < 1 {
		workers = 1
	}
	if maxBatch < 1 {
		maxBatch = 1
	}
	c := &Committer{engine: e, workers: workers, maxBatch: maxBatch,
		slots: make(chan struct{}, maxBatch*4*workers), busy: map[chatKey]int{}, stopped: make(chan struct{})}
	c.ready = sync.NewCond(&c.mu)
	return c
}

// Queued is how many submitted events wait for a commit to take them.
func (c *Committer) Queued() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.waiting)
}

// Submit hands ev to the next commit and waits for it.
func (c *Committer) Submit(ctx context.Context, ev Event) (Result, error) {
	req := commitRequest{ctx: ctx, ev: ev, at: time.Now(), done: make(chan BatchResult, 1)}
	select {
	case c.slots <- struct{}{}:
	case <-c.stopped:
		return Result{}, ErrStopped
	case <-ctx.Done():
		return Result{}, ctx.Err()
	}
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		<-c.slots
		return Result{}, ErrStopped
	}
	c.waiting = append(c.waiting, req)
	c.ready.Signal()
	c.mu.Unlock()
	select {
	case r := <-req.done:
		return r.Result, r.Err
	case <-ctx.Done():
		// The commit may still land; the channel redelivers and the
		// duplicate is recognised.
		return Result{}, ctx.Err()
	}
}

// Run commits until ctx is done, then drains what was already submitted.
func (c *Committer) Run(ctx context.Context) {
	c.mu.Lock()
	c.running = c.workers
	c.mu.Unlock()
	go func() {
		<-ctx.Done()
		c.mu.Lock()
		c.ending = true
		c.ready.Broadcast()
		c.mu.Unlock()
	}()
	var wg sync.WaitGroup
	for range c.workers {
		wg.Go(c.loop)
	}
	wg.Wait()
	close(c.stopped)
}

// loop commits batches until the committer ends and nothing waits.
func (c *Committer) loop() {
	for {
		batch, ok := c.take()
		if !ok {
			return
		}
		c.commit(batch)
		c.mu.Lock()
		for _, r := range batch {
			k := keyOf(r.ev)
			if c.busy[k]--; c.busy[k] == 0 {
				delete(c.busy, k)
			}
		}
		c.ready.Broadcast() // their chats' later events may go now
		c.mu.Unlock()
	}
}

// take waits for events of chats no other batch holds and takes them, in
// the order submitted, up to maxBatch; false once the committer ends with
// nothing left waiting.
func (c *Committer) take() ([]commitRequest, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for {
		if c.ending && len(c.waiting) == 0 {
			if c.running--; c.running == 0 {
				c.closed = true
			}
			return nil, false
		}
		var batch []commitRequest
		rest := c.waiting[:0]
		for _, r := range c.waiting {
			// A busy chat's events all stay, so its order holds; once the
			// batch is full, everything after stays.
			if len(batch) < c.maxBatch && c.busy[keyOf(r.ev)] == 0 {
				batch = append(batch, r)
				continue
			}
			rest = append(rest, r)
		}
		if len(batch) > 0 {
			clear(c.waiting[len(rest):])
			c.waiting = rest
			for _, r := range batch {
				c.busy[keyOf(r.ev)]++
				<-c.slots
			}
			return batch, true
		}
		c.ready.Wait()
	}
}

func (c *Committer) commit(batch []commitRequest) {
	live := batch[:0:0]
	for _, r := range batch {
		if r.ctx.Err() != nil {
			r.done <- BatchResult{Err: r.ctx.Err()}
			continue
		}
		live = append(live, r)
	}
	if len(live) == 0 {
		return
	}
	evs := make([]Event, len(live))
	for i, r := range live {
		evs[i] = r.ev
	}
	metrics.CommitBatchSize.Observe(float64(len(evs)))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	results := c.engine.HandleBatch(ctx, evs)
	for i, r := range live {
		metrics.InboundLatency.WithLabelValues(r.ev.From.Channel).Observe(time.Since(r.at).Seconds())
		r.done <- results[i]
	}
}
