package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/switchboardhq/switchboard/callback/policy"
)

// ActiveCallbackOfCustomer is customer customerID's newest callback that is
// scheduled or dialing, whatever conversation it belongs to; ErrNotFound
// when they have none.
func (s *Storage) ActiveCallbackOfCustomer(ctx context.Context, customerID uint64) (Callback, error) {
	var cb Callback
	err := s.q(ctx).Where("customer_id = ? AND state IN ?", customerID, []policy.State{policy.Scheduled, policy.Dialing}).
		Order("id DESC").Take(&cb).Error
	if err != nil {
		return cb, fmt.Errorf("active callback of customer %d: %w", customerID, notFound(err))
	}
	return cb, nil
}

// MoveCallback books scheduled callback id for another time: dueAt, or as
// soon as possible (by the time it was first asked for, so it keeps its
// place) when dueAt is zero. Its attempts so far still count. A callback
// that is dialing, or ended, cannot move: a CallbackStateError.
func (s *Storage) MoveCallback(ctx context.Context, id uint64, dueAt, at time.Time) (Callback, error) {
	var cb Callback
	err := s.Tx(ctx, func(tx *Storage) error {
		var err error
		if cb, err = tx.GetCallback(ctx, id); err != nil {
			return err
		}
		if cb.State != policy.Scheduled {
			return &CallbackStateError{ID: id, State: cb.State, To: policy.Scheduled}
		}
		asap := dueAt.IsZero()
		if asap {
			dueAt = cb.RequestedAt
		}
		dueAt = dueAt.UTC()
		// A new time is a new promise, and deserves its own reminder and
		// late notice.
		set := map[string]any{"due_at": dueAt, "next_attempt_at": dueAt, "promised_at": dueAt, "asap": asap, "dial_now": false,
			"reminded_at": nil, "late_notice_at": nil, "updated_at": at.UTC()}
		res := tx.q(ctx).Model(&Callback{}).Where("id = ? AND state = ?", id, policy.Scheduled).Updates(set)
		if res.Error != nil {
			return fmt.Errorf("move callback %d to %s: %w", id, dueAt.Format(time.RFC3339), res.Error)
		}
		cb, err = tx.GetCallback(ctx, id)
		return err
	})
	return cb, err
}

// LockSlot keeps other transactions from booking the slot starting at
// start until this one ends, so two customers cannot both take its last
// place: a transaction-scoped advisory lock on PostgreSQL; on SQLite the
// single writer already serialises bookings. Call it inside Tx, before
// counting the slot.
func (s *Storage) LockSlot(ctx context.Context, start time.Time) error {
	if s.Dialect() != Postgres {
		return nil
	}
	// The key: a fixed class for slots and the slot's minute.
	const slotLockClass = 0x5b07
	if err := s.q(ctx).Exec("SELECT pg_advisory_xact_lock(?, ?)", slotLockClass, int32(start.Unix()/60)).Error; err != nil {
		return fmt.Errorf("lock slot %s: %w", start.UTC().Format(time.RFC3339), err)
	}
	return nil
}
