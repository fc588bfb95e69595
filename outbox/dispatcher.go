package outbox

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/switchboardhq/switchboard/events"
	"github.com/switchboardhq/switchboard/metrics"
	"github.com/switchboardhq/switchboard/storage"
)

// Sender delivers one outbox item to its channel and returns the channel's
// id for what it sent ("" when it has none), which later status reports
// name. Errors say how to go on: *RetryAfterError, *PermanentError,
// *UnreachableError, *OptedOutError, or anything else for a temporary
// failure.
type Sender interface {
	Send(ctx context.Context, item storage.OutboxItem) (providerID string, err error)
}

// Limits keeps a channel under its provider's rate limits.
type Limits struct {
	// PerSecond caps messages per second across all chats.
	PerSecond float64
	// ChatInterval is the least time between two messages to one chat.
	ChatInterval time.Duration
}

// Defaults of Config.
const (
	DefaultLease        = 30 * time.Second
	DefaultPollInterval = time.Second
	DefaultBatchSize    = 200
	DefaultConcurrency  = 64
	DefaultMaxAttempts  = 20
	DefaultBackoffBase  = time.Second
	DefaultBackoffMax   = 5 * time.Minute
)

// Config tunes a Dispatcher; zero fields take the defaults above.
type Config struct {
	Lease        time.Duration
	PollInterval time.Duration
	BatchSize    int
	Concurrency  int
	MaxAttempts  int
	BackoffBase  time.Duration
	BackoffMax   time.Duration
}

// Dispatcher delivers the outbox. Run it once per process; several
// processes share the work through leases.
type Dispatcher struct {
	store   *storage.Storage
	cfg     Config
	log     *slog.Logger
	broker  *events.Broker
	wake    chan struct{}
	mu      sync.Mutex
	senders map[string]*channel

	handoff  chan []storage.OutboxItem
	slots    chan struct{}
	results  chan storage.OutboxResult
	inflight sync.WaitGroup
	// memMu guards what this process holds: items being or about to be
	// sent, and the per-chat lanes that keep their order.
	memMu sync.Mutex
	held  map[uint64]bool
	lanes map[string]*lane
	// backlog is set while the database may hold due items this process
	// has not taken: the last claim found some (their chats' next items
	// follow), or could not ask. Only then does a finished delivery wake
	// the claim loop; items handed off at commit need no claim, and
	// claiming after every delivery would cost a query each.
	backlog atomic.Bool
}

type channel struct {
	sender   Sender
	limiter  *rate.Limiter
	interval time.Duration
	mu       sync.Mutex
	lastSent map[string]time.Time
	paused   time.Time
}

// New returns a dispatcher with no channels; add them with Register.
func New(store *storage.Storage, cfg Config, broker *events.Broker, log *slog.Logger) *Dispatcher {
	def := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&cfg.Lease, DefaultLease)
	def(&cfg.PollInterval, DefaultPollInterval)
	def(&cfg.BackoffBase, DefaultBackoffBase)
	def(&cfg.BackoffMax, DefaultBackoffMax)
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = DefaultBatchSize
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = DefaultConcurrency
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = DefaultMaxAttempts
	}
	if log == nil {
		log = slog.Default()
	}
	return &Dispatcher{store: store, cfg: cfg, log: log, broker: broker, wake: make(chan struct{}, 1), senders: map[string]*channel{},
		handoff: make(chan []storage.OutboxItem, 1024), slots: make(chan struct{}, cfg.Concurrency),
		results: make(chan storage.OutboxResult, cfg.Concurrency), held: map[uint64]bool{}, lanes: map[string]*lane{}}
}

// Register routes items of channel name to s under limits.
func (d *Dispatcher) Register(name string, s Sender, l Limits) {
	lim := rate.NewLimiter(rate.Inf, 1)
	if l.PerSecond > 0 {
		lim = rate.NewLimiter(rate.Limit(l.PerSecond), max(1, int(l.PerSecond)))
	}
	d.mu.Lock()
	d.senders[name] = &channel{sender: s, limiter: lim, interval: l.ChatInterval, lastSent: map[string]time.Time{}}
	d.mu.Unlock()
}

