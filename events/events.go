// Package events fans out what happens — new messages, queue changes — to
// every operator connected to the event stream. Events are published after
// the transaction that caused them commits.
package events

import (
	"github.com/switchboardhq/switchboard/metrics"
	"sync"
	"sync/atomic"
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

// Broker delivers events to subscribers. A subscriber that falls behind
// loses events rather than slowing everybody (it is told with a gap in ids
// and can reload).
type Broker struct {
	mu     sync.RWMutex
	subs   map[*Subscription]struct{}
	nextID atomic.Uint64
	// streams counts open subscriptions per operator.
	streams map[uint64]int

	// hookMu orders calls of the stream hooks as the changes happened.
	hookMu sync.Mutex
	hooks  []StreamHook
}

// StreamHook is told when an operator's first subscription opens (open is
// true) and when their last one closes (open is false). It runs on the
// subscribing or closing goroutine and must not block nor call back into
// the broker's Subscribe or Close.
type StreamHook func(operatorID uint64, open bool)

// NewBroker returns a broker with no subscribers.
func NewBroker() *Broker {
	return &Broker{subs: map[*Subscription]struct{}{}, streams: map[uint64]int{}}
}

// OnOperatorStreams adds a hook called when an operator's subscriptions go
// from none to one or from one to none.
func (b *Broker) OnOperatorStreams(h StreamHook) {
	b.hookMu.Lock()
	defer b.hookMu.Unlock()
	b.hooks = append(b.hooks, h)
}

// Subscription receives events on C until Close.
type Subscription struct {
	C <-chan Event
	// Done is closed when the broker disconnects the subscriber (see
	// Disconnect); the subscriber should then stop listening and Close.
	Done <-chan struct{}
	// OperatorID is who listens; 0 for an anonymous listener.
	OperatorID uint64
	c          chan Event
	done       chan struct{}
	b          *Broker
	once       sync.Once
	doneOnce   sync.Once
}

// SubscriberBuffer is how many events a slow subscriber may lag behind.
const SubscriberBuffer = 32

// Subscribe starts a subscription for operatorID (0 for none). An operator
// with an open subscription counts as online.
func (b *Broker) Subscribe(operatorID uint64) *Subscription {
	c := make(chan Event, SubscriberBuffer)
	done := make(chan struct{})
	s := &Subscription{C: c, c: c, Done: done, done: done, b: b, OperatorID: operatorID}
	b.hookMu.Lock()
	defer b.hookMu.Unlock()
	b.mu.Lock()
	b.subs[s] = struct{}{}
	first := false
	if operatorID != 0 {
		b.streams[operatorID]++
		first = b.streams[operatorID] == 1
	}
	b.mu.Unlock()
	if first {
		b.callHooks(operatorID, true)
	}
	return s
}

// Close ends the subscription.
func (s *Subscription) Close() {
	s.once.Do(func() {
		b := s.b
		b.hookMu.Lock()
		defer b.hookMu.Unlock()
		b.mu.Lock()
		delete(b.subs, s)
		last := false
		if s.OperatorID != 0 {
			b.streams[s.OperatorID]--
			if last = b.streams[s.OperatorID] <= 0; last {
				delete(b.streams, s.OperatorID)
			}
		}
		b.mu.Unlock()
		if last {
			b.callHooks(s.OperatorID, false)
		}
	})
}

// callHooks runs the stream hooks; the caller holds hookMu.
func (b *Broker) callHooks(operatorID uint64, open bool) {
	for _, h := range b.hooks {
		h(operatorID, open)
	}
}

// Disconnect tells every subscriber listening as operatorID to stop, by
// closing their Done: for a deactivated operator or a reset password.
func (b *Broker) Disconnect(operatorID uint64) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	for s := range b.subs {
		if s.OperatorID == operatorID {
			s.doneOnce.Do(func() { close(s.done) })
		}
	}
}

// OperatorStreams counts operatorID's open subscriptions.
func (b *Broker) OperatorStreams(operatorID uint64) int {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return b.streams[operatorID]
}

// Subscribers counts open subscriptions.
func (b *Broker) Subscribers() int {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return len(b.subs)
}

// OnlineOperators counts distinct operators with an open subscription.
func (b *Broker) OnlineOperators() int {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return len(b.streams)
}

// Publish sends ev to every subscriber without blocking; it stamps ID and At.
func (b *Broker) Publish(ev Event) {
	if b == nil {
		return
	}
	ev.ID = b.nextID.Add(1)
	ev.memo = &memo{}
	if ev.At.IsZero() {
		ev.At = time.Now().UTC()
	}
	b.mu.RLock()
	defer b.mu.RUnlock()
	for s := range b.subs {
		select {
		case s.c <- ev:
		default:
			metrics.EventsDropped.Inc()
		}
	}
}
