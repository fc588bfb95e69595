package storage

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// Outcomes of a wait estimate: open until one of the others happens.
const (
	// OutcomeOpen: nothing has happened yet; the customer still waits.
	OutcomeOpen = ""
	// OutcomeAnswered: an operator replied in the conversation.
	OutcomeAnswered = "answered"
	// OutcomeLeft: the wait ended with no operator reply (the caller hung
	// up, the ticket was closed unanswered).
	OutcomeLeft = "left"
	// OutcomeBot: the customer was helped by the bot instead.
	OutcomeBot = "bot"
)

// WaitEstimate is one wait a customer was told — at handover, on /status,
// after a transfer or a reopen — with what happened after: a promise and
// whether it was kept. It is written in the transaction of the reply that
// tells it, and settled once, by the first of an operator's reply, the
// customer leaving, or the bot resolving the ticket.
type WaitEstimate struct {
	ID             uint64 `gorm:"primaryKey" json:"id"`
	ConversationID uint64 `gorm:"not null" json:"conversation_id"`
	// MessageID is the reply that told it.
	MessageID *uint64 `json:"message_id,omitempty"`
	Channel   string  `gorm:"size:32;not null" json:"channel"`
	// Position is the customer's 1-based place in the queue when told
	// (QueuePositionCap when the count stopped there).
	Position int `gorm:"not null" json:"position"`
	// Minutes is the wait told; nil when no number was said (a caller put
	// on hold hears only "please stay on the line").
	Minutes *int      `json:"minutes"`
	ToldAt  time.Time `gorm:"not null;index" json:"told_at"`
	// Operators were at work when it was told, and FreeSlots the
	// conversations they could still take (capacity less open ones):
	// what the learned estimate scales by. Zero on estimates recorded
	// before they were kept.
	Operators int `gorm:"not null;default:0" json:"operators"`
	FreeSlots int `gorm:"not null;default:0" json:"free_slots"`
	// Outcome is OutcomeOpen until settled, then answered, left or bot;
	// OutcomeAt is when it was settled.
	Outcome   string     `gorm:"size:16;not null;default:''" json:"outcome"`
	OutcomeAt *time.Time `json:"outcome_at,omitempty"`
	// AnsweredAt is when an operator first replied (outcome answered);
	// LeftAt when the customer left unanswered (outcome left).
	AnsweredAt *time.Time `json:"answered_at,omitempty"`
	LeftAt     *time.Time `json:"left_at,omitempty"`
}

// waitEstimateColumns are the columns a Batch writes; the id is the
// database's.
var waitEstimateColumns = []string{"conversation_id", "message_id", "channel", "position", "minutes", "told_at",
	"operators", "free_slots", "outcome", "outcome_at", "answered_at", "left_at"}

func (w *WaitEstimate) row() []any {
	return []any{w.ConversationID, w.MessageID, w.Channel, w.Position, w.Minutes, w.ToldAt, w.Operators, w.FreeSlots,
		w.Outcome, w.OutcomeAt, w.AnsweredAt, w.LeftAt}
}

// migrateWaitEstimates creates wait_estimates with a partial index on the
// open estimates of a conversation (what settling updates), adds callbacks'
// promised and first-dialled moments (backfilling the promise from the
// booking), and links messages to the callback they tell about.
func migrateWaitEstimates(tx *gorm.DB) error {
	if err := tx.AutoMigrate(&WaitEstimate{}); err != nil {
		return err
	}
	if err := tx.Exec("CREATE INDEX IF NOT EXISTS idx_wait_estimates_open ON wait_estimates (conversation_id) WHERE outcome = ''").Error; err != nil {
		return fmt.Errorf("index open wait estimates: %w", err)
	}
	if err := addColumns(tx, column{&Callback{}, "PromisedAt"}, column{&Callback{}, "FirstDialedAt"},
		column{&Message{}, "CallbackID"}); err != nil {
		return err
	}
	if err := tx.Exec("UPDATE callbacks SET promised_at = CASE WHEN asap THEN requested_at ELSE due_at END WHERE promised_at IS NULL").Error; err != nil {
		return fmt.Errorf("backfill callbacks' promised_at: %w", err)
	}
	if !tx.Migrator().HasIndex(&Message{}, "CallbackID") {
		if err := tx.Migrator().CreateIndex(&Message{}, "CallbackID"); err != nil {
			return fmt.Errorf("index messages by callback: %w", err)
		}
	}
	return nil
}

// RecordWaitEstimate stores w, told now; in a Batch, with the batch's
// other writes at its end. An empty Outcome is open.
func (s *Storage) RecordWaitEstimate(ctx context.Context, w *WaitEstimate) error {
	w.ToldAt = w.ToldAt.UTC()
	if s.wb != nil {
		s.wb.estimates = append(s.wb.estimates, w)
		return nil
	}
	if err := s.q(ctx).Create(w).Error; err != nil {
		return fmt.Errorf("record wait estimate in conversation %d: %w", w.ConversationID, err)
	}
	return nil
}

