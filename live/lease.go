package live

import (
	"context"
	"slices"
	"time"

	"github.com/switchboardhq/switchboard/outbox"
	"github.com/switchboardhq/switchboard/storage"
)

// A send whose chat's turn is known to be clear (chatClear) needs from the
// database only a place in the channel's window: a slot. Such slots are
// booked ahead in blocks — bookings without a chat, in the same
// live_send_turns call and under the same rules as any other — and handed
// out here, so a busy process asks the database once per block rather than
// once per batch of sends. A slot not taken soon after its start is given
// back, as a booking never sent.
const (
	// leaseLook is how far back the sends that took slots are counted to
	// size the next block: a block holds about as many slots as sends took
	// in that time, so a quiet channel books one at a time and holds none
	// back from other processes.
	leaseLook = 50 * time.Millisecond
	// maxLease bounds a block.
	maxLease = 16
	// slotIdle is how long after its start an untaken slot is kept.
	slotIdle = 100 * time.Millisecond
)

// leasedSlot is a booking made ahead without a chat.
type leasedSlot struct {
	seq   int64
	start time.Time
}

// chatClear tells from what its write found before it (storage.PriorItem)
// whether its chat's turn is clear without asking the database, and from
// when it may go: clear when the chat had no older item; when the older one
// is settled in this process (settled: the dispatcher has waited the
// chat's interval since that send); or when it was already sent, then
// from its sending plus the chat's interval. An older item still pending
// elsewhere, or none looked up (claimed items), leaves it to the database.
// Every later item of the chat waits for this one, so nothing can come
// between.
func chatClear(it storage.OutboxItem, settled []uint64, gap time.Duration) (notBefore time.Time, ok bool) {
	p := it.Prior
	switch {
	case p == nil:
		return time.Time{}, false
	case p.ID == 0, slices.Contains(settled, p.ID):
		return time.Time{}, true
	case p.State == storage.OutboxSent && p.SentAt != nil:
		return p.SentAt.Add(gap), true
	case p.State == storage.OutboxFailed:
		return time.Time{}, true
	}
	return time.Time{}, false
}

// turnLeased is Turn for a send whose chat is clear from notBefore on: a
// leased slot, then its start. A pause asked for in another process
// reaches it only through the slots leased after it, as with bookings
// made ahead (prebook.go); slots live a fraction of a second.
func (b *SendBudget) turnLeased(ctx context.Context, notBefore time.Time) (func(), error) {
	for {
		if err := outbox.SleepUntil(ctx, b.pausedUntil()); err != nil {
			return nil, err
		}
		s, err := b.takeSlot(ctx)
		if err != nil {
			return nil, err
		}
		start := s.start
		if notBefore.After(start) {
			start = notBefore
		}
		if err := outbox.SleepUntil(ctx, start); err != nil {
			b.end("", s.seq, time.Time{})
			return nil, err
		}
		if time.Now().Before(b.pausedUntil()) {
			b.end("", s.seq, time.Time{}) // a pause came while it waited
			continue
		}
		return func() { b.end("", s.seq, time.Now()) }, nil
	}
}

// takeSlot hands out the oldest leased slot, leasing a block when none is
// left; one caller leases at a time, the others wait for its block.
func (b *SendBudget) takeSlot(ctx context.Context) (leasedSlot, error) {
	for {
		b.slotMu.Lock()
		now := time.Now()
		b.expireSlotsLocked(now)
		if len(b.slots) > 0 {
			s := b.slots[0]
			b.slots = b.slots[1:]
			b.took = append(b.took, now)
			b.slotMu.Unlock()
			return s, nil
		}
		if wait := b.leasing; wait != nil {
			b.slotMu.Unlock()
			select {
			case <-wait:
				continue
			case <-ctx.Done():
				return leasedSlot{}, ctx.Err()
			}
		}
		done := make(chan struct{})
		b.leasing = done
		n := b.leaseSizeLocked(now)
		b.slotMu.Unlock()
		s, got, err := b.lease(ctx, n)
		b.slotMu.Lock()
		b.leasing = nil
		close(done)
		if err != nil || got {
			if got {
				b.took = append(b.took, time.Now())
			}
			b.slotMu.Unlock()
			return s, err
		}
		b.slotMu.Unlock()
	}
}

// leaseSizeLocked sizes the next block from the slots taken in the last
// leaseLook, forgetting older ones; the caller holds slotMu.
func (b *SendBudget) leaseSizeLocked(now time.Time) int {
	cut := 0
	for cut < len(b.took) && now.Sub(b.took[cut]) > leaseLook {
		cut++
	}
	b.took = b.took[cut:]
	return min(len(b.took)+1, maxLease, max(1, b.limits.InWindow()/2))
}

// lease books n slots with one call and keeps all but the first, which it
// returns; got is false when the channel's window is full, after waiting
// as long as the database said.
func (b *SendBudget) lease(ctx context.Context, n int) (s leasedSlot, got bool, err error) {
	asks := make([]*turnAsk, n)
	for i := range asks {
		asks[i] = &turnAsk{answer: make(chan turnAnswer, 1)}
	}
	b.enqueue(asks...)
	var slots []leasedSlot
	var busy time.Duration
	for _, a := range asks {
		ans := <-a.answer // always answered: bookBatch answers every ask
		switch {
		case ans.err != nil:
			err = ans.err
		case ans.turn == "slot":
			slots = append(slots, leasedSlot{seq: ans.seq, start: time.Now().Add(ans.wait)})
		default:
			busy = max(busy, ans.wait)
		}
	}
	if err != nil || len(slots) == 0 {
		for _, x := range slots {
			b.end("", x.seq, time.Time{})
		}
		if err == nil {
			err = outbox.SleepUntil(ctx, time.Now().Add(busy))
		}
		return leasedSlot{}, false, err
	}
	if len(slots) > 1 {
		b.slotMu.Lock()
		b.slots = append(b.slots, slots[1:]...)
		b.slotMu.Unlock()
		time.AfterFunc(slotIdle+time.Until(slots[len(slots)-1].start), b.expireSlots)
	}
	return slots[0], true, nil
}

// expireSlots gives back the slots not taken within slotIdle of their
// start.
func (b *SendBudget) expireSlots() {
	b.slotMu.Lock()
	defer b.slotMu.Unlock()
	b.expireSlotsLocked(time.Now())
}

func (b *SendBudget) expireSlotsLocked(now time.Time) {
	keep := b.slots[:0]
	for _, s := range b.slots {
		if now.Sub(s.start) > slotIdle {
			b.end("", s.seq, time.Time{})
			continue
		}
		keep = append(keep, s)
	}
	b.slots = keep
}

// dropSlots gives back every leased slot (a pause came: they were booked
// for before it).
func (b *SendBudget) dropSlots() {
	b.slotMu.Lock()
	defer b.slotMu.Unlock()
	for _, s := range b.slots {
		b.end("", s.seq, time.Time{})
	}
	b.slots = nil
}
