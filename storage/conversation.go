package storage

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/switchboardhq/switchboard/paging"
)

// Conversation states, as the contract names them.
const (
	StateBot      = "bot"
	StateWaiting  = "waiting"
	StateOpen     = "open"
	StateResolved = "resolved"
)

// ValidState reports whether s is one of the four conversation states.
func ValidState(s string) bool {
	switch s {
	case StateBot, StateWaiting, StateOpen, StateResolved:
		return true
	}
	return false
}

// Conversation is one request of a customer: it has a ticket number, a state,
// and the operator who handles it. The queue (state, handed_over_at, id) and
// a customer's history (customer_id, created_at, id) are indexed by the
// paging indexes (migrate_paging.go).
type Conversation struct {
	ID         uint64 `gorm:"primaryKey" json:"id"`
	CustomerID uint64 `gorm:"not null" json:"customer_id"`
	IdentityID uint64 `gorm:"not null;index:idx_conversation_identity,priority:1" json:"identity_id"`
	Channel    string `gorm:"size:32;not null" json:"channel"`
	State      string `gorm:"size:16;not null" json:"status"`
	// Step is where the customer is in the self-service menu, e.g.
	// "menu" or "answered:<option id>".
	Step       string  `gorm:"size:64" json:"-"`
	Queue      string  `gorm:"size:64" json:"queue,omitempty"`
	OperatorID *uint64 `gorm:"index" json:"operator_id,omitempty"`
	Language   string  `gorm:"size:16" json:"language,omitempty"`
	// FirstText is the customer's first words, shown in the queue.
	FirstText     string     `gorm:"size:512" json:"first_text,omitempty"`
	CreatedAt     time.Time  `gorm:"index:idx_conversation_identity,priority:2" json:"created_at"`
	UpdatedAt     time.Time  `json:"updated_at"`
	HandedOverAt  *time.Time `json:"handed_over_at,omitempty"`
	ClaimedAt     *time.Time `json:"claimed_at,omitempty"`
	ResolvedAt    *time.Time `gorm:"index" json:"resolved_at,omitempty"`
	LastMessageAt time.Time  `json:"last_message_at"`
}

// TicketPrefix starts every ticket number.
const TicketPrefix = "SB-"

// Ticket is the human-friendly request number the customer is told.
func (c Conversation) Ticket() string { return FormatTicket(c.ID) }

// FormatTicket renders a conversation id as a ticket number (SB-000042).
func FormatTicket(id uint64) string { return fmt.Sprintf("%s%06d", TicketPrefix, id) }

// ErrAlreadyClaimed is returned when another operator has the conversation.
var ErrAlreadyClaimed = errors.New("conversation is claimed by another operator")

// ErrWrongState is returned when a conversation cannot make the asked change
// from its present state.
var ErrWrongState = errors.New("conversation is not in a state that allows this")

// LatestConversation returns the newest conversation held through one
// channel identity, locked for update on PostgreSQL, or ErrNotFound.
func (s *Storage) LatestConversation(ctx context.Context, identityID uint64) (Conversation, error) {
	if s.wb != nil {
		if c, ok := s.wb.latest[identityID]; ok {
			if c == nil {
				return Conversation{}, fmt.Errorf("latest conversation of identity %d: %w", identityID, ErrNotFound)
			}
			return *c, nil
		}
	}
	return s.RereadLatestConversation(ctx, identityID)
}

// RereadLatestConversation is LatestConversation asking the database even
// inside a Batch (to find a ticket a concurrent transaction just opened),
// yet seeing the batch's own unwritten changes to what it finds.
func (s *Storage) RereadLatestConversation(ctx context.Context, identityID uint64) (Conversation, error) {
	var c Conversation
	err := s.forUpdate(s.q(ctx)).Where("identity_id = ?", identityID).Order("created_at DESC, id DESC").Limit(1).Take(&c).Error
	if err != nil {
		return c, fmt.Errorf("latest conversation of identity %d: %w", identityID, notFound(err))
	}
	if s.wb != nil {
		if p, ok := s.wb.pendingConversation(c.ID); ok {
			c = *p
		} else if known := s.wb.latest[identityID]; known == nil || known.ID != c.ID {
			// Locked only now, perhaps after another batch wrote to it:
			// ids drawn before the lock could sort this batch's messages
			// before that batch's, so draw afresh.
			s.wb.ids["messages"], s.wb.ids["outbox"] = nil, nil
		}
		cp := c
		s.wb.latest[identityID] = &cp
	}
	return c, nil
}

