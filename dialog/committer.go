package dialog

import (
	"context"
	"errors"
	"hash/maphash"
	"time"

	"github.com/switchboardhq/switchboard/metrics"
)

// Committer turns many concurrent inbound events into few durable commits:
// events that arrive while a commit is in progress are committed together
// in the next one. Submit returns only after its event's commit, so an
// event is never acknowledged early.
//
// With several workers, each has a queue of its own and every chat's
// events go to one of them, chosen by the chat (channel and external id):
// a chat's events are committed in the order they were submitted, one
// batch after another, and never race in two batches at once, while other
// chats' batches commit beside them.
type Committer struct {
	engine   *Engine
	queues   []chan commitRequest
	seed     maphash.Seed
	maxBatch int
	stopped  chan struct{}
}

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
	c := &Committer{engine: e, queues: make([]chan commitRequest, workers), seed: maphash.MakeSeed(),
		maxBatch: maxBatch, stopped: make(chan struct{})}
	for i := range c.queues {
		c.queues[i] = make(chan commitRequest, maxBatch*4)
	}
	return c
}

// Queued is how many submitted events wait for a commit to take them.
func (c *Committer) Queued() int {
	n := 0
	for _, q := range c.queues {
		n += len(q)
	}
	return n
}

// queueOf is the queue of ev's chat.
func (c *Committer) queueOf(ev Event) chan commitRequest {
	if len(c.queues) == 1 {
		return c.queues[0]
	}
	var h maphash.Hash
	h.SetSeed(c.seed)
	h.WriteString(ev.From.Channel)
	h.WriteByte(0)
	h.WriteString(ev.From.ExternalID)
	return c.queues[h.Sum64()%uint64(len(c.queues))]
}

// Submit hands ev to the next commit and waits for it.
func (c *Committer) Submit(ctx context.Context, ev Event) (Result, error) {
	req := commitRequest{ctx: ctx, ev: ev, at: time.Now(), done: make(chan BatchResult, 1)}
	select {
	case <-c.stopped:
		return Result{}, ErrStopped
	default:
	}
	select {
	case c.queueOf(ev) <- req:
	case <-c.stopped:
		return Result{}, ErrStopped
	case <-ctx.Done():
		return Result{}, ctx.Err()
	}
	select {
	case r := <-req.done:
		return r.Result, r.Err
	case <-c.stopped:
		// Stopped after taking it: it was committed in the drain, or not.
		select {
		case r := <-req.done:
			return r.Result, r.Err
		default:
			return Result{}, ErrStopped
		}
	case <-ctx.Done():
		// The commit may still land; the channel redelivers and the
		// duplicate is recognised.
		return Result{}, ctx.Err()
	}
}

// Run commits until ctx is done, then drains what was already submitted.
func (c *Committer) Run(ctx context.Context) {
	done := make(chan struct{})
	for _, q := range c.queues {
		go func() {
			defer func() { done <- struct{}{} }()
			c.loop(ctx, q)
		}()
	}
	for range c.queues {
		<-done
	}
	close(c.stopped)
}

// loop commits the events of one queue, a batch at a time, in order.
func (c *Committer) loop(ctx context.Context, in chan commitRequest) {
	batch := make([]commitRequest, 0, c.maxBatch)
	for {
		batch = batch[:0]
		select {
		case <-ctx.Done():
			// Drain: everything submitted before shutdown still commits.
			for {
				select {
				case r := <-in:
					c.commit([]commitRequest{r})
				default:
					return
				}
			}
		case r := <-in:
			batch = append(batch, r)
		}
	gather:
		for len(batch) < c.maxBatch {
			select {
			case r := <-in:
				batch = append(batch, r)
			default:
				break gather
			}
		}
		c.commit(batch)
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
