package storage

import (
	"context"
	"fmt"
	"time"
)

// Message directions.
const (
	Inbound  = "in"
	Outbound = "out"
	// Internal is a note between operators: stored and shown to them,
	// never queued for delivery, never shown to the customer.
	Internal = "internal"
)

// KindNote is the kind of an operator's private note (direction Internal).
const KindNote = "note"

// Message authors.
const (
	AuthorCustomer = "customer"
	AuthorBot      = "bot"
	AuthorOperator = "operator"
	AuthorSystem   = "system"
)

// Delivery states of outbound messages.
const (
	DeliveryPending = "pending"
	DeliverySent    = "sent"
	DeliveryFailed  = "failed"
)

// Message is one thing said in a conversation, by the customer, the bot or
// an operator. Files (photos, documents, voice notes, stickers) keep the
// channel's file id.
type Message struct {
	ID             uint64  `gorm:"primaryKey" json:"id"`
	ConversationID uint64  `gorm:"not null;index" json:"conversation_id"`
	Direction      string  `gorm:"size:16;not null" json:"direction"`
	Author         string  `gorm:"size:16;not null" json:"author"`
	OperatorID     *uint64 `json:"operator_id,omitempty"`
	// Kind is text, command, button, photo, document, voice, sticker,
	// contact, location, video, audio, event or note.
	Kind     string `gorm:"size:16;not null" json:"kind"`
	Text     string `json:"text"`
	FileID   string `gorm:"size:256" json:"file_id,omitempty"`
	FileName string `gorm:"size:256" json:"file_name,omitempty"`
	// MediaType and MediaSize are the file's content type and size in
	// bytes as the channel announced them (empty and 0 when it did not);
	// the bytes themselves are fetched on first view (MediaFile).
	MediaType string `gorm:"size:128;not null;default:''" json:"media_type,omitempty"`
	MediaSize int64  `gorm:"not null;default:0" json:"media_size,omitempty"`
	// Channel and ExternalID identify an inbound message at its channel
	// (Telegram: the update_id); their pair is unique, which is how a
	// redelivered webhook is recognised.
	Channel    string `gorm:"size:32;not null;default:'';uniqueIndex:idx_message_external,where:external_id <> ''" json:"channel"`
	ExternalID string `gorm:"size:128;not null;default:'';uniqueIndex:idx_message_external,where:external_id <> ''" json:"-"`
	// Choices are the buttons (or numbered choices) offered with an
	// outbound message, as JSON, so operators see what the customer saw.
	Choices string `json:"-"`
	// Response is what was said back in the channel's own answer to this
	// inbound message (a call's TwiML), as JSON, for a redelivery.
	Response string `json:"-"`
	// Label sorts what a customer said about a resolved ticket, or in
	// answer to its survey: thanks, complaint or question; LabelSource
	// says whether the rules or an operator set it.
	Label       string `gorm:"size:16;not null;default:'';index:idx_message_label,priority:1" json:"label,omitempty"`
	LabelSource string `gorm:"size:16;not null;default:''" json:"label_source,omitempty"`
	// Proactive marks a message the customer did not ask for (a survey, a
	// notice from a scheduler): these count against proactive_per_day.
	Proactive     bool       `gorm:"not null;default:false" json:"proactive,omitempty"`
	DeliveryState string     `gorm:"size:16" json:"delivery_state,omitempty"`
	DeliveryError string     `gorm:"size:512" json:"delivery_error,omitempty"`
	CreatedAt     time.Time  `gorm:"index:idx_message_label,priority:2" json:"created_at"`
	DeliveredAt   *time.Time `json:"delivered_at,omitempty"`
	// CallbackID is the callback this message tells the customer about (a
	// reminder, a late notice), if any.
	CallbackID *uint64 `gorm:"index" json:"callback_id,omitempty"`
}

// InsertInbound stores an inbound message unless one with the same channel
// and external id exists. It reports false for such a duplicate.
func (s *Storage) InsertInbound(ctx context.Context, m *Message) (bool, error) {
	m.Direction = Inbound
	return s.InsertOnce(ctx, m)
}

// InsertMessage stores a message (usually outbound) and fills its id; in a
// Batch, when the batch ends.
func (s *Storage) InsertMessage(ctx context.Context, m *Message) error {
	if s.wb != nil {
		s.wb.holdMessage(m)
		return nil
	}
	if err := s.q(ctx).Create(m).Error; err != nil {
		return fmt.Errorf("insert message in conversation %d: %w", m.ConversationID, err)
	}
	return nil
}

// SeenExternals returns which of ids were stored already as inbound
// messages of channel: one query for a whole batch of events.
func (s *Storage) SeenExternals(ctx context.Context, channel string, ids []string) ([]string, error) {
	var found []string
	cond, arg := s.inList("external_id", ids)
	err := s.q(ctx).Model(&Message{}).Where("channel = ? AND "+cond+" AND external_id <> ''", channel, arg).
		Pluck("external_id", &found).Error
	if err != nil {
		return nil, fmt.Errorf("look up %d %s events: %w", len(ids), channel, err)
	}
	return found, nil
}

// ListMessages returns a conversation's messages, oldest first.
func (s *Storage) ListMessages(ctx context.Context, conversationID uint64) ([]Message, error) {
	var out []Message
	if err := s.q(ctx).Where("conversation_id = ?", conversationID).Order("id ASC").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("list messages of conversation %d: %w", conversationID, err)
	}
	return out, nil
}

// SetInboundResponse records what was said back to inbound message m.
func (s *Storage) SetInboundResponse(ctx context.Context, m *Message, response string) error {
	m.Response = response
	if s.wb != nil && m.ID == 0 {
		// Still held back by the batch: written with the message.
		return nil
	}
	if err := s.q(ctx).Model(&Message{}).Where("id = ?", m.ID).Update("response", response).Error; err != nil {
		return fmt.Errorf("record response to message %d: %w", m.ID, err)
	}
	return nil
}

// InboundResponse is what was said back to the inbound message with this
// channel and external id ("" when nothing was recorded).
func (s *Storage) InboundResponse(ctx context.Context, channel, externalID string) (string, error) {
	var m Message
	err := s.q(ctx).Select("response").Where(whereExternal, channel, externalID).Limit(1).Find(&m).Error
	if err != nil {
		return "", fmt.Errorf("response to %s/%s: %w", channel, externalID, err)
	}
	return m.Response, nil
}
