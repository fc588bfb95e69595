package storage

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Follow-up kinds and states.
const (
	// FollowUpComplaint follows a message labelled a complaint.
	FollowUpComplaint = "complaint"
	// FollowUpDetractor follows a survey score of 0 to 6.
	FollowUpDetractor = "detractor"

	FollowUpOpen   = "open"
	FollowUpClosed = "closed"
)

// FollowUp is a task for the person responsible for feedback: a complaint
// or a detractor's score to look into, closed with what was decided, which
// the customer is told. A ticket has at most one open follow-up; what
// comes while it is open joins it.
type FollowUp struct {
	ID             uint64 `gorm:"primaryKey" json:"id"`
	ConversationID uint64 `gorm:"not null;index" json:"conversation_id"`
	CustomerID     uint64 `gorm:"not null" json:"customer_id"`
	// Kind is complaint or detractor: complaint wins once either came.
	Kind string `gorm:"size:16;not null" json:"kind"`
	// MessageID is the customer's complaint (or survey comment), if any.
	MessageID *uint64 `json:"message_id,omitempty"`
	// Score is the detractor's 0 to 6, if a score led to it.
	Score *int `json:"score,omitempty"`
	// Summary is what the customer said, for the task list.
	Summary string `gorm:"size:512;not null;default:''" json:"summary"`
	// OwnerID is the feedback owner it went to; nil sends it to every
	// supervisor.
	OwnerID    *uint64    `gorm:"index" json:"owner_id,omitempty"`
	State      string     `gorm:"size:16;not null;index" json:"state"`
	Decision   string     `json:"decision,omitempty"`
	ClosedByID *uint64    `json:"closed_by_id,omitempty"`
	ClosedAt   *time.Time `json:"closed_at,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	UpdatedAt  time.Time  `json:"updated_at"`
}

// OpenFollowUp records f as the open follow-up of its ticket: a new one,
// or the open one joined — a complaint outranks a detractor, the first
// message stays the one it is about with later words added to the
// summary, and the newest score is kept. It reports whether a task was
// made.
func (s *Storage) OpenFollowUp(ctx context.Context, f FollowUp) (FollowUp, bool, error) {
	var out FollowUp
	created := false
	err := s.Tx(ctx, func(tx *Storage) error {
		var found []FollowUp
		err := tx.forUpdate(tx.q(ctx)).Where("conversation_id = ? AND state = ?", f.ConversationID, FollowUpOpen).
			Order("id ASC").Limit(1).Find(&found).Error
		if err != nil {
			return fmt.Errorf("open follow-up of conversation %d: %w", f.ConversationID, err)
		}
		now := time.Now().UTC()
		if len(found) == 0 {
			f.State, f.CreatedAt, f.UpdatedAt = FollowUpOpen, now, now
			if err := tx.q(ctx).Create(&f).Error; err != nil {
				return fmt.Errorf("create follow-up of conversation %d: %w", f.ConversationID, err)
			}
			out, created = f, true
			return nil
		}
		old := found[0]
		if f.Kind == FollowUpComplaint {
			old.Kind = FollowUpComplaint
		}
		switch {
		case f.MessageID == nil:
		case old.MessageID == nil:
			old.MessageID, old.Summary = f.MessageID, f.Summary
		case !strings.Contains(old.Summary, f.Summary):
			// The first complaint stays what the task is about; later
			// words join its summary.
			old.Summary = clipRunes(old.Summary+" · "+f.Summary, 512)
		}
		if f.Score != nil {
			old.Score = f.Score
		}
		old.UpdatedAt = now
		if err := tx.q(ctx).Save(&old).Error; err != nil {
			return fmt.Errorf("join follow-up %d: %w", old.ID, err)
		}
		out = old
		return nil
	})
	return out, created, err
}

// GetFollowUp loads follow-up id (locked on PostgreSQL inside a
// transaction).
func (s *Storage) GetFollowUp(ctx context.Context, id uint64) (FollowUp, error) {
	var f FollowUp
	if err := s.forUpdate(s.q(ctx)).Take(&f, id).Error; err != nil {
		return f, fmt.Errorf("get follow-up %d: %w", id, notFound(err))
	}
	return f, nil
}

// FollowUpFilter narrows ListFollowUps.
type FollowUpFilter struct {
	State string
	// OwnerID lists those of one owner.
	OwnerID uint64
	// Limit is the page size, DefaultListLimit when not in
	// 1..MaxListLimit.
	Limit int
	// Cursor continues the list after the page that handed it out; ""
	// starts at the top.
	Cursor string
}

// The orders of follow-up lists: open ones oldest first, the others newest
// first.
var (
	oldestFollowUps = keyset[FollowUp, timeKey]{
		list:  "followups:oldest",
		order: "created_at ASC, id ASC",
		after: "(created_at, id) > (?, ?)",
		args:  timeKeyArgs,
		keyOf: func(f FollowUp) timeKey { return timeKey{At: f.CreatedAt, ID: f.ID} },
	}
	newestFollowUps = keyset[FollowUp, timeKey]{
		list:  "followups:newest",
		order: "created_at DESC, id DESC",
		after: "(created_at, id) < (?, ?)",
		args:  timeKeyArgs,
		keyOf: func(f FollowUp) timeKey { return timeKey{At: f.CreatedAt, ID: f.ID} },
	}
)

// ListFollowUps returns the first page of follow-ups as FollowUpPage does.
func (s *Storage) ListFollowUps(ctx context.Context, f FollowUpFilter) ([]FollowUp, error) {
	out, _, err := s.FollowUpPage(ctx, f)
	return out, err
}

// FollowUpPage returns one page of follow-ups, open ones oldest first (the
// order to work through them), closed ones and all of them newest first,
// with the cursor of the next page ("" after the last). A cursor not
// handed out for this order is a paging.ErrBadCursor.
func (s *Storage) FollowUpPage(ctx context.Context, f FollowUpFilter) ([]FollowUp, string, error) {
	q := s.q(ctx).Model(&FollowUp{})
	if f.State != "" {
		q = q.Where("state = ?", f.State)
	}
	if f.OwnerID != 0 {
		q = q.Where("owner_id = ?", f.OwnerID)
	}
	ks := newestFollowUps
	if f.State == FollowUpOpen {
		ks = oldestFollowUps
	}
	out, next, err := page(q, ks, f.Cursor, f.Limit)
	if err != nil {
		return nil, "", fmt.Errorf("list follow-ups: %w", err)
	}
	return out, next, nil
}

// ErrFollowUpClosed is returned when a follow-up closed before is closed
// again.
var ErrFollowUpClosed = errors.New("the follow-up is closed already")

// CloseFollowUp closes open follow-up id with decision, by operator by.
// One closed before is ErrFollowUpClosed.
func (s *Storage) CloseFollowUp(ctx context.Context, id uint64, decision string, by uint64, at time.Time) (FollowUp, error) {
	var f FollowUp
	err := s.Tx(ctx, func(tx *Storage) error {
		res := tx.q(ctx).Model(&FollowUp{}).Where("id = ? AND state = ?", id, FollowUpOpen).Updates(map[string]any{
			"state": FollowUpClosed, "decision": decision, "closed_by_id": by, "closed_at": at.UTC(), "updated_at": at.UTC(),
		})
		if res.Error != nil {
			return fmt.Errorf("close follow-up %d: %w", id, res.Error)
		}
		var err error
		if f, err = tx.GetFollowUp(ctx, id); err != nil {
			return err
		}
		if res.RowsAffected == 0 {
			return fmt.Errorf("close follow-up %d: %w", id, ErrFollowUpClosed)
		}
		return nil
	})
	return f, err
}

// clipRunes cuts s to at most n characters.
func clipRunes(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}
