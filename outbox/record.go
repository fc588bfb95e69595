package outbox

import (
	"context"
	"time"

	"github.com/switchboardhq/switchboard/events"
	"github.com/switchboardhq/switchboard/storage"
)

// recordWindow is how long the recorder gathers results to write together.
// Nothing waits for the write (a chat's next send goes once its last is
// settled in memory, see settled), so a longer window costs only a later
// delivery tick in the console, and at low load it saves a statement per
// send or two.
const recordWindow = 10 * time.Millisecond

// record writes delivery results in batches until results is closed. A
// result that cannot be written leaves its lease to expire, so the item is
// tried again: delivery is at least once, never lost.
func (d *Dispatcher) record(results <-chan storage.OutboxResult) {
	var batch []storage.OutboxResult
	flush := func() {
		if len(batch) == 0 {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		err := d.store.RecordOutboxResults(ctx, time.Now().UTC(), batch)
		d.forgetRecorded(batch, err == nil)
		if err != nil {
			d.log.Error("record delivery results", "count", len(batch), "err", err)
		} else {
			d.afterRecord(batch)
			if d.backlog.Load() {
				d.Wake() // the next item of each claimed chat may be due now
			}
		}
		batch = batch[:0]
	}
	for r := range results {
		batch = append(batch, r)
		deadline := time.After(recordWindow)
	gather:
		for len(batch) < d.cfg.BatchSize {
			select {
			case r, ok := <-results:
				if !ok {
					break gather
				}
				batch = append(batch, r)
			case <-deadline:
				break gather
			}
		}
		flush()
	}
	flush()
}

// afterRecord tells operators how each delivery went; customers found
// unreachable or opted out were marked in the recording transaction.
func (d *Dispatcher) afterRecord(batch []storage.OutboxResult) {
	for _, r := range batch {
		if r.Unreachable || r.OptedOut {
			d.log.Warn("stopped delivering to customer", "identity_id", r.IdentityID, "channel", r.Channel,
				"conversation_id", r.ConversationID, "reason", r.Error)
		}
		if r.MessageID == nil || (!r.Sent && !r.Failed) {
			continue
		}
		state := storage.DeliverySent
		if r.Failed {
			state = storage.DeliveryFailed
		}
		d.broker.Publish(events.Event{Type: events.MessageDelivery, ConversationID: r.ConversationID,
			Data: DeliveryView{MessageID: *r.MessageID, DeliveryState: state, Error: r.Error}})
	}
}

// DeliveryView is the payload of a message.delivery event.
type DeliveryView struct {
	MessageID     uint64 `json:"message_id"`
	DeliveryState string `json:"delivery_state"`
	Error         string `json:"error,omitempty"`
}
