package storage

import (
	"context"
	"fmt"
)

// SetMessageLabel labels message id (thanks, complaint, question, or ""
// for none) and says who did: "rules" or "operator". A credit, when not
// nil, is the operator the feedback counts for (the one who handled the
// ticket when the customer wrote), kept in the message's operator_id.
func (s *Storage) SetMessageLabel(ctx context.Context, id uint64, label, source string, credit *uint64) (Message, error) {
	var m Message
	err := s.Tx(ctx, func(tx *Storage) error {
		changes := map[string]any{"label": label, "label_source": source}
		if credit != nil {
			changes["operator_id"] = *credit
		}
		res := tx.q(ctx).Model(&Message{}).Where("id = ?", id).Updates(changes)
		if res.Error != nil {
			return fmt.Errorf("label message %d: %w", id, res.Error)
		}
		if res.RowsAffected == 0 {
			return fmt.Errorf("label message %d: %w", id, ErrNotFound)
		}
		return tx.q(ctx).Take(&m, id).Error
	})
	return m, err
}

// ConversationHasLabel reports whether a message of conversation convID
// carries label l.
func (s *Storage) ConversationHasLabel(ctx context.Context, convID uint64, l string) (bool, error) {
	var n int64
	err := s.q(ctx).Model(&Message{}).Where("conversation_id = ? AND label = ?", convID, l).Limit(1).Count(&n).Error
	if err != nil {
		return false, fmt.Errorf("look for %s in conversation %d: %w", l, convID, err)
	}
	return n > 0, nil
}

// GetMessage loads message id.
func (s *Storage) GetMessage(ctx context.Context, id uint64) (Message, error) {
	var m Message
	if err := s.q(ctx).Take(&m, id).Error; err != nil {
		return m, fmt.Errorf("get message %d: %w", id, notFound(err))
	}
	return m, nil
}