// SettleWaitEstimates gives the open wait estimates of conversation convID
// outcome (answered, left or bot) at at, with one UPDATE; estimates settled
// before keep theirs, so only the first answer counts. It reports how many
// it settled.
func (s *Storage) SettleWaitEstimates(ctx context.Context, convID uint64, outcome string, at time.Time) (int64, error) {
	at = at.UTC()
	set := map[string]any{"outcome": outcome, "outcome_at": at}
	switch outcome {
	case OutcomeAnswered:
		set["answered_at"] = at
	case OutcomeLeft:
		set["left_at"] = at
	case OutcomeBot:
	default:
		return 0, fmt.Errorf("settle wait estimates of conversation %d: unknown outcome %q", convID, outcome)
	}
	var n int64
	if s.wb != nil {
		// Estimates this batch holds are not in the table yet.
		for _, w := range s.wb.estimates {
			if w.ConversationID == convID && w.Outcome == OutcomeOpen {
				w.Outcome, w.OutcomeAt = outcome, &at
				switch outcome {
				case OutcomeAnswered:
					w.AnsweredAt = &at
				case OutcomeLeft:
					w.LeftAt = &at
				}
				n++
			}
		}
	}
	res := s.q(ctx).Model(&WaitEstimate{}).Where("conversation_id = ? AND outcome = ''", convID).Updates(set)
	if res.Error != nil {
		return n, fmt.Errorf("settle wait estimates of conversation %d as %s: %w", convID, outcome, res.Error)
	}
	return n + res.RowsAffected, nil
}

// LatestOpenWaitToldAt is when the newest wait estimate of conversation
// convID still open was told: what a caller's time in the call queue
// counts from. ErrNotFound when none is open.
func (s *Storage) LatestOpenWaitToldAt(ctx context.Context, convID uint64) (time.Time, error) {
	var out []WaitEstimate
	err := s.q(ctx).Select("told_at").Where("conversation_id = ? AND outcome = ''", convID).
		Order("told_at DESC").Limit(1).Find(&out).Error
	if err != nil {
		return time.Time{}, fmt.Errorf("latest open wait estimate of conversation %d: %w", convID, err)
	}
	if len(out) == 0 {
		return time.Time{}, ErrNotFound
	}
	return out[0].ToldAt.UTC(), nil
}

// WaitEstimates lists the wait estimates of conversation convID, oldest
// first.
func (s *Storage) WaitEstimates(ctx context.Context, convID uint64) ([]WaitEstimate, error) {
	var out []WaitEstimate
	if err := s.q(ctx).Where("conversation_id = ?", convID).Order("id ASC").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("list wait estimates of conversation %d: %w", convID, err)
	}
	return out, nil
}

// CallbackMessages lists the messages written about callback id (its
// reminder, late notice and the like), oldest first.
func (s *Storage) CallbackMessages(ctx context.Context, id uint64) ([]Message, error) {
	var out []Message
	if err := s.q(ctx).Where("callback_id = ?", id).Order("id ASC").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("list messages of callback %d: %w", id, err)
	}
	return out, nil
}

// RecentWaits lists up to limit wait estimates told since since, newest
// first, that were answered or are still open: the real waits the learned
// estimate learns from, and the waits still running.
func (s *Storage) RecentWaits(ctx context.Context, since time.Time, limit int) ([]WaitEstimate, error) {
	var out []WaitEstimate
	err := s.q(ctx).Select("position, minutes, operators, free_slots, told_at, outcome, answered_at").
		Where("told_at >= ? AND (outcome = ? OR (outcome = ? AND answered_at IS NOT NULL))", since.UTC(), OutcomeOpen, OutcomeAnswered).
		Order("told_at DESC").Limit(limit).Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("recent waits since %s: %w", since.UTC().Format(time.RFC3339), err)
	}
	return out, nil
}

// freeSlotsQuery sums the free slots of the active operators online now
// (arguments: StateOpen, true, PresenceOnline).
var freeSlotsQuery = freeSlotsSQL("?", "?", "?")

// freeSlotsSQL is freeSlotsQuery with open, active and online as given:
// placeholders, or literals where the prefetch statement reads it.
func freeSlotsSQL(open, active, online string) string {
	return `SELECT COALESCE(SUM(CASE WHEN free > 0 THEN free ELSE 0 END), 0) FROM (
		SELECT operators.capacity - (SELECT count(*) FROM conversations
			WHERE conversations.operator_id = operators.id AND conversations.state = ` + open + `) AS free
		FROM operators WHERE operators.active = ` + active + ` AND operators.presence = ` + online + `) AS slots`
}

// FreeSlots counts the conversations the operators online now could still
// take: each active online operator's capacity less their open
// conversations, never below zero. Inside a Batch it is read once: with
// the prefetch when the batch may hand over, else with the queue count
// when there is one.
func (s *Storage) FreeSlots(ctx context.Context) (int, error) {
	if s.wb != nil && s.wb.freeSlots != nil {
		return *s.wb.freeSlots, nil
	}
	var n int64
	if err := s.q(ctx).Raw(freeSlotsQuery, StateOpen, true, PresenceOnline).Scan(&n).Error; err != nil {
		return 0, fmt.Errorf("count free slots of online operators: %w", err)
	}
	if s.wb != nil {
		free := int(n)
		s.wb.freeSlots = &free
	}
	return int(n), nil
}
