// Package events fans out what happens — new messages, queue changes — to
// every operator connected to the event stream. Events are published after
// the transaction that caused them commits. Alone, a Broker numbers and
// keeps recent events in process; with a Transport (package live, on
// PostgreSQL) every process's events reach every process's subscribers,
// numbered across processes.
package events

import (
	"sync"
	"time"
)

// Event types.
const (
	// MessageCreated: a message was stored in a conversation.
	MessageCreated = "message.created"
	// MessageLabelled: an operator changed a customer message's label.
	MessageLabelled = "message.labelled"
	// FollowUpChanged: a complaint or a detractor's score opened a
	// follow-up for the feedback owner, joined one, or it was closed.
	FollowUpChanged = "followup.changed"
	// ConversationChanged: a conversation's state, queue or operator changed.
	ConversationChanged = "conversation.changed"
	// MessageDelivery: an outbound message's delivery state changed.
	MessageDelivery = "message.delivery"
	// OperatorChanged: an operator's presence, capacity, role or active
	// flag changed, or an operator was added.
	OperatorChanged = "operator.changed"
	// CallbackChanged: a callback was booked, or its state or call changed.
	CallbackChanged = "callback.changed"
	// OperatorDisconnected: an operator was deactivated or their password
	// reset; every process ends their event streams.
	OperatorDisconnected = "operator.disconnected"
	// Reload: the stream could not replay what a listener missed (it is
	// older than what is kept); the listener should load everything anew.
	Reload = "reload"
)

// Event is one thing that happened. Data is marshalled to JSON as is.
type Event struct {
	ID             uint64    `json:"id"`
	Type           string    `json:"type"`
	ConversationID uint64    `json:"conversation_id,omitempty"`
	At             time.Time `json:"at"`
	Data           any       `json:"data,omitempty"`

	// memo holds the event's wire form, computed once for all subscribers.
	memo *memo
}

type memo struct {
	once sync.Once
	s    string
	err  error
}

// Encoded returns encode(ev), computing it once however many subscribers
// ask: with a thousand operators connected, an event is rendered once, not
// a thousand times.
func (ev Event) Encoded(encode func(Event) (string, error)) (string, error) {
	if ev.memo == nil {
		return encode(ev)
	}
	ev.memo.once.Do(func() { ev.memo.s, ev.memo.err = encode(ev) })
	return ev.memo.s, ev.memo.err
}
