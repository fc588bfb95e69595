package storage

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/switchboardhq/switchboard/callback/policy"
)

// ErrLeaseLost is returned when a dialer records a call on a callback it no
// longer holds: the lease was taken over, or the callback was cancelled.
var ErrLeaseLost = errors.New("callback is no longer leased to this dialer")

// ClaimDueCallbacks leases up to limit due callbacks to owner until now +
// lease and moves them to dialing: scheduled ones whose next attempt is due
// at now and that no lease holds, "as soon as possible" first by when they
// were asked for, then by due time. On PostgreSQL rows another transaction
// is claiming are skipped (FOR UPDATE SKIP LOCKED), so several instances
// share the work without waiting on each other; on SQLite the single writer
// serialises claims. A callback claimed is never claimed again: one whose
// lease ran out stays dialing and is found by ExpiredDialing. Claiming
// clears the previous attempt's call sid, call status and operator.
func (s *Storage) ClaimDueCallbacks(ctx context.Context, now time.Time, owner string, lease time.Duration, limit int) ([]Callback, error) {
	if limit <= 0 {
		return nil, nil
	}
	now = now.UTC()
	var out []Callback
	err := s.Tx(ctx, func(tx *Storage) error {
		q := tx.q(ctx).Model(&Callback{}).
			Where("state = ? AND next_attempt_at <= ? AND (locked_until IS NULL OR locked_until < ?)", policy.Scheduled, now, now).
			Order(claimOrder).Limit(limit)
		if tx.dialect == Postgres {
			q = q.Clauses(skipLocked())
		}
		if err := q.Find(&out).Error; err != nil {
			return fmt.Errorf("select due callbacks: %w", err)
		}
		if len(out) == 0 {
			return nil
		}
		ids := make([]uint64, len(out))
		until := now.Add(lease)
		for i := range out {
			ids[i] = out[i].ID
			out[i].State, out[i].LeaseOwner, out[i].LockedUntil, out[i].UpdatedAt = policy.Dialing, owner, &until, now
			out[i].CallSid, out[i].CallStatus, out[i].OperatorID = "", "", nil
		}
		// The previous attempt's call and operator are forgotten, so a late
		// status of that call cannot touch this attempt, nor a stale sid be
		// taken for this attempt's when reconciling.
		res := tx.q(ctx).Model(&Callback{}).Where(tx.inIDs("id", ids)).Where("state = ?", policy.Scheduled).
			Updates(map[string]any{"state": policy.Dialing, "lease_owner": owner, "locked_until": until, "updated_at": now,
				"call_sid": "", "call_status": "", "operator_id": nil})
		if res.Error != nil {
			return fmt.Errorf("lease %d callbacks to %s: %w", len(ids), owner, res.Error)
		}
		if res.RowsAffected != int64(len(ids)) {
			// Cannot happen with the row locks or the single writer; if it
			// did, the claim is unsafe, so none of it stands.
			return fmt.Errorf("lease %d callbacks to %s: only %d were still scheduled", len(ids), owner, res.RowsAffected)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ExpiredDialing lists, oldest lease first and at most MaxListLimit, the
// dialing callbacks whose lease ran out by now: their dialer stopped
// without saying how the call went, so the call's status must be fetched
// from the provider before the callback is dialled again or finished.
func (s *Storage) ExpiredDialing(ctx context.Context, now time.Time) ([]Callback, error) {
	var out []Callback
	err := s.q(ctx).Where("state = ? AND locked_until < ?", policy.Dialing, now.UTC()).
		Order("locked_until ASC, id ASC").Limit(MaxListLimit).Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("list dialing callbacks with expired leases: %w", err)
	}
	return out, nil
}

// DialCallbackNow makes scheduled or failed callback id due at due, ahead
// of every other due callback (see claimOrder), whatever its schedule said,
// with reason (may be empty) as its last error; a failed one is scheduled
// again. at is when it was asked. A callback dialing already, completed
// or cancelled is a CallbackStateError (an ErrWrongState).
func (s *Storage) DialCallbackNow(ctx context.Context, id uint64, due time.Time, reason string, at time.Time) (Callback, error) {
	at, due = at.UTC(), due.UTC()
	var cb Callback
	err := s.Tx(ctx, func(tx *Storage) error {
		var err error
		if cb, err = tx.GetCallback(ctx, id); err != nil {
			return err
		}
		if cb.State != policy.Scheduled && cb.State != policy.Failed {
			return &CallbackStateError{ID: id, State: cb.State, To: policy.Dialing}
		}
		res := tx.q(ctx).Model(&Callback{}).Where("id = ? AND state = ?", id, cb.State).
			Updates(map[string]any{"state": policy.Scheduled, "dial_now": true, "next_attempt_at": due,
				"last_error": reason, "lease_owner": "", "locked_until": nil, "updated_at": at})
		if res.Error != nil {
			return fmt.Errorf("dial callback %d now: %w", id, res.Error)
		}
		cb, err = tx.GetCallback(ctx, id)
		return err
	})
	return cb, err
}

// RecordDial notes that owner started a call with id callSid for callback
// id: it counts an attempt, ends a "dial now", forgets the previous
// call's status and, on the first dial only, sets FirstDialedAt. It fails
// with ErrLeaseLost unless the callback is dialing under owner's lease.
func (s *Storage) RecordDial(ctx context.Context, id uint64, owner, callSid string, at time.Time) (Callback, error) {
	var cb Callback
	err := s.Tx(ctx, func(tx *Storage) error {
		res := tx.q(ctx).Model(&Callback{}).Where("id = ? AND state = ? AND lease_owner = ?", id, policy.Dialing, owner).
			Updates(map[string]any{"call_sid": callSid, "call_status": "", "dial_now": false, "attempts": gorm.Expr("attempts + 1"),
				"first_dialed_at": gorm.Expr("COALESCE(first_dialed_at, ?)", at.UTC()), "updated_at": at.UTC()})
		if res.Error != nil {
			return fmt.Errorf("record call %s of callback %d: %w", callSid, id, res.Error)
		}
		if res.RowsAffected == 0 {
			return fmt.Errorf("record call %s of callback %d by %s: %w", callSid, id, owner, ErrLeaseLost)
		}
		var err error
		cb, err = tx.GetCallback(ctx, id)
		return err
	})
	return cb, err
}

// RecordCallStatus applies a provider's status for call callSid to its
// callback, but only when policy.CallStatusAdvances allows it: statuses
// repeat and arrive out of order, and a repeated or earlier one changes
// nothing and reports false. It changes the call status alone; the caller
// then finishes or reschedules the callback on a final status. A call that
// belongs to no callback is ErrNotFound.
func (s *Storage) RecordCallStatus(ctx context.Context, callSid, status string, at time.Time) (Callback, bool, error) {
	var cb Callback
	if callSid == "" {
		return cb, false, fmt.Errorf("record call status %s: no call sid: %w", status, ErrNotFound)
	}
	changed := false
	err := s.Tx(ctx, func(tx *Storage) error {
		err := tx.forUpdate(tx.q(ctx)).Where("call_sid = ?", callSid).Take(&cb).Error
		if err != nil {
			return fmt.Errorf("find callback of call %s: %w", callSid, notFound(err))
		}
		if !policy.CallStatusAdvances(cb.CallStatus, status) {
			return nil
		}
		res := tx.q(ctx).Model(&Callback{}).Where("id = ? AND call_sid = ? AND call_status = ?", cb.ID, callSid, cb.CallStatus).
			Updates(map[string]any{"call_status": status, "updated_at": at.UTC()})
		if res.Error != nil {
			return fmt.Errorf("record status %s of call %s: %w", status, callSid, res.Error)
		}
		if changed = res.RowsAffected == 1; changed {
			cb.CallStatus, cb.UpdatedAt = status, at.UTC()
		}
		return nil
	})
	return cb, changed, err
}

// Reschedule puts a dialing or failed callback back to scheduled, due again
// at nextAttemptAt, noting why the last dial did not reach the customer; its
// lease ends. A completed or cancelled callback is a CallbackStateError.
func (s *Storage) Reschedule(ctx context.Context, id uint64, nextAttemptAt time.Time, lastError string) (Callback, error) {
	return s.moveCallback(ctx, id, policy.Scheduled, map[string]any{
		"next_attempt_at": nextAttemptAt.UTC(), "last_error": truncate(lastError, 512),
		"lease_owner": "", "locked_until": nil,
	})
}

// FinishCallback ends a dial for good at time at: to is policy.Completed
// (the customer was reached; operatorID took the call, nil when unknown) or
// policy.Failed (no attempt left), with outcome the call's last status.
// Its lease ends.
func (s *Storage) FinishCallback(ctx context.Context, id uint64, to policy.State, outcome string, operatorID *uint64, at time.Time) (Callback, error) {
	at = at.UTC()
	set := map[string]any{"outcome": truncate(outcome, 16), "updated_at": at, "lease_owner": "", "locked_until": nil}
	switch to {
	case policy.Completed:
		set["completed_at"] = at
		if operatorID != nil {
			set["operator_id"] = *operatorID
		}
	case policy.Failed:
	default:
		return Callback{}, fmt.Errorf("finish callback %d as %s: only completed or failed finish a dial", id, to)
	}
	return s.moveCallback(ctx, id, to, set)
}

// TakeExpiredDialing leases callback id to owner until now + lease when it
// is dialing with a lease that ran out by now, and reports whether it did.
// It is a compare-and-set on the lease, so of several reconcilers looking
// at one expired callback exactly one takes it.
func (s *Storage) TakeExpiredDialing(ctx context.Context, id uint64, owner string, now time.Time, lease time.Duration) (bool, error) {
	now = now.UTC()
	res := s.q(ctx).Model(&Callback{}).Where("id = ? AND state = ? AND locked_until < ?", id, policy.Dialing, now).
		Updates(map[string]any{"lease_owner": owner, "locked_until": now.Add(lease), "updated_at": now})
	if res.Error != nil {
		return false, fmt.Errorf("take expired lease of callback %d for %s: %w", id, owner, res.Error)
	}
	return res.RowsAffected == 1, nil
}

// ReturnUndialled puts callback id back to scheduled, due at
// nextAttemptAt, when its call callSid ended before the customer was
// dialled (the operator did not answer): the attempt RecordDial counted is
// taken back, since the customer was never called. It reports false, and
// changes nothing, when the callback is no longer dialing that call, so a
// repeated status changes nothing.
func (s *Storage) ReturnUndialled(ctx context.Context, id uint64, callSid string, nextAttemptAt time.Time, reason string) (Callback, bool, error) {
	var cb Callback
	moved := false
	err := s.Tx(ctx, func(tx *Storage) error {
		res := tx.q(ctx).Model(&Callback{}).Where("id = ? AND state = ? AND call_sid = ?", id, policy.Dialing, callSid).
			Updates(map[string]any{"state": policy.Scheduled, "next_attempt_at": nextAttemptAt.UTC(),
				"last_error": truncate(reason, 512), "lease_owner": "", "locked_until": nil, "updated_at": time.Now().UTC(),
				"attempts": gorm.Expr("CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END")})
		if res.Error != nil {
			return fmt.Errorf("return callback %d of call %s to the schedule: %w", id, callSid, res.Error)
		}
		moved = res.RowsAffected == 1
		var err error
		cb, err = tx.GetCallback(ctx, id)
		return err
	})
	return cb, moved, err
}

// NextDueAfter is the earliest next attempt of a scheduled callback after
// now, for a dialer to wake then rather than at its next poll; ok is false
// when none is scheduled later.
func (s *Storage) NextDueAfter(ctx context.Context, now time.Time) (time.Time, bool, error) {
	var cbs []Callback
	err := s.q(ctx).Model(&Callback{}).Select("next_attempt_at").
		Where("state = ? AND next_attempt_at > ?", policy.Scheduled, now.UTC()).
		Order("next_attempt_at ASC").Limit(1).Find(&cbs).Error
	if err != nil {
		return time.Time{}, false, fmt.Errorf("next due callback after %s: %w", now.UTC().Format(time.RFC3339), err)
	}
	if len(cbs) == 0 {
		return time.Time{}, false, nil
	}
	return cbs[0].NextAttemptAt, true, nil
}
