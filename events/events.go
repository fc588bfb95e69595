// Package events fans out what happens — new messages, queue changes — to
// every operator connected to the event stream. Events are published after
// the transaction that caused them commits.
package events

import (
	"sync"
	"sync/atomic"
	"time"
)

// Event types.
const (
	// MessageCreated: a message was stored in a conversation.
	MessageCreated = "message.created"
	// ConversationChanged: a conversation's state, queue or operator changed.
	ConversationChanged = "conversation.changed"
	// MessageDelivery: an outbound message's delivery state changed.
	MessageDelivery = "message.delivery"
)

// Event is one thing that happened. Data is marshalled to JSON as is.
type Event struct {
	ID             uint64    `json:"id"`
	Type           string    `json:"type"`
	ConversationID uint64    `json:"conversation_id,omitempty"`
	At             time.Time `json:"at"`
	Data           any       `json:"data,omitempty"`
}

// Broker delivers events to subscribers. A subscriber that falls behind
// loses events rather than slowing everybody (it is told with a gap in ids
// and can reload).
type Broker struct {
	mu     sync.RWMutex
	subs   map[*Subscription]struct{}
	nextID atomic.Uint64
}

// NewBroker returns a broker with no subscribers.
func NewBroker() *Broker { return &Broker{subs: map[*Subscription]struct{}{}} }

// Subscription receives events on C until Close.
type Subscription struct {
	C <-chan Event
	// OperatorID is who listens; 0 for an anonymous listener.
	OperatorID uint64
	c          chan Event
	b          *Broker
	dropped    atomic.Uint64
	once       sync.Once
}

// SubscriberBuffer is how many events a slow subscriber may lag behind.
const SubscriberBuffer = 256

// Subscribe starts a subscription for operatorID (0 for none). An operator
// with an open subscription counts as online.
func (b *Broker) Subscribe(operatorID uint64) *Subscription {
	c := make(chan Event, SubscriberBuffer)
	s := &Subscription{C: c, c: c, b: b, OperatorID: operatorID}
	b.mu.Lock()
	b.subs[s] = struct{}{}
	b.mu.Unlock()
	return s
}

// Close ends the subscription.
func (s *Subscription) Close() {
	s.once.Do(func() {
		s.b.mu.Lock()
		delete(s.b.subs, s)
		s.b.mu.Unlock()
	})
}

// Dropped counts events this subscriber missed by being slow.
func (s *Subscription) Dropped() uint64 { return s.dropped.Load() }

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
	seen := map[uint64]bool{}
	for s := range b.subs {
		if s.OperatorID != 0 {
			seen[s.OperatorID] = true
		}
	}
	return len(seen)
}

// Publish sends ev to every subscriber without blocking; it stamps ID and At.
func (b *Broker) Publish(ev Event) {
	if b == nil {
		return
	}
	ev.ID = b.nextID.Add(1)
	if ev.At.IsZero() {
		ev.At = time.Now().UTC()
	}
	b.mu.RLock()
	defer b.mu.RUnlock()
	for s := range b.subs {
		select {
		case s.c <- ev:
		default:
			s.dropped.Add(1)
		}
	}
}
