package storage

import (
	"context"
	"errors"
	"fmt"
	"time"
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
// and the operator who handles it.
type Conversation struct {
	ID         uint64 `gorm:"primaryKey" json:"id"`
	CustomerID uint64 `gorm:"not null;index" json:"customer_id"`
	IdentityID uint64 `gorm:"not null;index:idx_conversation_identity,priority:1" json:"identity_id"`
	Channel    string `gorm:"size:32;not null" json:"channel"`
	State      string `gorm:"size:16;not null;index:idx_conversation_state_queue,priority:1" json:"status"`
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
	HandedOverAt  *time.Time `gorm:"index:idx_conversation_state_queue,priority:2" json:"handed_over_at,omitempty"`
	ClaimedAt     *time.Time `json:"claimed_at,omitempty"`
	ResolvedAt    *time.Time `json:"resolved_at,omitempty"`
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
	var c Conversation
	err := s.forUpdate(s.q(ctx)).Where("identity_id = ?", identityID).Order("created_at DESC, id DESC").Limit(1).Take(&c).Error
	if err != nil {
		return c, fmt.Errorf("latest conversation of identity %d: %w", identityID, notFound(err))
	}
	return c, nil
}

// CreateConversation inserts c and fills its id.
func (s *Storage) CreateConversation(ctx context.Context, c *Conversation) error {
	if err := s.q(ctx).Create(c).Error; err != nil {
		return fmt.Errorf("create conversation for customer %d: %w", c.CustomerID, err)
	}
	return nil
}

// SaveConversation writes every field of c.
func (s *Storage) SaveConversation(ctx context.Context, c *Conversation) error {
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
	Limit      int
}

// List sizes of ListConversations.
const (
	DefaultListLimit = 100
	MaxListLimit     = 500
)

// ListConversations returns conversations, waiting ones oldest first (the
// queue order), others newest first.
func (s *Storage) ListConversations(ctx context.Context, f ConversationFilter) ([]Conversation, error) {
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
	if f.State == StateWaiting {
		q = q.Order("handed_over_at ASC, id ASC")
	} else {
		q = q.Order("last_message_at DESC, id DESC")
	}
	limit := f.Limit
	if limit <= 0 || limit > MaxListLimit {
		limit = DefaultListLimit
	}
	var out []Conversation
	if err := q.Limit(limit).Find(&out).Error; err != nil {
		return nil, fmt.Errorf("list conversations: %w", err)
	}
	return out, nil
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
	err := s.q(ctx).Raw(`SELECT count(*) FROM (SELECT 1 FROM conversations
		WHERE state = ? AND handed_over_at <= ? AND (handed_over_at < ? OR id < ?) LIMIT ?) AS ahead`,
		StateWaiting, *c.HandedOverAt, *c.HandedOverAt, c.ID, QueuePositionCap).Scan(&n).Error
	if err != nil {
		return 0, false, fmt.Errorf("queue position of conversation %d: %w", c.ID, err)
	}
	return int(n) + 1, n >= QueuePositionCap, nil
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
