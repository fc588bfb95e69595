package callback

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/switchboardhq/switchboard/callback/policy"
	"github.com/switchboardhq/switchboard/storage"
)

// maxClaimRounds bounds how often one dialer round claims again after
// putting off callbacks whose customers may not be called now.
const maxClaimRounds = 4

// noCallableTimeWait is how long a callback is put off when no moment to
// call its customer comes within the slot policy's horizon (business
// hours closed for weeks); it is looked at again then.
const noCallableTimeWait = time.Hour

// claimCallable claims up to n due callbacks whose customers may be called
// now: inside business hours and outside their quiet hours, on their own
// wall clock (from their number's country). A callback claimed when its
// customer may not be called is put off to the next moment they may, with
// no attempt counted and its place kept (as soon as possible ones go by
// when they were asked for, booked ones by their time), and the claim is
// made again for the operators it left without a call. The callbacks
// returned are leased to this dialer, even with an error.
func (d *Dialer) claimCallable(ctx context.Context, n int) ([]storage.Callback, error) {
	var (
		out  []storage.Callback
		errs []error
	)
	// Once claimed, a callback is seen through even as ctx ends: it is put
	// off, or returned to be dialled or released.
	bg := context.WithoutCancel(ctx)
	for round := 0; round < maxClaimRounds && len(out) < n && ctx.Err() == nil; round++ {
		now := d.now()
		claimed, err := d.store.ClaimDueCallbacks(ctx, now, d.cfg.Owner, d.cfg.Lease, n-len(out))
		if err != nil {
			errs = append(errs, err)
			break
		}
		putOff := 0
		for _, cb := range claimed {
			if at, later := d.callableFrom(cb, now); later {
				errs = append(errs, d.putOff(bg, cb, at))
				putOff++
				continue
			}
			out = append(out, cb)
		}
		if putOff == 0 {
			break
		}
	}
	return out, errors.Join(errs...)
}

// callableFrom is the first moment from now on at which cb's customer may
// be called, and whether that is later than now.
func (d *Dialer) callableFrom(cb storage.Callback, now time.Time) (time.Time, bool) {
	loc := cb.Location(d.cfg.Slots.Business.Location())
	at, ok := policy.NextAllowed(now, d.cfg.Slots, loc)
	if !ok {
		return now.Add(noCallableTimeWait), true
	}
	return at, at.After(now)
}

// putOff puts claimed callback cb back to scheduled, due at at, keeping
// its attempts and last error.
func (d *Dialer) putOff(ctx context.Context, cb storage.Callback, at time.Time) error {
	back, err := d.store.Reschedule(ctx, cb.ID, at, cb.LastError)
	if errors.Is(err, storage.ErrWrongState) {
		return nil // cancelled meanwhile
	} else if err != nil {
		return fmt.Errorf("put off callback %d to %s: %w", cb.ID, at.UTC().Format(time.RFC3339), err)
	}
	d.log.Info("callback put off: the customer may not be called now", "callback_id", cb.ID,
		"next_attempt_at", back.NextAttemptAt.UTC().Format(time.RFC3339))
	d.engine.PublishCallback(back)
	return nil
}
