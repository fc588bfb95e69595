package storage

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// PromisedCallback is what a report needs of a callback to judge whether
// it was dialled when promised.
type PromisedCallback struct {
	ID uint64
	// Channel is the channel the customer asked through (their identity's),
	// else their ticket's; "" when the callback has neither.
	Channel       string
	State         string
	PromisedAt    time.Time
	FirstDialedAt *time.Time
	CancelledAt   *time.Time
	// Attempts is how many calls were placed; a callback with attempts but
	// no FirstDialedAt was dialled before first dials were recorded.
	Attempts int
}

// EachWaitEstimate calls fn with every wait estimate told in [from, to),
// one row at a time (rows are streamed, not collected), in no particular
// order. It stops at fn's first error.
func (s *Storage) EachWaitEstimate(ctx context.Context, from, to time.Time, fn func(WaitEstimate) error) error {
	from, to = from.UTC(), to.UTC()
	q := s.q(ctx).Model(&WaitEstimate{}).
		Select("id, conversation_id, channel, position, minutes, told_at, outcome, outcome_at, answered_at, left_at").
		Where("told_at >= ? AND told_at < ?", from, to)
	err := eachRow(q, func(rows *sql.Rows) error {
		var w WaitEstimate
		var minutes sql.NullInt64
		var outcomeAt, answeredAt, leftAt sql.NullTime
		if err := rows.Scan(&w.ID, &w.ConversationID, &w.Channel, &w.Position, &minutes, &w.ToldAt, &w.Outcome,
			&outcomeAt, &answeredAt, &leftAt); err != nil {
			return err
		}
		if minutes.Valid {
			m := int(minutes.Int64)
			w.Minutes = &m
		}
		w.OutcomeAt, w.AnsweredAt, w.LeftAt = nullTime(outcomeAt), nullTime(answeredAt), nullTime(leftAt)
		return fn(w)
	})
	if err != nil {
		return fmt.Errorf("read wait estimates told from %s to %s: %w", from.Format(time.RFC3339), to.Format(time.RFC3339), err)
	}
	return nil
}

// EachPromisedCallback calls fn with every callback promised for a moment
// in [from, to), cancelled ones included, one row at a time, in no
// particular order. It stops at fn's first error.
func (s *Storage) EachPromisedCallback(ctx context.Context, from, to time.Time, fn func(PromisedCallback) error) error {
	from, to = from.UTC(), to.UTC()
	q := s.q(ctx).Table("callbacks").
		Select("callbacks.id, COALESCE(identities.channel, conversations.channel, ''), callbacks.state, callbacks.promised_at, "+
			"callbacks.first_dialed_at, callbacks.cancelled_at, callbacks.attempts").
		Joins("LEFT JOIN identities ON identities.id = callbacks.identity_id").
		Joins("LEFT JOIN conversations ON conversations.id = callbacks.conversation_id").
		Where("callbacks.promised_at >= ? AND callbacks.promised_at < ?", from, to)
	err := eachRow(q, func(rows *sql.Rows) error {
		var cb PromisedCallback
		var dialled, cancelled sql.NullTime
		if err := rows.Scan(&cb.ID, &cb.Channel, &cb.State, &cb.PromisedAt, &dialled, &cancelled, &cb.Attempts); err != nil {
			return err
		}
		cb.FirstDialedAt, cb.CancelledAt = nullTime(dialled), nullTime(cancelled)
		return fn(cb)
	})
	if err != nil {
		return fmt.Errorf("read callbacks promised from %s to %s: %w", from.Format(time.RFC3339), to.Format(time.RFC3339), err)
	}
	return nil
}

func nullTime(t sql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	u := t.Time.UTC()
	return &u
}
