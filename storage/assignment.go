package storage

import (
	"context"
	"fmt"
	"time"
)

// LockAssignment serialises automatic assignment across switchboard
// instances for the rest of the transaction (PostgreSQL); SQLite's single
// writer already does.
func (s *Storage) LockAssignment(ctx context.Context) error {
	if s.dialect != Postgres || !s.inTx {
		return nil
	}
	if err := s.q(ctx).Exec("SELECT pg_advisory_xact_lock(7452002)").Error; err != nil {
		return fmt.Errorf("lock assignment: %w", err)
	}
	return nil
}

// OldestWaiting returns the conversation first in the queue, locked for
// update on PostgreSQL, or ErrNotFound when nobody waits.
func (s *Storage) OldestWaiting(ctx context.Context) (Conversation, error) {
	var c Conversation
	err := s.forUpdate(s.q(ctx)).Where("state = ?", StateWaiting).Order("handed_over_at ASC, id ASC").Limit(1).Take(&c).Error
	if err != nil {
		return c, fmt.Errorf("oldest waiting conversation: %w", notFound(err))
	}
	return c, nil
}

// NextAssignee returns the active, online operator with a free slot who was
// assigned a conversation least recently (never before first), or
// ErrNotFound.
func (s *Storage) NextAssignee(ctx context.Context) (Operator, error) {
	var o Operator
	err := s.q(ctx).
		Where("active = ? AND presence = ?", true, PresenceOnline).
		Where("capacity > (SELECT count(*) FROM conversations WHERE conversations.operator_id = operators.id AND conversations.state = ?)", StateOpen).
		Order("CASE WHEN last_assigned_at IS NULL THEN 0 ELSE 1 END, last_assigned_at ASC, id ASC").
		Limit(1).Take(&o).Error
	if err != nil {
		return o, fmt.Errorf("next operator to assign: %w", notFound(err))
	}
	return o, nil
}

// MarkAssigned records that operator id was just given a conversation.
func (s *Storage) MarkAssigned(ctx context.Context, id uint64, at time.Time) error {
	if err := s.q(ctx).Model(&Operator{}).Where("id = ?", id).Update("last_assigned_at", at).Error; err != nil {
		return fmt.Errorf("mark operator %d assigned: %w", id, err)
	}
	return nil
}

// UnansweredOpen returns operator id's open conversations in which no
// operator has replied to the customer since it was claimed, locked for
// update on PostgreSQL.
func (s *Storage) UnansweredOpen(ctx context.Context, id uint64) ([]Conversation, error) {
	var out []Conversation
	err := s.forUpdate(s.q(ctx)).
		Where("state = ? AND operator_id = ?", StateOpen, id).
		Where(`NOT EXISTS (SELECT 1 FROM messages WHERE messages.conversation_id = conversations.id
			AND messages.author = ? AND messages.direction = ?
			AND (conversations.claimed_at IS NULL OR messages.created_at >= conversations.claimed_at))`, AuthorOperator, Outbound).
		Order("id ASC").Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("unanswered conversations of operator %d: %w", id, err)
	}
	return out, nil
}
