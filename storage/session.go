package storage

import (
	"context"
	"fmt"
	"time"
)

// Session is a bearer token an operator logged in with. Only the token's
// SHA-256 is stored, so a database leak does not leak live tokens.
type Session struct {
	TokenHash  string    `gorm:"primaryKey;size:64"`
	OperatorID uint64    `gorm:"not null;index"`
	CreatedAt  time.Time `gorm:"not null"`
	ExpiresAt  time.Time `gorm:"not null"`
}

// CreateSession stores a new session.
func (s *Storage) CreateSession(ctx context.Context, sess *Session) error {
	if err := s.q(ctx).Create(sess).Error; err != nil {
		return fmt.Errorf("create session for operator %d: %w", sess.OperatorID, err)
	}
	return nil
}

// SessionOperator returns the active operator holding an unexpired session
// with this token hash, or ErrNotFound.
func (s *Storage) SessionOperator(ctx context.Context, tokenHash string, now time.Time) (Operator, error) {
	var o Operator
	err := s.q(ctx).Model(&Operator{}).
		Joins("JOIN sessions ON sessions.operator_id = operators.id").
		Where("sessions.token_hash = ? AND sessions.expires_at > ? AND operators.active = ?", tokenHash, now, true).
		Take(&o).Error
	if err != nil {
		return o, fmt.Errorf("session lookup: %w", notFound(err))
	}
	return o, nil
}

// DeleteSession ends one session (logout).
func (s *Storage) DeleteSession(ctx context.Context, tokenHash string) error {
	if err := s.q(ctx).Where("token_hash = ?", tokenHash).Delete(&Session{}).Error; err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

// DeleteOperatorSessions ends every session of operator id except the one
// whose token hash is keep (none when keep is empty), and reports how many
// it ended.
func (s *Storage) DeleteOperatorSessions(ctx context.Context, id uint64, keep string) (int64, error) {
	q := s.q(ctx).Where("operator_id = ?", id)
	if keep != "" {
		q = q.Where("token_hash <> ?", keep)
	}
	res := q.Delete(&Session{})
	if res.Error != nil {
		return 0, fmt.Errorf("delete sessions of operator %d: %w", id, res.Error)
	}
	return res.RowsAffected, nil
}
