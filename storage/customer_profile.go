package storage

import (
	"context"
	"fmt"

	"github.com/switchboardhq/switchboard/paging"
)

// CustomerIdentities returns every channel identity of a customer, the
// first made first.
func (s *Storage) CustomerIdentities(ctx context.Context, customerID uint64) ([]Identity, error) {
	var out []Identity
	if err := s.q(ctx).Where("customer_id = ?", customerID).Order("id ASC").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("identities of customer %d: %w", customerID, err)
	}
	return out, nil
}

// CustomerSurveyAnswers returns the latest limit (paging.Clamp) surveys a
// customer gave a score in, the latest scored first, and whether there are
// older ones.
func (s *Storage) CustomerSurveyAnswers(ctx context.Context, customerID uint64, limit int) ([]Survey, bool, error) {
	limit = paging.Clamp(limit)
	var out []Survey
	err := s.q(ctx).Where("customer_id = ? AND score IS NOT NULL", customerID).
		Order("scored_at DESC, id DESC").Limit(limit + 1).Find(&out).Error
	if err != nil {
		return nil, false, fmt.Errorf("survey answers of customer %d: %w", customerID, err)
	}
	if len(out) > limit {
		return out[:limit], true, nil
	}
	return out, false, nil
}

// CustomerNotes returns the latest limit (paging.Clamp) private notes
// operators wrote in any of a customer's conversations, the latest first,
// and whether there are older ones.
func (s *Storage) CustomerNotes(ctx context.Context, customerID uint64, limit int) ([]Message, bool, error) {
	limit = paging.Clamp(limit)
	var out []Message
	convs := s.q(ctx).Model(&Conversation{}).Select("id").Where("customer_id = ?", customerID)
	err := s.q(ctx).Where("conversation_id IN (?) AND direction = ? AND kind = ?", convs, Internal, KindNote).
		Order("created_at DESC, id DESC").Limit(limit + 1).Find(&out).Error
	if err != nil {
		return nil, false, fmt.Errorf("notes of customer %d: %w", customerID, err)
	}
	if len(out) > limit {
		return out[:limit], true, nil
	}
	return out, false, nil
}