// CreateConversation inserts c and fills its id.
// In a Batch it is written when the batch ends, but its id (the ticket
// number) is known at once.
func (s *Storage) CreateConversation(ctx context.Context, c *Conversation) error {
	if s.wb != nil {
		ids, err := s.takeIDs(ctx, "conversations", 1)
		if err != nil {
			return fmt.Errorf("create conversation for customer %d: %w", c.CustomerID, err)
		}
		c.ID = ids[0]
		s.wb.created[c.ID] = true
		if c.CreatedAt.IsZero() {
			c.CreatedAt = time.Now().UTC()
		}
		s.wb.holdConversation(c)
		return nil
	}
	if err := s.q(ctx).Create(c).Error; err != nil {
		return fmt.Errorf("create conversation for customer %d: %w", c.CustomerID, err)
	}
	return nil
}

// SaveConversation writes every field of c; in a Batch, when the batch
// ends.
func (s *Storage) SaveConversation(ctx context.Context, c *Conversation) error {
	if s.wb != nil {
		s.wb.holdConversation(c)
		return nil
	}
	if err := s.q(ctx).Save(c).Error; err != nil {
		return fmt.Errorf("save conversation %d: %w", c.ID, err)
	}
	return nil
}

// GetConversation loads one conversation (locked on PostgreSQL inside a
// transaction).
func (s *Storage) GetConversation(ctx context.Context, id uint64) (Conversation, error) {
	var c Conversation
	if err := s.forUpdate(s.q(ctx)).Take(&c, id).Error; err != nil {
		return c, fmt.Errorf("get conversation %d: %w", id, notFound(err))
	}
	return c, nil
}

// ConversationFilter narrows ListConversations.
type ConversationFilter struct {
	State      string
	OperatorID uint64
	CustomerID uint64
	// Limit is the page size, paging.DefaultLimit when not in
	// 1..paging.MaxLimit.
	Limit int
	// Cursor continues the list after the page that handed it out; ""
	// starts at the top.
	Cursor string
}

// List sizes of the List… calls.
const (
	DefaultListLimit = paging.DefaultLimit
	MaxListLimit     = paging.MaxLimit
)

// The orders of conversation lists: the waiting queue oldest first,
// resolved ones by when they were resolved, newest first, the others by
// latest message, newest first; id breaks ties. No index of these lists
// holds last_message_at: the states listed by it (bot, open) are the live
// ones, few. (Search's walk has one, on (last_message_at, id) alone,
// migrations 14 and 19: the price is that every message's update of it
// writes that index, and on PostgreSQL every index of the table, no HOT
// update.)
var (
	queueKeyset = keyset[Conversation, timeKey]{
		list:  "conversations:queue",
		order: "handed_over_at ASC, id ASC",
		after: "(handed_over_at, id) > (?, ?)",
		args:  timeKeyArgs,
		keyOf: func(c Conversation) timeKey { return keyAt(c.HandedOverAt, c.ID) },
	}
	resolvedKeyset = keyset[Conversation, timeKey]{
		list:  "conversations:resolved",
		order: "resolved_at DESC, id DESC",
		after: "(resolved_at, id) < (?, ?)",
		args:  timeKeyArgs,
		keyOf: func(c Conversation) timeKey { return keyAt(c.ResolvedAt, c.ID) },
	}
	latestKeyset = keyset[Conversation, timeKey]{
		list:  "conversations:latest",
		order: "last_message_at DESC, id DESC",
		after: "(last_message_at, id) < (?, ?)",
		args:  timeKeyArgs,
		keyOf: func(c Conversation) timeKey { return timeKey{At: c.LastMessageAt, ID: c.ID} },
	}
)

// ListConversations returns the first page of conversations as
// ConversationPage does.
func (s *Storage) ListConversations(ctx context.Context, f ConversationFilter) ([]Conversation, error) {
	out, _, err := s.ConversationPage(ctx, f)
	return out, err
}

// ConversationPage returns one page of conversations, waiting ones oldest
// first (the queue order), resolved ones latest resolved first, others
// latest message first, with the cursor of the
// next page ("" after the last). A cursor not handed out for this order is
// a paging.ErrBadCursor.
func (s *Storage) ConversationPage(ctx context.Context, f ConversationFilter) ([]Conversation, string, error) {
	q := s.q(ctx).Model(&Conversation{})
	if f.State != "" {
		q = q.Where("state = ?", f.State)
	}
	if f.OperatorID != 0 {
		q = q.Where("operator_id = ?", f.OperatorID)
	}
	if f.CustomerID != 0 {
		q = q.Where("customer_id = ?", f.CustomerID)
	}
	ks := latestKeyset
	switch f.State {
	case StateWaiting:
		ks = queueKeyset
	case StateResolved:
		ks = resolvedKeyset
	}
	out, next, err := page(q, ks, f.Cursor, f.Limit)
	if err != nil {
		return nil, "", fmt.Errorf("list conversations: %w", err)
	}
	return out, next, nil
}

