package live

import (
	"context"
	"time"

	"github.com/switchboardhq/switchboard/outbox"
	"github.com/switchboardhq/switchboard/storage"
)

var _ outbox.Prebooker = (*SendBudget)(nil)

// prebookFresh is how old a booking made ahead of its item's commit may be
// when Turn takes it; an older one is given back and the send booked
// anew. prebookTTL is when a booking no Turn took is given back: both
// well inside staleSend, so a booking never outlives what it holds back.
const (
	prebookFresh = time.Second
	prebookTTL   = 2 * time.Second
)

// prebooking is a send booked before its item was committed.
type prebooking struct {
	it     storage.OutboxItem
	done   chan struct{} // closed once answer and at are set
	answer turnAnswer
	at     time.Time
}

// Prebook books items' sends now, beside their commit, but for those
// whose chat is clear (chatClear: they take leased slots); see
// outbox.Prebooker. The items ask together, in one call when no booking is
// under way, or joining the next one.
func (b *SendBudget) Prebook(items []storage.OutboxItem, settled func(chatKey string) []uint64) {
	var booked []storage.OutboxItem
	var asks []*turnAsk
	for _, it := range items {
		done := settled(it.ChatKey)
		if _, clear := chatClear(it, done, b.limits.ChatInterval); !clear {
			booked = append(booked, it)
			asks = append(asks, &turnAsk{it: it, settled: done, answer: make(chan turnAnswer, 1)})
		}
	}
	if len(asks) == 0 {
		return
	}
	b.prebookMu.Lock()
	if b.prebooked == nil {
		b.prebooked = map[uint64]*prebooking{}
	}
	for _, a := range asks {
		p := &prebooking{it: a.it, done: make(chan struct{})}
		b.prebooked[a.it.ID] = p
		go func() {
			p.answer = <-a.answer
			p.at = time.Now()
			close(p.done)
		}()
	}
	b.prebookMu.Unlock()
	go b.enqueue(asks...)
	time.AfterFunc(prebookTTL, func() { b.unbook(booked) })
}

// unbook gives back the bookings of items no Turn has taken.
func (b *SendBudget) unbook(items []storage.OutboxItem) {
	for _, it := range items {
		if p := b.takePrebooking(it.ID); p != nil {
			go b.giveBack(p)
		}
	}
}

// takePrebooking removes and returns id's booking made ahead, if any.
func (b *SendBudget) takePrebooking(id uint64) *prebooking {
	b.prebookMu.Lock()
	defer b.prebookMu.Unlock()
	p := b.prebooked[id]
	delete(b.prebooked, id)
	return p
}

// giveBack waits for p's answer and ends its booking unsent, if it got
// one.
func (b *SendBudget) giveBack(p *prebooking) {
	<-p.done
	if p.answer.err == nil && p.answer.turn == "slot" {
		b.end(p.it.ChatKey, p.answer.seq, time.Time{})
	}
}

// usePrebooking waits for p's answer and returns it with when it came, or
// ok false when it cannot serve: an error, too old, or a pause asked for
// since (the booking is then given back).
func (b *SendBudget) usePrebooking(ctx context.Context, p *prebooking) (a turnAnswer, at time.Time, ok bool, err error) {
	select {
	case <-p.done:
	case <-ctx.Done():
		go b.giveBack(p)
		return turnAnswer{}, time.Time{}, false, ctx.Err()
	}
	if p.answer.err != nil || time.Since(p.at) > prebookFresh || !b.pausedUntil().Before(p.at) {
		go b.giveBack(p)
		return turnAnswer{}, time.Time{}, false, nil
	}
	return p.answer, p.at, true, nil
}
