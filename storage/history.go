package storage

import (
	"context"
	"fmt"
)

// CustomerConversations returns every conversation of a customer, through
// any of their identities on any channel, oldest first.
func (s *Storage) CustomerConversations(ctx context.Context, customerID uint64) ([]Conversation, error) {
	var out []Conversation
	if err := s.q(ctx).Where("customer_id = ?", customerID).Order("created_at ASC, id ASC").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("conversations of customer %d: %w", customerID, err)
	}
	return out, nil
}
