package outbox

import (
	"context"
	"time"

	"github.com/switchboardhq/switchboard/storage"
)

// Handoff gives the dispatcher outbox items this process has just
// committed, already leased to it at insert (see Lease), so they are sent
// at once without a claiming round trip to the database. Should this
// process die first, the lease runs out and any instance delivers them.
// It never blocks: when the dispatcher is swamped, the items wait for
// their lease to end and are claimed like any other. The sends of items
// whose pacer can book ahead are booked first (prebook), so that round
// trip to a shared budget runs while the hand-off goes on.
func (d *Dispatcher) Handoff(items []storage.OutboxItem) {
	if len(items) == 0 {
		return
	}
	d.prebook(items)
	select {
	case d.handoff <- items:
	default:
		d.log.Warn("outbox hand-off full; items will be claimed when their lease ends", "count", len(items))
	}
}

// LeaseFor is how long items handed off at insert stay leased.
func (d *Dispatcher) LeaseFor() time.Duration { return d.cfg.Lease }

// lane serialises delivery per chat in this process: one item of a chat at
// a time, in the order they came, whether claimed or handed off.
type lane struct {
	waiting []storage.OutboxItem
}

// admit starts delivering it unless its chat is busy, in which case it
// waits its turn. Items already held are ignored.
func (d *Dispatcher) admit(ctx context.Context, it storage.OutboxItem) {
	d.memMu.Lock()
	defer d.memMu.Unlock()
	if d.held[it.ID] {
		return
	}
	d.held[it.ID] = true
	if l, busy := d.lanes[it.ChatKey]; busy {
		l.waiting = append(l.waiting, it)
		return
	}
	d.lanes[it.ChatKey] = &lane{}
	d.start(ctx, it)
}

// start delivers it in its own goroutine once a slot is free; the caller
// holds memMu.
func (d *Dispatcher) start(ctx context.Context, it storage.OutboxItem) {
	d.inflight.Add(1)
	go func() {
		defer d.inflight.Done()
		d.slots <- struct{}{}
		res, giveBack := d.deliver(ctx, it)
		<-d.slots
		if giveBack {
			d.release([]storage.OutboxItem{it})
		} else {
			if res.Sent || res.Failed {
				d.markUnrecorded(it)
			}
			d.results <- res
		}
		d.finish(ctx, it, res)
	}()
}

// markUnrecorded notes that it no longer holds its chat's turn, though its
// outcome is not written yet; the recorder forgets it once written.
func (d *Dispatcher) markUnrecorded(it storage.OutboxItem) {
	d.memMu.Lock()
	d.unrecorded[it.ID] = it.ChatKey
	d.memMu.Unlock()
}

// settled lists the items of chatKey marked by markUnrecorded, and the
// chat's last item written since, for recentlySettled. There are few: the
// recorder writes outcomes within milliseconds.
func (d *Dispatcher) settled(chatKey string) []uint64 {
	d.memMu.Lock()
	defer d.memMu.Unlock()
	var ids []uint64
	for id, key := range d.unrecorded {
		if key == chatKey {
			ids = append(ids, id)
		}
	}
	if r, ok := d.recorded[chatKey]; ok && time.Since(r.at) < recentlySettled {
		ids = append(ids, r.id)
	}
	return ids
}

// recentlySettled is how long settled keeps naming a chat's last item once
// its outcome is written: longer than any item written beside it waits for
// its turn, short enough to keep few chats.
const recentlySettled = 10 * time.Second

// recordedItem is a chat's last item settled and written here.
type recordedItem struct {
	id uint64
	at time.Time
}

// forgetRecorded drops the results of batch from unrecorded, written or
// not: an outcome that could not be written leaves its item pending, to be
// sent again when its lease ends, and the chat's later items wait for it.
// Written ones are kept a while as their chats' last (settled).
func (d *Dispatcher) forgetRecorded(batch []storage.OutboxResult, written bool) {
	d.memMu.Lock()
	defer d.memMu.Unlock()
	now := time.Now()
	for _, r := range batch {
		chat, ok := d.unrecorded[r.ID]
		delete(d.unrecorded, r.ID)
		if ok && written {
			if last, seen := d.recorded[chat]; !seen || last.id < r.ID {
				d.recorded[chat] = recordedItem{id: r.ID, at: now}
			}
		}
	}
	d.recordedAdds += len(batch)
	if d.recordedAdds >= 1024 {
		d.recordedAdds = 0
		for chat, r := range d.recorded {
			if now.Sub(r.at) >= recentlySettled {
				delete(d.recorded, chat)
			}
		}
	}
}

// finish hands the chat to its next waiting item — or, when this one must
// be retried later, returns the chat's waiting items to the database so the
// retry goes first and order holds.
func (d *Dispatcher) finish(ctx context.Context, it storage.OutboxItem, res storage.OutboxResult) {
	d.memMu.Lock()
	delete(d.held, it.ID)
	l := d.lanes[it.ChatKey]
	var release []storage.OutboxItem
	switch {
	case l == nil || len(l.waiting) == 0:
		delete(d.lanes, it.ChatKey)
	case !res.Sent && !res.Failed:
		release = l.waiting
		for _, w := range release {
			delete(d.held, w.ID)
		}
		delete(d.lanes, it.ChatKey)
	default:
		next := l.waiting[0]
		l.waiting = l.waiting[1:]
		d.start(ctx, next)
	}
	d.memMu.Unlock()
	if len(release) > 0 {
		d.release(release)
	}
	if d.backlog.Load() {
		d.Wake()
	}
}

// release ends this process's lease on items it will not send now.
func (d *Dispatcher) release(items []storage.OutboxItem) {
	ids := make([]uint64, len(items))
	for i, it := range items {
		ids[i] = it.ID
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := d.store.ReleaseOutbox(ctx, ids); err != nil {
		d.log.Warn("release outbox items; they will be claimed when their lease ends", "count", len(ids), "err", err)
	}
}

// releaseWaiting gives back every item still waiting in a lane, at
// shutdown, so a restart need not wait for their leases.
func (d *Dispatcher) releaseWaiting() {
	d.memMu.Lock()
	var rest []storage.OutboxItem
	for _, l := range d.lanes {
		rest = append(rest, l.waiting...)
		l.waiting = nil
	}
	d.memMu.Unlock()
	for {
		select {
		case items := <-d.handoff:
			rest = append(rest, items...)
			continue
		default:
		}
		break
	}
	if len(rest) > 0 {
		d.release(rest)
	}
}
