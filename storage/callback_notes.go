package storage

import (
	"context"
	"fmt"
	"time"
)

// SetCallbackNotes replaces the operator's notes on callback id at time at,
// whatever its state (notes are kept on finished callbacks too), and
// returns the callback as it is afterwards; ErrNotFound for an unknown id.
// Only notes and updated_at are written, so a dialer changing the callback
// at the same moment loses nothing.
func (s *Storage) SetCallbackNotes(ctx context.Context, id uint64, notes string, at time.Time) (Callback, error) {
	var cb Callback
	err := s.Tx(ctx, func(tx *Storage) error {
		res := tx.q(ctx).Model(&Callback{}).Where("id = ?", id).
			Updates(map[string]any{"notes": notes, "updated_at": at.UTC()})
		if res.Error != nil {
			return fmt.Errorf("set notes of callback %d: %w", id, res.Error)
		}
		if res.RowsAffected == 0 {
			return fmt.Errorf("set notes of callback %d: %w", id, ErrNotFound)
		}
		var err error
		cb, err = tx.GetCallback(ctx, id)
		return err
	})
	return cb, err
}
