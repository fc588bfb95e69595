package storage

import (
	"context"
	"fmt"
)

// ListOutbox returns every outbox item written for a conversation, whatever
// its state, oldest first: what the customer was (or will be) sent, in order.
func (s *Storage) ListOutbox(ctx context.Context, conversationID uint64) ([]OutboxItem, error) {
	var out []OutboxItem
	if err := s.q(ctx).Where("conversation_id = ?", conversationID).Order("id ASC").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("list outbox of conversation %d: %w", conversationID, err)
	}
	return out, nil
}
