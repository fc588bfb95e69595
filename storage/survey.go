package storage

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm/clause"
)

// Survey states. A survey is scheduled when its ticket is resolved, held
// while the ticket is reopened, sent when the question went out, scored
// when the customer gave 0 to 10, and answered once they said why (or
// skipped, with a reason, when none is to be sent).
const (
	SurveyScheduled = "scheduled"
	SurveyHeld      = "held"
	SurveySent      = "sent"
	SurveyScored    = "scored"
	SurveyAnswered  = "answered"
	SurveySkipped   = "skipped"
)

// Reasons a survey is skipped, as survey_skipped shows them.
const (
	SkipOptedOut        = "opted out"
	SkipAlreadySurveyed = "already surveyed"
	SkipCapped          = "capped"
	SkipUnreachable     = "unreachable"
	// SkipNewerRequest: the customer wrote since about something else; a
	// survey of the old ticket would be answered in the new one.
	SkipNewerRequest = "newer request"
)

// Survey is the one feedback survey of a ticket: "how likely are you to
// recommend us, 0 to 10", then one open question.
type Survey struct {
	ID uint64 `gorm:"primaryKey" json:"id"`
	// ConversationID is unique: a ticket is surveyed at most once.
	ConversationID uint64 `gorm:"not null;uniqueIndex" json:"conversation_id"`
	CustomerID     uint64 `gorm:"not null;index" json:"customer_id"`
	Channel        string `gorm:"size:32;not null" json:"channel"`
	// OperatorID handled the ticket: the score counts for them.
	OperatorID *uint64 `json:"operator_id,omitempty"`
	State      string  `gorm:"size:16;not null;index:idx_survey_due,priority:1" json:"state"`
	// DueAt is when a scheduled survey is to go out.
	DueAt      time.Time  `gorm:"not null;index:idx_survey_due,priority:2" json:"due_at"`
	SkipReason string     `gorm:"size:32;not null;default:''" json:"skip_reason,omitempty"`
	SentAt     *time.Time `json:"sent_at,omitempty"`
	// Score is 0 to 10 once given.
	Score    *int       `json:"score,omitempty"`
	ScoredAt *time.Time `gorm:"index" json:"scored_at,omitempty"`
	// CommentID is the customer's message answering the open question.
	CommentID   *uint64    `json:"comment_id,omitempty"`
	CommentedAt *time.Time `json:"commented_at,omitempty"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
}

// Sent reports whether the survey's question went out.
func (s Survey) Sent() bool {
	return s.State == SurveySent || s.State == SurveyScored || s.State == SurveyAnswered
}

// ScheduleSurvey plans the survey of the resolved conversation conv: due
// at due, or skipped for reason when reason is set. A survey planned
// before and not yet sent is planned afresh (the ticket was reopened and
// resolved again); one already sent is left as it is and returned, so the
// ticket is never surveyed twice.
func (s *Storage) ScheduleSurvey(ctx context.Context, conv Conversation, due time.Time, reason string) (Survey, error) {
	var out Survey
	err := s.Tx(ctx, func(tx *Storage) error {
		now := time.Now().UTC()
		state := SurveyScheduled
		if reason != "" {
			state = SurveySkipped
		}
		fresh := Survey{ConversationID: conv.ID, CustomerID: conv.CustomerID, Channel: conv.Channel,
			OperatorID: conv.OperatorID, State: state, DueAt: due.UTC(), SkipReason: reason, CreatedAt: now, UpdatedAt: now}
		res := tx.q(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&fresh)
		if res.Error != nil {
			return fmt.Errorf("schedule survey of conversation %d: %w", conv.ID, res.Error)
		}
		if res.RowsAffected == 1 {
			out = fresh
			return nil
		}
		old, err := tx.SurveyOf(ctx, conv.ID)
		if err != nil {
			return err
		}
		if old.Sent() {
			out = old
			return nil
		}
		err = tx.q(ctx).Model(&Survey{}).Where("id = ?", old.ID).Updates(map[string]any{
			"state": state, "due_at": due.UTC(), "skip_reason": reason, "operator_id": conv.OperatorID, "updated_at": now,
		}).Error
		if err != nil {
			return fmt.Errorf("reschedule survey %d: %w", old.ID, err)
		}
		out, err = tx.SurveyOf(ctx, conv.ID)
		return err
	})
	return out, err
}

// HoldSurvey keeps the scheduled survey of conversation convID from going
// out while the ticket is open again; resolving it schedules it afresh.
func (s *Storage) HoldSurvey(ctx context.Context, convID uint64) error {
	err := s.q(ctx).Model(&Survey{}).Where("conversation_id = ? AND state = ?", convID, SurveyScheduled).
		Updates(map[string]any{"state": SurveyHeld, "updated_at": time.Now().UTC()}).Error
	if err != nil {
		return fmt.Errorf("hold survey of conversation %d: %w", convID, err)
	}
	return nil
}

// SurveyOf returns the survey of conversation convID, or ErrNotFound.
func (s *Storage) SurveyOf(ctx context.Context, convID uint64) (Survey, error) {
	var sv Survey
	if err := s.forUpdate(s.q(ctx)).Where("conversation_id = ?", convID).Take(&sv).Error; err != nil {
		return sv, fmt.Errorf("survey of conversation %d: %w", convID, notFound(err))
	}
	return sv, nil
}

// SurveysOf returns the surveys of the given conversations by
// conversation id (those without one left out).
func (s *Storage) SurveysOf(ctx context.Context, convIDs []uint64) (map[uint64]Survey, error) {
	out := map[uint64]Survey{}
	if len(convIDs) == 0 {
		return out, nil
	}
	var found []Survey
	if err := s.q(ctx).Where("conversation_id IN ?", convIDs).Find(&found).Error; err != nil {
		return nil, fmt.Errorf("surveys of %d conversations: %w", len(convIDs), err)
	}
	for _, sv := range found {
		out[sv.ConversationID] = sv
	}
	return out, nil
}

// SurveysDue lists, soonest first and at most MaxListLimit, the scheduled
// surveys due at now.
func (s *Storage) SurveysDue(ctx context.Context, now time.Time) ([]Survey, error) {
	var out []Survey
	err := s.q(ctx).Where("state = ? AND due_at <= ?", SurveyScheduled, now.UTC()).
		Order("due_at ASC, id ASC").Limit(MaxListLimit).Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("list surveys due at %s: %w", now.UTC().Format(time.RFC3339), err)
	}
	return out, nil
}

// NextSurveyDue is when the next scheduled survey falls due, false when
// none is scheduled.
func (s *Storage) NextSurveyDue(ctx context.Context) (time.Time, bool, error) {
	var found []Survey
	err := s.q(ctx).Select("due_at").Where("state = ?", SurveyScheduled).Order("due_at ASC").Limit(1).Find(&found).Error
	if err != nil {
		return time.Time{}, false, fmt.Errorf("next survey due: %w", err)
	}
	if len(found) == 0 {
		return time.Time{}, false, nil
	}
	return found[0].DueAt, true, nil
}

// ErrSurveyState is returned when a survey is not in the state a change
// needs (sent twice, scored before it was sent).
var ErrSurveyState = errors.New("survey is not in a state that allows this")

// moveSurvey changes survey id from state from with changes, failing with
// ErrSurveyState when it is not in from; it returns the survey as it is
// now. A conditional update: of several processes only one moves it.
func (s *Storage) moveSurvey(ctx context.Context, id uint64, from string, changes map[string]any) (Survey, error) {
	var sv Survey
	err := s.Tx(ctx, func(tx *Storage) error {
		changes["updated_at"] = time.Now().UTC()
		res := tx.q(ctx).Model(&Survey{}).Where("id = ? AND state = ?", id, from).Updates(changes)
		if res.Error != nil {
			return fmt.Errorf("update survey %d: %w", id, res.Error)
		}
		if res.RowsAffected != 1 {
			return fmt.Errorf("survey %d is not %s: %w", id, from, ErrSurveyState)
		}
		return tx.q(ctx).Take(&sv, id).Error
	})
	return sv, err
}

// ClaimSurvey marks scheduled survey id sent at at, so exactly one of
// several processes sends it: call it in the transaction that writes the
// question. It fails with ErrSurveyState when the survey is no longer
// scheduled.
func (s *Storage) ClaimSurvey(ctx context.Context, id uint64, at time.Time) (Survey, error) {
	return s.moveSurvey(ctx, id, SurveyScheduled, map[string]any{"state": SurveySent, "sent_at": at.UTC()})
}

// PostponeSurvey moves scheduled survey id to due (out of the customer's
// quiet hours).
func (s *Storage) PostponeSurvey(ctx context.Context, id uint64, due time.Time) (Survey, error) {
	return s.moveSurvey(ctx, id, SurveyScheduled, map[string]any{"due_at": due.UTC()})
}

// SkipSurvey gives up scheduled survey id for reason.
func (s *Storage) SkipSurvey(ctx context.Context, id uint64, reason string) (Survey, error) {
	return s.moveSurvey(ctx, id, SurveyScheduled, map[string]any{"state": SurveySkipped, "skip_reason": reason})
}

// ScoreSurvey records the customer's 0 to 10 on sent survey id.
func (s *Storage) ScoreSurvey(ctx context.Context, id uint64, score int, at time.Time) (Survey, error) {
	if score < 0 || score > 10 {
		return Survey{}, fmt.Errorf("score survey %d: %d is not 0 to 10", id, score)
	}
	return s.moveSurvey(ctx, id, SurveySent, map[string]any{"state": SurveyScored, "score": score, "scored_at": at.UTC()})
}

// CommentSurvey records message messageID as the answer to scored survey
// id's open question.
func (s *Storage) CommentSurvey(ctx context.Context, id, messageID uint64, at time.Time) (Survey, error) {
	return s.moveSurvey(ctx, id, SurveyScored, map[string]any{"state": SurveyAnswered, "comment_id": messageID, "commented_at": at.UTC()})
}

// CloseSurvey ends scored survey id without a comment (the customer wrote
// about something else, or started a new request).
func (s *Storage) CloseSurvey(ctx context.Context, id uint64) (Survey, error) {
	return s.moveSurvey(ctx, id, SurveyScored, map[string]any{"state": SurveyAnswered})
}

// GetSurvey loads survey id (locked on PostgreSQL inside a transaction).
func (s *Storage) GetSurvey(ctx context.Context, id uint64) (Survey, error) {
	var sv Survey
	if err := s.forUpdate(s.q(ctx)).Take(&sv, id).Error; err != nil {
		return sv, fmt.Errorf("get survey %d: %w", id, notFound(err))
	}
	return sv, nil
}

// SkipCustomerSurveys skips, for reason, every survey of customer
// customerID still to go out (scheduled or held) — on channel, or on any
// when channel is "" — and reports how many: what the customer asked
// for shows at once, not when each falls due.
func (s *Storage) SkipCustomerSurveys(ctx context.Context, customerID uint64, channel, reason string) (int, error) {
	q := s.q(ctx).Model(&Survey{}).Where("customer_id = ? AND state IN ?", customerID, []string{SurveyScheduled, SurveyHeld})
	if channel != "" {
		q = q.Where("channel = ?", channel)
	}
	res := q.Updates(map[string]any{"state": SurveySkipped, "skip_reason": reason, "updated_at": time.Now().UTC()})
	if res.Error != nil {
		return 0, fmt.Errorf("skip surveys of customer %d: %w", customerID, res.Error)
	}
	return int(res.RowsAffected), nil
}
