package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/switchboardhq/switchboard/callback/policy"
)

// RemindersDue lists, soonest first and at most MaxListLimit, the booked
// callbacks whose reminder is due at now: scheduled for a time (not "as
// soon as possible"), never dialled nor asked to be dialled now, not yet
// reminded, due after now and at most remindBefore after it, and booked
// more than remindBefore ahead of their time. One booked closer to its
// time gets no reminder: its confirmation was one. A remindBefore of 0
// lists none.
func (s *Storage) RemindersDue(ctx context.Context, now time.Time, remindBefore time.Duration) ([]Callback, error) {
	if remindBefore <= 0 {
		return nil, nil
	}
	now = now.UTC()
	var found []Callback
	err := s.q(ctx).Where("state = ? AND asap = ? AND dial_now = ? AND attempts = 0 AND reminded_at IS NULL AND due_at > ? AND due_at <= ?",
		policy.Scheduled, false, false, now, now.Add(remindBefore)).
		Order("due_at ASC, id ASC").Limit(MaxListLimit).Find(&found).Error
	if err != nil {
		return nil, fmt.Errorf("list callbacks to remind at %s: %w", now.Format(time.RFC3339), err)
	}
	// The window holds only the callbacks due within remindBefore, so the
	// few booked too close to their time are left out here rather than
	// by date arithmetic that SQLite and PostgreSQL spell differently.
	out := found[:0]
	for _, cb := range found {
		if cb.RequestedAt.Add(remindBefore).Before(cb.DueAt) {
			out = append(out, cb)
		}
	}
	return out, nil
}

// ClaimReminder marks callback id reminded at time at and returns it, when
// it is still scheduled, never dialled and not reminded yet; otherwise it
// changes nothing and reports false. It is a conditional update, so of
// several processes reminding at once exactly one claims the reminder:
// call it in the transaction that writes the reminder, which then goes
// out once.
func (s *Storage) ClaimReminder(ctx context.Context, id uint64, at time.Time) (Callback, bool, error) {
	return s.claimNotice(ctx, id, "reminded_at", at)
}

// LateCandidates lists, longest overdue first and at most MaxListLimit,
// the callbacks that may be running late at now: scheduled, never dialled
// (no attempt counted), not yet told they are late, and due lateAfter or
// more before now. Whether one is late is the caller's to decide: a
// callback due outside business hours or in the customer's quiet hours
// was not to be dialled then.
func (s *Storage) LateCandidates(ctx context.Context, now time.Time, lateAfter time.Duration) ([]Callback, error) {
	if lateAfter <= 0 {
		return nil, nil
	}
	var out []Callback
	err := s.q(ctx).Where("state = ? AND attempts = 0 AND late_notice_at IS NULL AND due_at <= ?",
		policy.Scheduled, now.UTC().Add(-lateAfter)).
		Order("due_at ASC, id ASC").Limit(MaxListLimit).Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("list callbacks running late at %s: %w", now.UTC().Format(time.RFC3339), err)
	}
	return out, nil
}

// ClaimLateNotice marks callback id told it runs late at time at and
// returns it, when it is still scheduled, never dialled and not told yet;
// otherwise it changes nothing and reports false. Like ClaimReminder it
// lets exactly one of several processes send the notice, in the
// transaction that writes it.
func (s *Storage) ClaimLateNotice(ctx context.Context, id uint64, at time.Time) (Callback, bool, error) {
	return s.claimNotice(ctx, id, "late_notice_at", at)
}

// claimNotice sets column (a notice's time) of callback id to at when it
// is unset and the callback is still waiting for its first dial.
func (s *Storage) claimNotice(ctx context.Context, id uint64, column string, at time.Time) (Callback, bool, error) {
	var cb Callback
	claimed := false
	err := s.Tx(ctx, func(tx *Storage) error {
		res := tx.q(ctx).Model(&Callback{}).
			Where("id = ? AND state = ? AND attempts = 0 AND "+column+" IS NULL", id, policy.Scheduled).
			Updates(map[string]any{column: at.UTC(), "updated_at": at.UTC()})
		if res.Error != nil {
			return fmt.Errorf("set %s of callback %d: %w", column, id, res.Error)
		}
		if claimed = res.RowsAffected == 1; !claimed {
			return nil
		}
		var err error
		cb, err = tx.GetCallback(ctx, id)
		return err
	})
	return cb, claimed, err
}
