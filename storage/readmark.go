package storage

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// ReadMark is how far one operator has read one conversation: every
// customer message with a greater id is unread for them.
type ReadMark struct {
	OperatorID     uint64    `gorm:"primaryKey;autoIncrement:false"`
	ConversationID uint64    `gorm:"primaryKey;autoIncrement:false"`
	MessageID      uint64    `gorm:"not null"`
	UpdatedAt      time.Time `gorm:"not null"`
}

// MarkRead records that operatorID has read conversationID up to messageID.
// A mark never moves back: an older message id leaves it where it is.
func (s *Storage) MarkRead(ctx context.Context, operatorID, conversationID, messageID uint64, at time.Time) error {
	m := ReadMark{OperatorID: operatorID, ConversationID: conversationID, MessageID: messageID, UpdatedAt: at}
	err := s.q(ctx).Clauses(clause.OnConflict{
		Columns: []clause.Column{{Name: "operator_id"}, {Name: "conversation_id"}},
		DoUpdates: clause.Assignments(map[string]any{
			"message_id": gorm.Expr("CASE WHEN excluded.message_id > read_marks.message_id THEN excluded.message_id ELSE read_marks.message_id END"),
			"updated_at": gorm.Expr("excluded.updated_at"),
		}),
	}).Create(&m).Error
	if err != nil {
		return fmt.Errorf("mark conversation %d read by operator %d: %w", conversationID, operatorID, err)
	}
	return nil
}

// UnreadCounts counts, for each of conversationIDs, the customer's messages
// after operatorID's read mark (all of them without a mark), in one query.
// Conversations with nothing unread are absent from the map.
func (s *Storage) UnreadCounts(ctx context.Context, operatorID uint64, conversationIDs []uint64) (map[uint64]int64, error) {
	out := make(map[uint64]int64, len(conversationIDs))
	if len(conversationIDs) == 0 {
		return out, nil
	}
	var rows []struct {
		ConversationID uint64
		N              int64
	}
	err := s.q(ctx).Table("messages AS m").
		Select("m.conversation_id, count(*) AS n").
		Joins("LEFT JOIN read_marks r ON r.conversation_id = m.conversation_id AND r.operator_id = ?", operatorID).
		Where("m.conversation_id IN ? AND m.author = ? AND m.id > COALESCE(r.message_id, 0)", conversationIDs, AuthorCustomer).
		Group("m.conversation_id").
		Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("count unread messages for operator %d: %w", operatorID, err)
	}
	for _, r := range rows {
		out[r.ConversationID] = r.N
	}
	return out, nil
}

// MessageInConversation reports whether message messageID belongs to
// conversation conversationID.
func (s *Storage) MessageInConversation(ctx context.Context, conversationID, messageID uint64) (bool, error) {
	var n int64
	err := s.q(ctx).Model(&Message{}).Where("id = ? AND conversation_id = ?", messageID, conversationID).Count(&n).Error
	if err != nil {
		return false, fmt.Errorf("look up message %d in conversation %d: %w", messageID, conversationID, err)
	}
	return n > 0, nil
}
