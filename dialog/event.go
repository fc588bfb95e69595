// Package dialog is switchboard's engine: it takes channel-neutral events
// from customers and actions from operators, decides what happens — a reply,
// the menu, a handover, a resolution — and records state, messages and the
// outbox in one transaction. It knows nothing of HTTP or channel SDKs.
package dialog

import (
	"time"

	"github.com/switchboardhq/switchboard/storage"
)

// Channel names.
const (
	ChannelTelegram = "telegram"
	ChannelSMS      = "sms"
	ChannelVoice    = "voice"
)

// Kind says what a customer did.
type Kind string

// Event kinds.
const (
	// KindText is typed text.
	KindText Kind = "text"
	// KindCommand is a bot command such as /start (Command and Payload set).
	KindCommand Kind = "command"
	// KindButton is a pressed button (Button holds its data).
	KindButton Kind = "button"
	// KindMedia is a photo, document, voice note, sticker, contact or
	// location (Media set, Text holds a caption).
	KindMedia Kind = "media"
	// KindBlocked means the customer blocked the bot.
	KindBlocked Kind = "blocked"
	// KindUnblocked means the customer allowed the bot again.
	KindUnblocked Kind = "unblocked"
)

// Event is something a customer did on a channel.
type Event struct {
	// ExternalID is unique per channel (Telegram: update_id); an event
	// seen before is ignored.
	ExternalID string
	// From says who sent it and where replies go.
	From    storage.Contact
	Kind    Kind
	Text    string
	Command string
	Payload string
	Button  string
	Media   Media
	// MoreMedia are a KindMedia event's further attachments (an MMS
	// carries up to 10): each is stored as a media message of its own,
	// without text, after the first, in the same transaction.
	MoreMedia []Media
	At        time.Time
	// Inline asks for the replies in the Result instead of the outbox: the
	// channel speaks them in its answer (a voice call's TwiML). Handled
	// twice, the event gets the same replies again.
	Inline bool
}

// Media describes a file or a shared item the customer sent.
type Media struct {
	// Kind is photo, document, voice, sticker, video, audio, contact or
	// location.
	Kind     string
	FileID   string
	FileName string
	// ContentType and Size are what the channel announced of the file
	// (empty and 0 when it did not), kept for fetching it later.
	ContentType string
	Size        int64
	// Phone is set for a shared contact.
	Phone string
}

// Reply is what the engine asks a channel to deliver, channel-neutral: the
// adapter renders Buttons as an inline keyboard or a numbered list.
type Reply struct {
	Text    string     `json:"text"`
	Buttons [][]Button `json:"buttons,omitempty"`
	// Language is the language of Text, set on replies said in the
	// channel's own answer, so a call speaks them with the right voice.
	Language string `json:"language,omitempty"`
	// Hold keeps a caller on the line in the operators' queue after Text
	// (voice); other channels have nothing to do for it.
	Hold bool `json:"hold,omitempty"`
	// AskPhone, when set, is the label of a button that shares the
	// customer's phone number where the channel has one (Telegram's
	// request_contact keyboard); the text says how to type it instead.
	AskPhone string `json:"ask_phone,omitempty"`
	// ClearKeyboard takes away a keyboard AskPhone put up.
	ClearKeyboard bool `json:"clear_keyboard,omitempty"`
	// Attachment is a file an operator sent, Text its caption.
	Attachment *Attachment `json:"attachment,omitempty"`
}

// Button is one choice offered to the customer.
type Button struct {
	// Data comes back in a KindButton event; at most 64 bytes.
	Data  string `json:"data"`
	Label string `json:"label"`
}

// Result tells the caller what an event led to.
type Result struct {
	// Duplicate is true when the event had been handled before.
	Duplicate      bool
	ConversationID uint64
	Ticket         string
	State          string
	// Outbox is the number of replies queued for delivery.
	Outbox int
	// Replies are the replies of an Inline event, to be said at once.
	Replies []Reply

	items []*storage.OutboxItem
}

// Button data the engine understands. Menu options are "m:<id>".
const (
	ButtonPerson  = "op"
	ButtonHelped  = "h:y"
	buttonMenuPfx = "m:"
)
