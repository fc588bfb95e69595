package callback

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/switchboardhq/switchboard/callback/policy"
	"github.com/switchboardhq/switchboard/storage"
)

// How long the connect step waits for the dialer to record the call just
// placed, and how often it looks.
const (
	recordWait = 3 * time.Second
	recordPoll = 50 * time.Millisecond
)

// Connect is what the connect step tells the operator who answered a
// callback's call, and whom it dials.
type Connect struct {
	Callback storage.Callback
	// Ticket is the request's number (SB-000042), "" when the callback
	// belongs to none.
	Ticket string
	// Customer is the customer's name, "" when unknown.
	Customer string
	// CallerID is the number the customer sees calling.
	CallerID string
	// Live is true when the call is this callback's current one and the
	// callback is still dialing: the customer is to be dialled. Otherwise
	// (cancelled meanwhile, settled, or a stale call) the operator is told
	// and the call ends.
	Live bool
	// MachineDetection asks the provider to tell a person from an
	// answering machine on the customer's leg (DialerConfig).
	MachineDetection bool
}

// ConnectCallback is the connect step: the operator answered call callSid
// of callback id. A live callback records the call as in progress, which
// a repeated request finds again and answers alike.
func (d *Dialer) ConnectCallback(ctx context.Context, id uint64, callSid string) (Connect, error) {
	cb, err := d.store.GetCallback(ctx, id)
	for deadline := time.Now().Add(recordWait); err == nil && cb.State == policy.Dialing && cb.CallSid == "" && time.Now().Before(deadline); {
		// The operator answered before the dialer recorded the call it
		// placed a moment ago: give the record a moment to land.
		select {
		case <-ctx.Done():
			return Connect{}, ctx.Err()
		case <-time.After(recordPoll):
		}
		cb, err = d.store.GetCallback(ctx, id)
	}
	if err != nil {
		return Connect{}, err
	}
	c := Connect{Callback: cb, CallerID: d.cfg.From, MachineDetection: d.cfg.MachineDetection,
		Live: cb.State == policy.Dialing && cb.CallSid != "" && cb.CallSid == callSid}
	if cb.ConversationID != nil {
		c.Ticket = storage.FormatTicket(*cb.ConversationID)
	}
	if cust, err := d.store.GetCustomer(ctx, cb.CustomerID); err == nil {
		c.Customer = cust.Name
	} else if !errors.Is(err, storage.ErrNotFound) {
		return Connect{}, err
	}
	if c.Live {
		if _, _, err := d.RecordOperatorCall(ctx, callSid, policy.CallInProgress); err != nil {
			return Connect{}, err
		}
	}
	return c, nil
}

// FinishDial applies how the customer's leg of callback id's call callSid
// ended (Twilio's DialCallStatus, with AnsweredBy when machine detection
// is on) and returns the callback as it is afterwards:
//   - completed: the customer was reached; the callback is completed with
//     its operator.
//   - busy, no-answer, failed (or a machine answering): tried again after
//     the retry policy's wait, moved out of the customer's quiet hours and
//     into business hours; after the callback's last attempt it fails and
//     the customer is told through their own channel.
//   - canceled: the operator hung up before the customer answered; the
//     callback is scheduled again at once, the attempt not counted.
//
// A result for a callback no longer dialing that call (Twilio redelivered
// it, or the callback was cancelled) changes nothing and returns the
// callback as it is.
func (d *Dialer) FinishDial(ctx context.Context, id uint64, callSid, dialStatus, answeredBy string) (storage.Callback, error) {
	cb, err := d.store.GetCallback(ctx, id)
	if err != nil {
		return cb, err
	}
	if cb.State != policy.Dialing || cb.CallSid != callSid {
		return cb, nil
	}
	now := d.now()
	outcome := policy.Outcome(dialStatus, answeredBy)
	published := false
	switch {
	case outcome == policy.CallCompleted:
		cb, err = d.store.FinishCallback(ctx, id, policy.Completed, outcome, cb.OperatorID, now)
	case outcome == policy.CallCanceled:
		cb, _, err = d.store.ReturnUndialled(ctx, id, callSid, now, "the operator hung up before the customer answered")
	default:
		retry := d.cfg.Retry
		retry.MaxAttempts = cb.MaxAttempts
		next, again := policy.NextAttempt(cb.Attempts, outcome, now, retry)
		if !again {
			cb, err = d.engine.FailCallback(ctx, id, outcome)
			published = true
			break
		}
		loc := cb.Location(d.cfg.Slots.Business.Location())
		if allowed, ok := policy.NextAllowed(next, d.cfg.Slots, loc); ok {
			next = allowed
		}
		cb, err = d.store.Reschedule(ctx, id, next, "customer's line: "+outcome)
	}
	if errors.Is(err, storage.ErrWrongState) {
		// A concurrent delivery of the same result settled it first.
		return d.store.GetCallback(ctx, id)
	}
	if err != nil {
		return cb, fmt.Errorf("apply dial result %s of callback %d: %w", outcome, id, err)
	}
	d.log.Info("callback dialled", "callback_id", id, "outcome", outcome, "state", cb.State, "attempts", cb.Attempts)
	if !published {
		d.engine.PublishCallback(cb)
	}
	d.Wake() // the operator may be free for the next callback
	return cb, nil
}
