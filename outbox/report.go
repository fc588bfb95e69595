package outbox

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/switchboardhq/switchboard/events"
	"github.com/switchboardhq/switchboard/storage"
)

// DeliveryReport is what a channel tells later about a message it accepted
// (a Twilio status callback).
type DeliveryReport struct {
	Channel string
	// ProviderID is the channel's id for the message, as Send returned it.
	ProviderID string
	// State is one of storage's delivery states: queued, sent, delivered,
	// undelivered or failed.
	State string
	// Error says why an undelivered or failed message did not arrive.
	Error string
	// OptedOut is set when the channel says the customer opted out of
	// messages (Twilio's error 21610).
	OptedOut bool
}

// TrackDelivery applies a report to the message it names: its delivery
// state moves forward only (reports repeat and arrive out of order), and
// operators are told of a change. It reports whether the message is known;
// a report for an unknown message changes nothing.
func (d *Dispatcher) TrackDelivery(ctx context.Context, r DeliveryReport) (bool, error) {
	var msg storage.Message
	changed := false
	err := d.store.Tx(ctx, func(tx *storage.Storage) error {
		var err error
		msg, err = tx.OutboundByExternalID(ctx, r.Channel, r.ProviderID)
		if err != nil {
			return err
		}
		changed, err = tx.AdvanceDelivery(ctx, msg.ID, r.State, r.Error, time.Now().UTC())
		if err != nil || !r.OptedOut {
			return err
		}
		conv, err := tx.GetConversation(ctx, msg.ConversationID)
		if err != nil {
			return err
		}
		if err := tx.SetOptedOut(ctx, conv.IdentityID, true); err != nil {
			return err
		}
		_, err = tx.FailPendingForIdentity(ctx, conv.IdentityID, "customer opted out: "+r.Error)
		return err
	})
	switch {
	case errors.Is(err, storage.ErrNotFound):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("track delivery of %s/%s: %w", r.Channel, r.ProviderID, err)
	}
	if changed {
		d.broker.Publish(events.Event{Type: events.MessageDelivery, ConversationID: msg.ConversationID,
			Data: DeliveryView{MessageID: msg.ID, DeliveryState: r.State, Error: r.Error}})
	}
	return true, nil
}
