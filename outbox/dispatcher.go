package outbox

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

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
	// unrecorded holds the chats of items this process has sent or given
	// up on whose outcome the recorder has not written yet: a pacer must
	// not take them for older items still pending.
	unrecorded map[uint64]string
	// recorded holds, per chat, the last item of it this process settled
	// and wrote, for a while (recentlySettled): an item written beside it
	// may have found it still pending (storage.PriorItem).
	recorded     map[string]recordedItem
	recordedAdds int // since recorded was last pruned
	// backlog is set while the database may hold due items this process
	// has not taken: the last claim found some (their chats' next items
	// follow), or could not ask. Only then does a finished delivery wake
	// the claim loop; items handed off at commit need no claim, and
	// claiming after every delivery would cost a query each.
	backlog atomic.Bool
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
		results: make(chan storage.OutboxResult, cfg.Concurrency), held: map[uint64]bool{}, lanes: map[string]*lane{},
		unrecorded: map[uint64]string{}, recorded: map[string]recordedItem{}}
}

// Register routes items of channel name to s under limits, paced by this
// process alone (NewLocalPacer).
func (d *Dispatcher) Register(name string, s Sender, l Limits) {
	d.RegisterPaced(name, s, l, NewLocalPacer(l))
}

// RegisterPaced routes items of channel name to s, waiting l.ChatInterval
// after this process's last send to a chat and then for p's turn: how
// several processes share one provider's limits.
func (d *Dispatcher) RegisterPaced(name string, s Sender, l Limits, p Pacer) {
	d.mu.Lock()
	d.senders[name] = &channel{sender: s, pacer: p, interval: l.ChatInterval, lastSent: map[string]time.Time{}}
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
// happened. It never returns before a decision is made for the item:
// giveBack means it was not tried and goes back to the database as it was,
// for a later claim, as its chat's turn is elsewhere; otherwise res is the
// outcome to record.
func (d *Dispatcher) deliver(ctx context.Context, it storage.OutboxItem) (res storage.OutboxResult, giveBack bool) {
	res = storage.OutboxResult{ID: it.ID, MessageID: it.MessageID, ConversationID: it.ConversationID, IdentityID: it.IdentityID, Channel: it.Channel}
	d.mu.Lock()
	ch := d.senders[it.Channel]
	d.mu.Unlock()
	if ch == nil {
		// The channel is disabled here: try again later, maybe elsewhere.
		res.RetryAt = time.Now().UTC().Add(d.cfg.BackoffMax)
		res.Error = fmt.Sprintf("channel %s is not enabled", it.Channel)
		return res, false
	}
	var done func()
	err := ch.waitChat(ctx, it.ChatKey)
	if err == nil {
		done, err = ch.pacer.Turn(ctx, it, d.settled(it.ChatKey))
	}
	switch {
	case err == nil:
	case ctx.Err() != nil:
		res.RetryAt = time.Now().UTC()
		res.Error = "shutting down"
		return res, false
	case errors.Is(err, ErrOutOfTurn):
		d.log.Debug("outbox item waits for an older one of its chat", "id", it.ID, "channel", it.Channel)
		return res, true
	default:
		// The pacer cannot tell (its database is out of reach): not sent,
		// so try again later like any temporary failure.
		res.RetryAt = time.Now().UTC().Add(d.backoff(it.Attempts))
		res.Error = err.Error()
		d.log.Warn("pace outbox item", "id", it.ID, "channel", it.Channel, "retry_at", res.RetryAt, "err", err)
		return res, false
	}
	providerID, err := ch.sender.Send(ctx, it)
	ended := time.Now()
	done()
	ch.markSent(it.ChatKey, ended)
	now := ended.UTC()
	if err == nil {
		res.Sent, res.ProviderID = true, providerID
		metrics.Deliveries.WithLabelValues(it.Channel, "sent").Inc()
		metrics.DeliveryLatency.WithLabelValues(it.Channel).Observe(now.Sub(it.CreatedAt).Seconds())
		return res, false
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
			d.pause(ch, now.Add(wait))
		} else {
			wait = d.backoff(it.Attempts)
		}
		res.RetryAt = now.Add(wait)
		metrics.Deliveries.WithLabelValues(it.Channel, "retry").Inc()
	}
	d.log.Warn("deliver outbox item", "id", it.ID, "channel", it.Channel, "attempt", it.Attempts+1,
		"failed", res.Failed, "retry_at", res.RetryAt, "err", err)
	return res, false
}

// pause holds every send of ch until until, in every process its pacer
// reaches.
func (d *Dispatcher) pause(ch *channel, until time.Time) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := ch.pacer.Pause(ctx, until); err != nil {
		d.log.Warn("pause channel", "until", until, "err", err)
	}
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
