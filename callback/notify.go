package callback

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/switchboardhq/switchboard/callback/policy"
	"github.com/switchboardhq/switchboard/dialog"
	"github.com/switchboardhq/switchboard/storage"
)

// DefaultNotifyInterval is how often a Notifier looks for reminders and
// late notices that are due: often enough for a reminder minutes ahead,
// seldom enough to cost nothing.
const DefaultNotifyInterval = 10 * time.Second

// NotifierConfig tunes a Notifier.
type NotifierConfig struct {
	// RemindBefore is how long before a booked callback's time the
	// customer is reminded; 0 sends no reminders (config:
	// callbacks.remind_before).
	RemindBefore time.Duration
	// LateAfter is how long a callback may wait, undialled, past the
	// moment it could first be dialled before the customer is told it runs
	// late; 0 sends no late notices (config: callbacks.late_after).
	LateAfter time.Duration
	// Slots gives the business and quiet hours: a callback due when no
	// call was to be made counts as due when calling was next allowed.
	Slots policy.SlotPolicy
	// Interval spaces rounds (DefaultNotifyInterval when not above 0).
	Interval time.Duration
	// Clock is time.Now unless a test sets it.
	Clock  func() time.Time
	Logger *slog.Logger
}

// Notifier keeps customers informed while their callbacks wait: a
// reminder RemindBefore ahead of a booked time, and a notice, once, when a
// callback runs LateAfter behind. Each is written to the customer's
// channel in the transaction that marks it sent (dialog.Engine), so
// several switchboard processes on one database send each once.
type Notifier struct {
	store  *storage.Storage
	engine *dialog.Engine
	cfg    NotifierConfig
	log    *slog.Logger
}

// NewNotifier builds a notifier over store, writing to customers through
// engine. Nothing happens until Run or RunOnce.
func NewNotifier(store *storage.Storage, engine *dialog.Engine, cfg NotifierConfig) *Notifier {
	if cfg.Interval <= 0 {
		cfg.Interval = DefaultNotifyInterval
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Notifier{store: store, engine: engine, cfg: cfg, log: cfg.Logger}
}

// Run sends due reminders and late notices once per interval until ctx
// is done.
func (n *Notifier) Run(ctx context.Context) error {
	n.log.Info("callback notifier started", "remind_before", n.cfg.RemindBefore.String(), "late_after", n.cfg.LateAfter.String())
	tick := time.NewTicker(n.cfg.Interval)
	defer tick.Stop()
	for {
		if err := n.RunOnce(ctx); err != nil && ctx.Err() == nil {
			n.log.Error("callback notifier round failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}

// RunOnce is one round: send the reminders and the late notices due now.
func (n *Notifier) RunOnce(ctx context.Context) error {
	return errors.Join(n.remind(ctx), n.tellLate(ctx))
}

// remind sends every reminder due now.
func (n *Notifier) remind(ctx context.Context) error {
	due, err := n.store.RemindersDue(ctx, n.cfg.Clock(), n.cfg.RemindBefore)
	if err != nil {
		return err
	}
	return n.sendEach(ctx, "reminder", due, nil, n.engine.RemindCallback)
}

// tellLate sends a late notice for every callback running late now.
func (n *Notifier) tellLate(ctx context.Context) error {
	now := n.cfg.Clock().UTC()
	candidates, err := n.store.LateCandidates(ctx, now, n.cfg.LateAfter)
	if err != nil {
		return err
	}
	late := func(cb storage.Callback) bool { return !now.Before(n.dialableFrom(cb).Add(n.cfg.LateAfter)) }
	return n.sendEach(ctx, "late notice", candidates, late, n.engine.TellCallbackLate)
}

// sendEach sends the notice what with send to each of cbs that wants it
// (all when wants is nil), until ctx ends.
func (n *Notifier) sendEach(ctx context.Context, what string, cbs []storage.Callback,
	wants func(storage.Callback) bool, send func(context.Context, uint64) (bool, error)) error {
	var errs []error
	for _, cb := range cbs {
		if ctx.Err() != nil {
			break
		}
		if wants != nil && !wants(cb) {
			continue
		}
		sent, err := send(ctx, cb.ID)
		if sent {
			n.log.Info("callback "+what+" sent", "callback_id", cb.ID, "due_at", cb.DueAt.UTC().Format(time.RFC3339))
		}
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// dialableFrom is when cb could first be dialled: its due time (for "as
// soon as possible", when it was asked for), or when business hours and
// the customer's quiet hours next allowed a call after it.
func (n *Notifier) dialableFrom(cb storage.Callback) time.Time {
	loc := cb.Location(n.cfg.Slots.Business.Location())
	if at, ok := policy.NextAllowed(cb.DueAt, n.cfg.Slots, loc); ok {
		return at
	}
	return cb.DueAt
}
