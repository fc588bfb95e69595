package outbox

import (
	"context"
	"time"

	"github.com/switchboardhq/switchboard/events"
	"github.com/switchboardhq/switchboard/storage"
)

// recordWindow is how long the recorder gathers results to write together.
const recordWindow = 2 * time.Millisecond

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
		if err := d.store.RecordOutboxResults(ctx, time.Now().UTC(), batch); err != nil {
			d.log.Error("record delivery results", "count", len(batch), "err", err)
		} else {
			d.afterRecord(ctx, batch)
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

// afterRecord marks unreachable and opted-out customers and tells
// operators how each delivery went.
func (d *Dispatcher) afterRecord(ctx context.Context, batch []storage.OutboxResult) {
	for _, r := range batch {
		switch {
		case r.Unreachable:
			d.stopDelivering(ctx, r, "customer unreachable: "+r.Error, func(tx *storage.Storage) error {
				return tx.MarkUnreachable(ctx, r.IdentityID, r.Error, time.Now().UTC())
			})
		case r.OptedOut:
			d.stopDelivering(ctx, r, "customer opted out: "+r.Error, func(tx *storage.Storage) error {
				return tx.SetOptedOut(ctx, r.IdentityID, true)
			})
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

// stopDelivering marks the identity of r with mark and fails whatever is
// still pending to it, so nothing is retried forever.
func (d *Dispatcher) stopDelivering(ctx context.Context, r storage.OutboxResult, reason string, mark func(tx *storage.Storage) error) {
	err := d.store.Tx(ctx, func(tx *storage.Storage) error {
		if err := mark(tx); err != nil {
			return err
		}
		_, err := tx.FailPendingForIdentity(ctx, r.IdentityID, reason)
		return err
	})
	if err != nil {
		d.log.Error("stop delivering to customer", "identity_id", r.IdentityID, "reason", reason, "err", err)
		return
	}
	d.log.Warn("stopped delivering to customer", "identity_id", r.IdentityID, "channel", r.Channel,
		"conversation_id", r.ConversationID, "reason", reason)
}

// DeliveryView is the payload of a message.delivery event.
type DeliveryView struct {
	MessageID     uint64 `json:"message_id"`
	DeliveryState string `json:"delivery_state"`
	Error         string `json:"error,omitempty"`
}
