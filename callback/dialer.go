package callback

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"time"

	"github.com/switchboardhq/switchboard/callback/policy"
	"github.com/switchboardhq/switchboard/dialog"
	"github.com/switchboardhq/switchboard/storage"
)

// Defaults of a DialerConfig.
const (
	// DefaultLease is how long a dialer holds a callback it dials: well
	// over the time a round takes from claiming it to recording its call,
	// and short, because a dialer killed mid-call holds its callbacks, and
	// the operators they ring, until their leases end. A call still in
	// progress then is found so at the provider and left alone, its lease
	// taken again: one status fetch per lease for a long call.
	DefaultLease = 2 * time.Minute
	// DefaultPollInterval is how often due callbacks and free operators
	// are looked for.
	DefaultPollInterval = time.Second
	// DefaultRedialAfter is how soon a call the provider would not place
	// (a 5xx, a network error) is tried again; it counts no attempt.
	DefaultRedialAfter = 30 * time.Second
)

// maxOperatorsPerRound bounds the calls one round places.
const maxOperatorsPerRound = 100

// DialerConfig tunes a Dialer.
type DialerConfig struct {
	// Owner names this dialer in leases; unique per process
	// (DefaultOwner when empty).
	Owner string
	// Lease is how long a dialing callback stays this dialer's
	// (DefaultLease when not above 0).
	Lease time.Duration
	// PollInterval spaces rounds (DefaultPollInterval when not above 0).
	PollInterval time.Duration
	// RedialAfter is how soon a call that could not be placed is tried
	// again (DefaultRedialAfter when not above 0).
	RedialAfter time.Duration
	// PublicURL is SWITCHBOARD_PUBLIC_URL, the base of the webhook URLs
	// the provider is given.
	PublicURL string
	// From is TWILIO_PHONE_NUMBER: the number operators and customers see
	// calling.
	From string
	// Retry is when a dial that did not reach the customer is tried again
	// (config: callbacks.retry_after); each callback's own max_attempts
	// overrides its MaxAttempts.
	Retry policy.RetryPolicy
	// Slots gives the business and quiet hours a retry, and a callback due
	// when its customer may not be called, are moved out of.
	Slots policy.SlotPolicy
	// MachineDetection has the provider tell a person from an answering
	// machine on the customer's leg (config: callbacks.machine_detection);
	// a machine counts as no answer.
	MachineDetection bool
	// Clock is time.Now unless a test sets it.
	Clock  func() time.Time
	Logger *slog.Logger
}

// DefaultOwner names this process: host, process id and a random suffix,
// so two processes on one host, or one restarted, never share a lease.
func DefaultOwner() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "switchboard"
	}
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return host + ":" + strconv.Itoa(os.Getpid()) + ":" + hex.EncodeToString(b)
}

// Dialer dials due callbacks, operator first: each round it gives every
// free operator (dialog presence online, a phone, active, under capacity,
// on no other callback's call) one due callback, leased to this dialer,
// and calls the operator; the connect step dials the customer once the
// operator answers. It also reconciles callbacks whose dialer's lease ran
// out, from the call's status at the provider.
type Dialer struct {
	store  *storage.Storage
	engine *dialog.Engine
	placer Placer
	cfg    DialerConfig
	log    *slog.Logger
	// wake asks Run for a round now rather than at the next tick.
	wake chan struct{}
}