// QueuePositionCap bounds how far QueuePosition counts: beyond it the
// customer is told "at least" this many, and the count stays cheap however
// long the queue grows.
const QueuePositionCap = 1000

// QueuePosition is the 1-based place of conversation c among waiting
// conversations — how many were handed over before it, plus one — and
// whether the count stopped at QueuePositionCap.
func (s *Storage) QueuePosition(ctx context.Context, c Conversation) (int, bool, error) {
	if c.HandedOverAt == nil {
		return 0, false, nil
	}
	var n int64
	if s.wb != nil {
		var err error
		if n, err = s.queueAheadInBatch(ctx, c); err != nil {
			return 0, false, err
		}
	} else {
		var err error
		if n, err = s.queueAheadInDB(ctx, c, nil); err != nil {
			return 0, false, err
		}
	}
	n = min(n, QueuePositionCap)
	return int(n) + 1, n >= QueuePositionCap, nil
}

// queueAheadInDB counts, up to the cap, the waiting conversations stored
// ahead of c, leaving out the ids in except. Inside a Batch that has not
// read the operators' free slots yet, the same statement reads them for
// FreeSlots: a handover asks for both.
//
// On PostgreSQL it counts the shorter side of the queue: those at or
// after c, up to the cap, and when fewer, the rest from queue_tally and
// the transaction's own changes (queueWaitingSQL); only for a
// conversation that far from the queue's end does it count those ahead.
// A customer who has just joined a long queue, or asks again how it
// stands, then costs a few rows, not the cap.
func (s *Storage) queueAheadInDB(ctx context.Context, c Conversation, except []uint64) (int64, error) {
	at := *c.HandedOverAt
	q := `(SELECT count(*) FROM (SELECT 1 FROM conversations
		WHERE state = ? AND handed_over_at <= ? AND (handed_over_at < ? OR id < ?)`
	args := []any{StateWaiting, at, at, c.ID}
	if len(except) > 0 || s.dialect == Postgres {
		cond, arg := s.inIDs("id", except)
		q += ` AND NOT (` + cond + `)`
		args = append(args, arg)
	}
	q += ` LIMIT ?) AS ahead)`
	args = append(args, QueuePositionCap)
	if s.dialect == Postgres {
		// Ahead = all waiting - those at or after c - the left-out ones
		// waiting anywhere (the count after c leaves them out).
		q = `(SELECT CASE WHEN after.n < ? THEN greatest(0, ` + queueWaitingSQL + ` - after.n
			- (SELECT count(*) FROM conversations q WHERE q.id = ANY(?::bigint[]) AND ` + queuedSQL("q") + `))
		ELSE ` + q + ` END
		FROM (SELECT count(*) AS n FROM (SELECT 1 FROM conversations
			WHERE state = ? AND (handed_over_at > ? OR (handed_over_at = ? AND id >= ?)) AND NOT (id = ANY(?::bigint[]))
			LIMIT ?) AS rest) AS after)`
		ids := pgIDArray(except)
		args = append([]any{QueuePositionCap, ids}, append(args, StateWaiting, at, at, c.ID, ids, QueuePositionCap)...)
	}
	var n int64
	if s.wb != nil && s.wb.freeSlots == nil {
		var row struct{ Ahead, Free int64 }
		err := s.q(ctx).Raw(`SELECT `+q+` AS ahead, (`+freeSlotsQuery+`) AS free`,
			append(args, StateOpen, true, PresenceOnline)...).Scan(&row).Error
		if err != nil {
			return 0, fmt.Errorf("queue position of conversation %d: %w", c.ID, err)
		}
		free := int(row.Free)
		s.wb.freeSlots = &free
		return row.Ahead, nil
	}
	if err := s.q(ctx).Raw(`SELECT `+q, args...).Scan(&n).Error; err != nil {
		return 0, fmt.Errorf("queue position of conversation %d: %w", c.ID, err)
	}
	return n, nil
}

// waitsAhead tells whether o waits in the queue ahead of c.
func waitsAhead(o, c Conversation) bool {
	return o.ID != c.ID && o.State == StateWaiting && o.HandedOverAt != nil &&
		!o.HandedOverAt.After(*c.HandedOverAt) && (o.HandedOverAt.Before(*c.HandedOverAt) || o.ID < c.ID)
}

// CountByState counts conversations per state, for metrics and the console.
func (s *Storage) CountByState(ctx context.Context) (map[string]int64, error) {
	var rows []struct {
		State string
		N     int64
	}
	if err := s.q(ctx).Model(&Conversation{}).Select("state, count(*) AS n").Group("state").Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("count conversations by state: %w", err)
	}
	out := map[string]int64{}
	for _, r := range rows {
		out[r.State] = r.N
	}
	return out, nil
}
