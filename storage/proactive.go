package storage

import (
	"context"
	"fmt"
	"time"
)

// ProactiveSince counts the proactive messages (Message.Proactive) written
// to customer customerID at or after since, on any channel: what
// proactive_per_day is measured against.
func (s *Storage) ProactiveSince(ctx context.Context, customerID uint64, since time.Time) (int, error) {
	var n int64
	err := s.q(ctx).Model(&Message{}).
		Joins("JOIN conversations ON conversations.id = messages.conversation_id").
		Where("conversations.customer_id = ? AND messages.proactive = ? AND messages.created_at >= ?", customerID, true, since.UTC()).
		Count(&n).Error
	if err != nil {
		return 0, fmt.Errorf("count proactive messages to customer %d: %w", customerID, err)
	}
	return int(n), nil
}

// SetProactiveOptOut records whether customer id wants nothing they did
// not ask for (surveys); replies to them are not affected.
func (s *Storage) SetProactiveOptOut(ctx context.Context, id uint64, out bool) error {
	err := s.q(ctx).Model(&Customer{}).Where("id = ?", id).
		Updates(map[string]any{"proactive_opt_out": out, "updated_at": time.Now().UTC()}).Error
	if err != nil {
		return fmt.Errorf("set proactive opt-out of customer %d: %w", id, err)
	}
	return nil
}