// NewDialer builds a dialer over store, telling event listeners and
// customers through engine and calling through placer. Nothing happens
// until Run or RunOnce.
func NewDialer(store *storage.Storage, engine *dialog.Engine, placer Placer, cfg DialerConfig) *Dialer {
	if cfg.Owner == "" {
		cfg.Owner = DefaultOwner()
	}
	if cfg.Lease <= 0 {
		cfg.Lease = DefaultLease
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = DefaultPollInterval
	}
	if cfg.RedialAfter <= 0 {
		cfg.RedialAfter = DefaultRedialAfter
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Dialer{store: store, engine: engine, placer: placer, cfg: cfg, log: cfg.Logger, wake: make(chan struct{}, 1)}
}

// Owner is the name this dialer leases callbacks under.
func (d *Dialer) Owner() string { return d.cfg.Owner }

func (d *Dialer) now() time.Time { return d.cfg.Clock().UTC() }

// Wake has Run start a round at once instead of at the next poll, as
// after "dial now". It never blocks; wakes while a round runs make one
// more round.
func (d *Dialer) Wake() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// Run dials and reconciles once per poll interval, and also when the next
// callback falls due or Wake is called, until ctx is done; a round under
// way when ctx ends finishes recording the calls it placed.
func (d *Dialer) Run(ctx context.Context) error {
	d.log.Info("callback dialer started", "owner", d.cfg.Owner, "lease", d.cfg.Lease.String(), "poll", d.cfg.PollInterval.String())
	for {
		if err := d.RunOnce(ctx); err != nil && ctx.Err() == nil {
			d.log.Error("callback dialer round failed", "err", err)
		}
		timer := time.NewTimer(d.untilNextRound(ctx))
		select {
		case <-ctx.Done():
			timer.Stop()
			return nil
		case <-timer.C:
		case <-d.wake:
			timer.Stop()
		}
	}
}

// minRoundGap is the least time between rounds woken by a due time, so
// callbacks due a moment apart share a round.
const minRoundGap = 10 * time.Millisecond

// untilNextRound is how long Run waits before its next round: until the
// next callback falls due, when that is sooner than a poll interval, so a
// booked time is kept to the moment rather than to the poll; at most a
// poll interval, which also finds operators come free.
func (d *Dialer) untilNextRound(ctx context.Context) time.Duration {
	now := d.now()
	at, ok, err := d.store.NextDueAfter(ctx, now)
	if err != nil || !ok {
		return d.cfg.PollInterval
	}
	return min(max(at.Sub(now), minRoundGap), d.cfg.PollInterval)
}

// RunOnce is one round: reconcile callbacks with expired leases, then dial
// due callbacks for free operators.
func (d *Dialer) RunOnce(ctx context.Context) error {
	return errors.Join(d.reconcile(ctx), d.dialDue(ctx))
}

// dialDue claims one due callback per free operator whose customer may be
// called now (claimCallable), and calls the operator.
func (d *Dialer) dialDue(ctx context.Context) error {
	ops, err := d.store.FreeCallbackOperators(ctx, maxOperatorsPerRound)
	if err != nil || len(ops) == 0 {
		return err
	}
	claimed, err := d.claimCallable(ctx, len(ops))
	errs := []error{err}
	next := 0
	for _, cb := range claimed {
		// Once claimed, a callback is seen through even as ctx ends: it is
		// released, or its call placed and recorded.
		bg := context.WithoutCancel(ctx)
		var op storage.Operator
		cb, op, next, err = d.giveOperator(bg, cb, ops, next)
		if err != nil {
			errs = append(errs, err)
			if !errors.Is(err, storage.ErrLeaseLost) {
				errs = append(errs, d.release(bg, cb))
			}
			continue
		}
		if op.ID == 0 || ctx.Err() != nil {
			errs = append(errs, d.release(bg, cb))
			continue
		}
		errs = append(errs, d.call(bg, cb, op))
	}
	return errors.Join(errs...)
}

// giveOperator gives cb's call to the first of ops from next on who is
// still free, and returns where the next callback's search starts. With
// nobody left, op is the zero Operator.
func (d *Dialer) giveOperator(ctx context.Context, cb storage.Callback, ops []storage.Operator, next int) (storage.Callback, storage.Operator, int, error) {
	for ; next < len(ops); next++ {
		given, err := d.store.AssignCallbackOperator(ctx, cb.ID, d.cfg.Owner, ops[next].ID, d.now())
		switch {
		case err == nil:
			d.engine.PublishCallback(given)
			return given, ops[next], next + 1, nil
		case errors.Is(err, storage.ErrOperatorBusy):
			continue // another dialer gave them a call since they were listed
		default:
			return cb, storage.Operator{}, next, err
		}
	}
	return cb, storage.Operator{}, next, nil
}

// release puts a claimed callback that gets no call this round back as it
// was, due when it was due.
func (d *Dialer) release(ctx context.Context, cb storage.Callback) error {
	back, err := d.store.Reschedule(ctx, cb.ID, cb.NextAttemptAt, cb.LastError)
	if errors.Is(err, storage.ErrWrongState) {
		return nil // cancelled meanwhile
	} else if err != nil {
		return fmt.Errorf("release callback %d: %w", cb.ID, err)
	}
	d.engine.PublishCallback(back)
	return nil
}

// call calls op for cb and records the call. A call the provider would not
// place is tried again soon, counting no attempt; a call this dialer may no
// longer record (its lease was taken over, the callback cancelled) is hung
// up at once, so only a recorded call ever reaches the connect step.
func (d *Dialer) call(ctx context.Context, cb storage.Callback, op storage.Operator) error {
	connect := fmt.Sprintf("%s%s?callback=%d", d.cfg.PublicURL, ConnectPath, cb.ID)
	sid, err := d.placer.PlaceCall(ctx, op.Phone, connect, d.cfg.PublicURL+StatusPath)
	if err != nil {
		d.log.Warn("callback call not placed", "callback_id", cb.ID, "operator_id", op.ID, "err", err)
		back, rerr := d.store.Reschedule(ctx, cb.ID, d.now().Add(d.cfg.RedialAfter), "place call: "+err.Error())
		if rerr != nil {
			return fmt.Errorf("reschedule callback %d after the call failed: %w", cb.ID, rerr)
		}
		d.engine.PublishCallback(back)
		return nil
	}
	dialled, err := d.store.RecordDial(ctx, cb.ID, d.cfg.Owner, sid, d.now())
	if err != nil {
		if hErr := d.placer.HangUp(ctx, sid); hErr != nil {
			err = errors.Join(err, fmt.Errorf("hang up call %s: %w", sid, hErr))
		}
		if errors.Is(err, storage.ErrLeaseLost) {
			d.log.Warn("callback call hung up: lease lost", "callback_id", cb.ID, "call_sid", sid)
			return nil
		}
		return err
	}
	d.log.Info("callback dialling operator", "callback_id", cb.ID, "operator_id", op.ID, "call_sid", sid, "attempt", dialled.Attempts)
	d.engine.PublishCallback(dialled)
	return nil
}
