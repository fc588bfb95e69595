package events

import (
	"context"
	"encoding/json"
	"sync"
	"sync/atomic"
	"time"

	"github.com/switchboardhq/switchboard/metrics"
)

// Broker delivers events to subscribers. A subscriber that falls behind
// loses events rather than slowing everybody (it is told with a gap in ids
// and can reload).
type Broker struct {
	mu     sync.RWMutex
	subs   map[*Subscription]struct{}
	nextID atomic.Uint64
	// recent keeps the latest events published here for replay, when no
	// transport keeps them.
	recent ring
	// transport, when set, carries every event to every process; the
	// broker then only delivers what the transport hands back.
	transport Transport
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
	b := &Broker{subs: map[*Subscription]struct{}{}, streams: map[uint64]int{}, recent: newRing(RecentEvents)}
	// Ids start from the clock, so they still grow across a restart and a
	// stream reopened with an id from before it is told to reload rather
	// than given the wrong events; microseconds stay below 2^53, exact in
	// JavaScript.
	b.nextID.Store(uint64(time.Now().UnixMicro()))
	return b
}

// UseTransport makes t carry published events. Call it before anything is
// published or subscribed.
func (b *Broker) UseTransport(t Transport) { b.transport = t }

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
	lost       atomic.Bool
}

// Lost reports whether events were dropped for this subscriber since the
// last call (it fell more than SubscriberBuffer behind); the subscriber can
// fetch them with Broker.Since.
func (s *Subscription) Lost() bool { return s.lost.Swap(false) }

// SubscriberBuffer is how many events a slow subscriber may lag behind
// before it must fetch what it missed with Since.
const SubscriberBuffer = 256

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
// closing their Done: for a deactivated operator or a reset password. With
// a transport it tells every process, through an operator.disconnected
// event.
func (b *Broker) Disconnect(operatorID uint64) {
	b.disconnectHere(operatorID)
	if b.transport != nil {
		b.Publish(Event{Type: OperatorDisconnected, Data: Disconnected{OperatorID: operatorID}})
	}
}

// Disconnected is an operator.disconnected event's data.
type Disconnected struct {
	OperatorID uint64 `json:"operator_id"`
}

// disconnectHere ends operatorID's subscriptions in this process.
func (b *Broker) disconnectHere(operatorID uint64) {
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

// StreamingOperators returns each operator with an open subscription and
// how many they have.
func (b *Broker) StreamingOperators() map[uint64]int {
	b.mu.RLock()
	defer b.mu.RUnlock()
	out := make(map[uint64]int, len(b.streams))
	for id, n := range b.streams {
		out[id] = n
	}
	return out
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

// Publish sends ev to every subscriber without blocking; it stamps At,
// and ID unless a transport numbers events.
func (b *Broker) Publish(ev Event) {
	if b == nil {
		return
	}
	if ev.At.IsZero() {
		ev.At = time.Now().UTC()
	}
	if b.transport != nil {
		b.transport.Send(ev)
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	ev.ID = b.nextID.Add(1)
	ev.memo = &memo{}
	b.recent.add(ev)
	b.fanOut(ev)
}

// Deliver hands events a transport carried, in id order, to this
// process's subscribers.
func (b *Broker) Deliver(evs ...Event) {
	for _, ev := range evs {
		if ev.Type == OperatorDisconnected {
			b.disconnectCarried(ev)
		}
	}
	for i := range evs {
		evs[i].memo = &memo{}
	}
	b.mu.RLock()
	defer b.mu.RUnlock()
	// Each subscriber gets the whole batch before the next one gets any,
	// so a stream that wakes for the first finds the rest waiting and
	// writes them together.
	for s := range b.subs {
		for _, ev := range evs {
			s.give(ev)
		}
	}
}

// disconnectCarried ends the subscriptions an operator.disconnected event
// from another process names; its data arrives as JSON.
func (b *Broker) disconnectCarried(ev Event) {
	var d Disconnected
	switch data := ev.Data.(type) {
	case Disconnected:
		d = data
	case json.RawMessage:
		if json.Unmarshal(data, &d) != nil {
			return
		}
	}
	if d.OperatorID != 0 {
		b.disconnectHere(d.OperatorID)
	}
}

// fanOut gives ev to every subscriber that has room; the caller holds mu.
func (b *Broker) fanOut(ev Event) {
	for s := range b.subs {
		s.give(ev)
	}
}

// give hands ev to s if it has room, and otherwise notes that s lost it.
func (s *Subscription) give(ev Event) {
	select {
	case s.c <- ev:
	default:
		s.lost.Store(true)
		metrics.EventsDropped.Inc()
	}
}

// Since returns up to limit events after id, oldest first, from the
// transport or from the events kept here; ErrExpired when some of those
// events are no longer kept. A subscriber that subscribed before calling
// Since misses nothing between what Since returns and what it receives.
func (b *Broker) Since(ctx context.Context, id uint64, limit int) ([]Event, error) {
	if b.transport != nil {
		return b.transport.Since(ctx, id, limit)
	}
	b.mu.RLock()
	defer b.mu.RUnlock()
	return b.recent.since(id, b.nextID.Load(), limit)
}
