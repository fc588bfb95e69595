package storage

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/switchboardhq/switchboard/callback/policy"
)

// ErrOperatorBusy is returned when an operator given a callback's call is
// on another callback's call already.
var ErrOperatorBusy = errors.New("operator is on another callback call")

// FreeCallbackOperators returns up to limit operators who may take a
// callback's call now: active, online, with a phone, under their capacity
// of open conversations, and on no callback's call (no dialing callback is
// theirs); the one assigned work least recently first.
func (s *Storage) FreeCallbackOperators(ctx context.Context, limit int) ([]Operator, error) {
	if limit <= 0 {
		return nil, nil
	}
	var out []Operator
	err := s.q(ctx).
		Where("active = ? AND presence = ? AND phone <> ?", true, PresenceOnline, "").
		Where("capacity > (SELECT count(*) FROM conversations WHERE conversations.operator_id = operators.id AND conversations.state = ?)", StateOpen).
		Where("NOT EXISTS (SELECT 1 FROM callbacks WHERE callbacks.operator_id = operators.id AND callbacks.state = ?)", policy.Dialing).
		Order("CASE WHEN last_assigned_at IS NULL THEN 0 ELSE 1 END, last_assigned_at ASC, id ASC").
		Limit(limit).Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("list operators free for callbacks: %w", err)
	}
	return out, nil
}

// AssignCallbackOperator gives the call of callback id, dialing under
// owner's lease, to operator operatorID, and marks the operator assigned
// at at, so calls and chats share out by who had work least recently. The
// operator's row is locked first, so two dialers giving one operator a
// call decide in turn: the second gets ErrOperatorBusy. A callback no
// longer dialing under owner's lease is ErrLeaseLost.
func (s *Storage) AssignCallbackOperator(ctx context.Context, id uint64, owner string, operatorID uint64, at time.Time) (Callback, error) {
	var cb Callback
	err := s.Tx(ctx, func(tx *Storage) error {
		var op Operator
		if err := tx.forUpdate(tx.q(ctx)).Take(&op, operatorID).Error; err != nil {
			return fmt.Errorf("lock operator %d: %w", operatorID, notFound(err))
		}
		res := tx.q(ctx).Model(&Callback{}).Where("id = ? AND state = ? AND lease_owner = ?", id, policy.Dialing, owner).
			Where("NOT EXISTS (SELECT 1 FROM callbacks other WHERE other.operator_id = ? AND other.state = ? AND other.id <> ?)",
				operatorID, policy.Dialing, id).
			Updates(map[string]any{"operator_id": operatorID, "updated_at": at.UTC()})
		if res.Error != nil {
			return fmt.Errorf("give callback %d to operator %d: %w", id, operatorID, res.Error)
		}
		var err error
		if cb, err = tx.GetCallback(ctx, id); err != nil {
			return err
		}
		switch {
		case res.RowsAffected == 1:
			// Work given: the next call (or chat) goes to someone else first.
			return tx.MarkAssigned(ctx, operatorID, at.UTC())
		case cb.State != policy.Dialing || cb.LeaseOwner != owner:
			return fmt.Errorf("give callback %d to operator %d: %w", id, operatorID, ErrLeaseLost)
		}
		return fmt.Errorf("give callback %d to operator %d: %w", id, operatorID, ErrOperatorBusy)
	})
	return cb, err
}
