package storage

import (
	"context"
	"fmt"
	"time"
)

// Delivery states a channel reports after it accepted a message (Twilio's
// status callbacks), besides pending, sent and failed.
const (
	DeliveryQueued      = "queued"
	DeliveryDelivered   = "delivered"
	DeliveryUndelivered = "undelivered"
)

// deliveryStates are every state a message's delivery can be in, "" for
// messages stored before delivery states existed.
var deliveryStates = []string{"", DeliveryPending, DeliveryQueued, DeliverySent, DeliveryDelivered, DeliveryUndelivered, DeliveryFailed}

// deliveryRank orders the states a message passes through on its way.
var deliveryRank = map[string]int{"": 0, DeliveryPending: 0, DeliveryQueued: 1, DeliverySent: 2, DeliveryDelivered: 3}

// DeliveryAdvances reports whether a message in state from may move to
// state to. Reports repeat and arrive out of order, so a state never moves
// backwards: pending < queued < sent < delivered; undelivered and failed
// are final and win over everything but delivered.
func DeliveryAdvances(from, to string) bool {
	fromRank, fromOpen := deliveryRank[from]
	if !fromOpen {
		return false // undelivered and failed are final
	}
	if to == DeliveryUndelivered || to == DeliveryFailed {
		return from != DeliveryDelivered
	}
	toRank, known := deliveryRank[to]
	return known && toRank > fromRank
}

// OutboundByExternalID finds the outbound message a channel knows by
// externalID (its provider id), or ErrNotFound.
func (s *Storage) OutboundByExternalID(ctx context.Context, channel, externalID string) (Message, error) {
	var m Message
	err := s.q(ctx).Where(whereExternal+" AND direction = ?", channel, externalID, Outbound).Take(&m).Error
	if err != nil {
		return m, fmt.Errorf("find outbound message %s/%s: %w", channel, externalID, notFound(err))
	}
	return m, nil
}

// AdvanceDelivery moves message id to state, with errText for a failure,
// unless that would move it backwards (DeliveryAdvances). It reports
// whether the state changed. The check and the change are one statement, so
// two reports racing cannot both win.
func (s *Storage) AdvanceDelivery(ctx context.Context, id uint64, state, errText string, at time.Time) (bool, error) {
	var from []string
	for _, st := range deliveryStates {
		if DeliveryAdvances(st, state) {
			from = append(from, st)
		}
	}
	if len(from) == 0 {
		return false, nil
	}
	changes := map[string]any{"delivery_state": state}
	switch state {
	case DeliveryUndelivered, DeliveryFailed:
		changes["delivery_error"] = truncate(errText, 512)
	case DeliveryDelivered:
		changes["delivered_at"] = at
	}
	res := s.q(ctx).Model(&Message{}).Where("id = ? AND direction = ? AND delivery_state IN ?", id, Outbound, from).Updates(changes)
	if res.Error != nil {
		return false, fmt.Errorf("advance delivery of message %d to %s: %w", id, state, res.Error)
	}
	return res.RowsAffected == 1, nil
}

// setProviderID records the channel's id for an outbound message. An id
// another message holds already is left out rather than failing the batch
// it is recorded in: a result must never be lost for want of it.
func (s *Storage) setProviderID(ctx context.Context, messageID uint64, providerID string) error {
	err := s.q(ctx).Model(&Message{}).
		Where("id = ? AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.channel = messages.channel AND m.external_id = ? AND m.external_id <> '')", messageID, providerID).
		Update("external_id", truncate(providerID, 128)).Error
	if err != nil {
		return fmt.Errorf("record provider id of message %d: %w", messageID, err)
	}
	return nil
}
