package outbox

import "github.com/switchboardhq/switchboard/storage"

// Prebooker is a Pacer that can book the sends of items ahead of Turn:
// Handoff gives it the items committed in this process before it starts
// sending them, so a booking's round trip to a shared budget runs beside
// the hand-off. Turn then answers from the booking; a booking no Turn
// takes soon is given back by the pacer itself.
type Prebooker interface {
	Pacer
	// Prebook books items' sends in the background; settled is the
	// dispatcher's list of a chat's settled items, as Turn takes it.
	Prebook(items []storage.OutboxItem, settled func(chatKey string) []uint64)
}

// prebook books the sends of items handed off with the pacers that can
// (see Prebooker); the rest are paced when sent.
func (d *Dispatcher) prebook(items []storage.OutboxItem) {
	for p, group := range d.byPrebooker(items) {
		p.Prebook(group, d.settled)
	}
}

// byPrebooker groups items by their channel's pacer, leaving out the
// channels whose pacer cannot book ahead.
func (d *Dispatcher) byPrebooker(items []storage.OutboxItem) map[Prebooker][]storage.OutboxItem {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out map[Prebooker][]storage.OutboxItem
	for _, it := range items {
		ch := d.senders[it.Channel]
		if ch == nil {
			continue
		}
		p, ok := ch.pacer.(Prebooker)
		if !ok {
			continue
		}
		if out == nil {
			out = map[Prebooker][]storage.OutboxItem{}
		}
		out[p] = append(out[p], it)
	}
	return out
}
