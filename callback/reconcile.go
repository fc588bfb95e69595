package callback

import (
	"context"
	"errors"
	"fmt"

	"github.com/switchboardhq/switchboard/callback/policy"
	"github.com/switchboardhq/switchboard/storage"
)

// reconcile looks after dialing callbacks whose dialer's lease ran out: the
// dialer stopped (or lost the database) without saying how the call went.
// Each is first taken over with a compare-and-set on its lease, so of
// several dialers exactly one acts on it. One without a call was never
// placed and is scheduled again at once; for one with a call, the call's
// status is fetched from the provider: a call still ringing or in progress
// is left to finish (the lease now this dialer's), a call that ended is
// applied as its status callback would have been.
func (d *Dialer) reconcile(ctx context.Context) error {
	now := d.now()
	expired, err := d.store.ExpiredDialing(ctx, now)
	if err != nil {
		return err
	}
	var errs []error
	for _, cb := range expired {
		if ctx.Err() != nil {
			break
		}
		taken, err := d.store.TakeExpiredDialing(ctx, cb.ID, d.cfg.Owner, now, d.cfg.Lease)
		if err != nil || !taken {
			errs = append(errs, err)
			continue
		}
		d.log.Info("reconciling callback with an expired lease", "callback_id", cb.ID, "previous_owner", cb.LeaseOwner, "call_sid", cb.CallSid)
		errs = append(errs, d.reconcileOne(ctx, cb))
	}
	return errors.Join(errs...)
}

// reconcileOne settles one dialing callback this dialer has just taken
// over.
func (d *Dialer) reconcileOne(ctx context.Context, cb storage.Callback) error {
	if cb.CallSid == "" {
		back, err := d.store.Reschedule(ctx, cb.ID, d.now(), "the dialer stopped before the call was placed")
		if err != nil {
			return fmt.Errorf("reschedule callback %d with no call: %w", cb.ID, err)
		}
		d.engine.PublishCallback(back)
		return nil
	}
	status, err := d.placer.CallStatus(ctx, cb.CallSid)
	if err != nil {
		// Tried again when the lease taken now runs out.
		return fmt.Errorf("fetch status of call %s of callback %d: %w", cb.CallSid, cb.ID, err)
	}
	_, _, err = d.RecordOperatorCall(ctx, cb.CallSid, status)
	return err
}

// RecordOperatorCall applies a status of the operator's leg of a callback's
// call (a status callback, or the status fetched when reconciling) and
// reports whether the call is a callback's at all, and whether anything
// changed. Statuses repeat and arrive out of order; one that does not
// advance the call (policy.CallStatusAdvances) changes nothing. When the
// operator's leg ends while the callback is still dialing:
//   - busy, no-answer, failed or canceled: the operator never answered, so
//     the customer was never called; the callback is scheduled again at
//     once and the attempt not counted.
//   - completed: the operator answered and the call ended, but the
//     customer's leg never reported (its result was lost); the callback is
//     completed with that operator rather than dialled again, so the
//     customer is not called twice.
func (d *Dialer) RecordOperatorCall(ctx context.Context, callSid, status string) (found, changed bool, err error) {
	cb, advanced, err := d.store.RecordCallStatus(ctx, callSid, status, d.now())
	if errors.Is(err, storage.ErrNotFound) {
		return false, false, nil
	} else if err != nil {
		return true, false, err
	}
	if advanced {
		d.engine.PublishCallback(cb)
	}
	if cb.State != policy.Dialing || cb.CallSid != callSid || !policy.CallFinal(cb.CallStatus) {
		return true, advanced, nil
	}
	id, ended := cb.ID, cb.CallStatus
	var moved bool
	if ended == policy.CallCompleted {
		cb, err = d.store.FinishCallback(ctx, cb.ID, policy.Completed, policy.CallCompleted, cb.OperatorID, d.now())
		moved = err == nil
	} else {
		cb, moved, err = d.store.ReturnUndialled(ctx, cb.ID, callSid, d.now(), "operator did not answer: "+ended)
	}
	switch {
	case errors.Is(err, storage.ErrWrongState):
		return true, advanced, nil // settled meanwhile
	case err != nil:
		return true, advanced, fmt.Errorf("settle callback %d after its call ended %s: %w", id, ended, err)
	case moved:
		d.log.Info("callback call settled from the operator's leg", "callback_id", id, "call_sid", callSid, "status", ended, "state", cb.State)
		d.engine.PublishCallback(cb)
	}
	return true, advanced || moved, nil
}