// Wake tells the dispatcher new items are due; it never blocks.
func (d *Dispatcher) Wake() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// Run delivers until ctx is done, then waits for sends in flight.
func (d *Dispatcher) Run(ctx context.Context) error {
	recorderDone := make(chan struct{})
	go func() {
		defer close(recorderDone)
		d.record(d.results)
	}()
	defer func() {
		d.releaseWaiting()
		d.inflight.Wait()
		close(d.results)
		<-recorderDone
	}()
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case items := <-d.handoff:
			for _, it := range items {
				d.admit(ctx, it)
			}
			continue
		case <-d.wake:
		case <-timer.C:
		}
		d.memMu.Lock()
		free := d.cfg.Concurrency - len(d.held)
		d.memMu.Unlock()
		if free > d.cfg.BatchSize {
			free = d.cfg.BatchSize
		}
		var items []storage.OutboxItem
		claimed := false
		if free > 0 {
			var err error
			items, err = d.store.ClaimDueOutbox(ctx, time.Now().UTC(), d.cfg.Lease, free)
			if err != nil && ctx.Err() == nil {
				d.log.Warn("claim outbox items", "err", err)
			}
			claimed = err == nil
		}
		d.backlog.Store(!claimed || len(items) > 0)
		for _, it := range items {
			d.admit(ctx, it)
		}
		if len(items) > 0 && len(items) == free {
			d.Wake() // more may be due at once
		}
		resetTimer(timer, d.cfg.PollInterval)
	}
}

func resetTimer(t *time.Timer, d time.Duration) {
	if !t.Stop() {
		select {
		case <-t.C:
		default:
		}
	}
	t.Reset(d)
}

// deliver sends one item, honouring the channel's limits, and says what
// happened. It never returns before a decision is made for the item.
func (d *Dispatcher) deliver(ctx context.Context, it storage.OutboxItem) storage.OutboxResult {
	res := storage.OutboxResult{ID: it.ID, MessageID: it.MessageID, ConversationID: it.ConversationID, IdentityID: it.IdentityID, Channel: it.Channel}
	d.mu.Lock()
	ch := d.senders[it.Channel]
	d.mu.Unlock()
	if ch == nil {
		// The channel is disabled here: try again later, maybe elsewhere.
		res.RetryAt = time.Now().UTC().Add(d.cfg.BackoffMax)
		res.Error = fmt.Sprintf("channel %s is not enabled", it.Channel)
		return res
	}
	if err := ch.waitTurn(ctx, it.ChatKey); err != nil {
		res.RetryAt = time.Now().UTC()
		res.Error = "shutting down"
		return res
	}
	providerID, err := ch.sender.Send(ctx, it)
	now := time.Now().UTC()
	ch.markSent(it.ChatKey, now)
	if err == nil {
		res.Sent, res.ProviderID = true, providerID
		metrics.Deliveries.WithLabelValues(it.Channel, "sent").Inc()
		metrics.DeliveryLatency.WithLabelValues(it.Channel).Observe(now.Sub(it.CreatedAt).Seconds())
		return res
	}
	res.Error = err.Error()
	next, retryAfter := classify(err)
	switch {
	case next == markOptedOut:
		res.Failed, res.OptedOut = true, true
		metrics.Deliveries.WithLabelValues(it.Channel, "opted_out").Inc()
	case next == markUnreachable:
		res.Failed, res.Unreachable = true, true
		metrics.Deliveries.WithLabelValues(it.Channel, "unreachable").Inc()
	case next == failMessage:
		res.Failed = true
		metrics.Deliveries.WithLabelValues(it.Channel, "failed").Inc()
	case it.Attempts+1 >= d.cfg.MaxAttempts:
		res.Failed = true
		res.Error = fmt.Sprintf("gave up after %d attempts: %v", it.Attempts+1, err)
		metrics.Deliveries.WithLabelValues(it.Channel, "failed").Inc()
	default:
		wait := retryAfter
		if wait > 0 {
			ch.pause(now.Add(wait))
		} else {
			wait = d.backoff(it.Attempts)
		}
		res.RetryAt = now.Add(wait)
		metrics.Deliveries.WithLabelValues(it.Channel, "retry").Inc()
	}
	d.log.Warn("deliver outbox item", "id", it.ID, "channel", it.Channel, "attempt", it.Attempts+1,
		"failed", res.Failed, "retry_at", res.RetryAt, "err", err)
	return res
}

// backoff doubles from BackoffBase per attempt up to BackoffMax, with
// jitter so many failures do not retry in step.
func (d *Dispatcher) backoff(attempts int) time.Duration {
	w := d.cfg.BackoffBase << min(attempts, 20)
	if w <= 0 || w > d.cfg.BackoffMax {
		w = d.cfg.BackoffMax
	}
	return w/2 + rand.N(w/2+1)
}

// waitTurn blocks until the channel's global and per-chat limits allow one
// more message to chatKey.
func (c *channel) waitTurn(ctx context.Context, chatKey string) error {
	c.mu.Lock()
	until := c.paused
	if last, ok := c.lastSent[chatKey]; ok && c.interval > 0 && last.Add(c.interval).After(until) {
		until = last.Add(c.interval)
	}
	c.mu.Unlock()
	if wait := time.Until(until); wait > 0 {
		t := time.NewTimer(wait)
		defer t.Stop()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
	return c.limiter.Wait(ctx)
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

func (c *channel) pause(until time.Time) {
	c.mu.Lock()
	if until.After(c.paused) {
		c.paused = until
	}
	c.mu.Unlock()
}
