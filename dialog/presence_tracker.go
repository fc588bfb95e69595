package dialog

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/switchboardhq/switchboard/events"
	"github.com/switchboardhq/switchboard/storage"
)

// DefaultPresenceGrace is how long after an operator's last event stream
// closes they go offline: long enough for a page reload or a network blip.
const DefaultPresenceGrace = 30 * time.Second

// PresenceConfig tunes a PresenceTracker.
type PresenceConfig struct {
	// Grace is how long an operator without an event stream keeps their
	// presence; 0 means DefaultPresenceGrace.
	Grace time.Duration
	// Logger is the engine's when nil.
	Logger *slog.Logger
}

// PresenceTracker keeps operators' presence in step with their event
// streams: an operator whose first stream opens comes online (unless they
// said away), and one who has had no stream for the grace period goes
// offline, which returns their unanswered conversations to the queue. It
// also looks over every operator once per grace period, which catches
// those online since before a restart or through the API alone, and runs
// automatic assignment then in case a trigger was missed.
type PresenceTracker struct {
	engine *Engine
	broker *events.Broker
	grace  time.Duration
	log    *slog.Logger

	mu sync.Mutex
	// pending maps operators to the presence Run should bring them to:
	// online (a stream opened) or offline (the grace period passed).
	pending map[uint64]string
	// timers run the grace periods of operators without a stream.
	timers map[uint64]*time.Timer
	wake   chan struct{}
}

// NewPresenceTracker watches b's event streams for e's operators. Nothing
// changes in the database until Run.
func NewPresenceTracker(e *Engine, b *events.Broker, cfg PresenceConfig) *PresenceTracker {
	p := &PresenceTracker{engine: e, broker: b, grace: cfg.Grace, log: cfg.Logger,
		pending: map[uint64]string{}, timers: map[uint64]*time.Timer{}, wake: make(chan struct{}, 1)}
	if p.grace <= 0 {
		p.grace = DefaultPresenceGrace
	}
	if p.log == nil {
		p.log = e.log
	}
	b.OnOperatorStreams(p.streamsChanged)
	return p
}

// Run applies presence changes until ctx is done.
func (p *PresenceTracker) Run(ctx context.Context) error {
	defer p.stopTimers()
	sweep := time.NewTicker(p.grace)
	defer sweep.Stop()
	p.sweep(ctx)
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-p.wake:
			p.apply(ctx)
		case <-sweep.C:
			p.sweep(ctx)
		}
	}
}

// streamsChanged is the broker's hook: it must not block.
func (p *PresenceTracker) streamsChanged(operatorID uint64, open bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if t, ok := p.timers[operatorID]; ok {
		t.Stop()
		delete(p.timers, operatorID)
	}
	if open {
		p.request(operatorID, storage.PresenceOnline)
		return
	}
	p.startGrace(operatorID)
}

// startGrace sends operatorID offline after the grace period unless a
// stream opens first; p.mu is held.
func (p *PresenceTracker) startGrace(operatorID uint64) {
	var t *time.Timer
	t = time.AfterFunc(p.grace, func() {
		p.mu.Lock()
		defer p.mu.Unlock()
		if p.timers[operatorID] != t {
			return // stopped or replaced meanwhile
		}
		delete(p.timers, operatorID)
		p.request(operatorID, storage.PresenceOffline)
	})
	p.timers[operatorID] = t
}

// request asks Run to bring operatorID to presence; p.mu is held.
func (p *PresenceTracker) request(operatorID uint64, presence string) {
	p.pending[operatorID] = presence
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// apply makes the pending changes that still hold: streams may have opened
// or closed again since they were asked for.
func (p *PresenceTracker) apply(ctx context.Context) {
	p.mu.Lock()
	work := p.pending
	p.pending = map[uint64]string{}
	p.mu.Unlock()
	for id, presence := range work {
		streams := p.broker.OperatorStreams(id)
		switch {
		case presence == storage.PresenceOnline && streams > 0:
			// Away stays away; offline comes online.
			if _, _, err := p.engine.changePresence(ctx, id, storage.PresenceOnline, storage.PresenceOffline); err != nil {
				p.log.ErrorContext(ctx, "presence: come online", "operator_id", id, "err", err)
				continue
			}
			// changePresence assigns waiting work when they really came online.
		case presence == storage.PresenceOffline && streams == 0:
			if _, _, err := p.engine.changePresence(ctx, id, storage.PresenceOffline); err != nil {
				p.log.ErrorContext(ctx, "presence: go offline", "operator_id", id, "err", err)
			}
		}
	}
}

// sweep starts the grace period of every operator who is not offline yet
// has no stream and no grace period running, and runs assignment.
func (p *PresenceTracker) sweep(ctx context.Context) {
	present, err := p.engine.store.OperatorsPresent(ctx)
	if err != nil {
		p.log.ErrorContext(ctx, "presence: list operators", "err", err)
		return
	}
	p.mu.Lock()
	for _, op := range present {
		if _, running := p.timers[op.ID]; !running && p.broker.OperatorStreams(op.ID) == 0 && p.pending[op.ID] == "" {
			p.startGrace(op.ID)
		}
	}
	p.mu.Unlock()
	if _, err := p.engine.AssignWaiting(ctx); err != nil {
		p.log.ErrorContext(ctx, "automatic assignment failed", "err", err)
	}
}

func (p *PresenceTracker) stopTimers() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for id, t := range p.timers {
		t.Stop()
		delete(p.timers, id)
	}
}
