package dialog

import (
	"context"
	"errors"
	"fmt"

	"github.com/switchboardhq/switchboard/events"
	"github.com/switchboardhq/switchboard/feedback/label"
	"github.com/switchboardhq/switchboard/storage"
)

// ErrNotCustomerMessage is returned when a label is set on a message the
// customer did not write.
var ErrNotCustomerMessage = errors.New("only a customer's message can be labelled")

// ErrUnknownLabel is returned for a label other than thanks, complaint,
// question or none.
var ErrUnknownLabel = errors.New(`label must be "thanks", "complaint", "question" or "" for none`)

// Relabel sets the label of customer message id as operator op corrects
// it ("" takes it off), and tells event listeners; a message newly
// labelled a complaint opens a follow-up for the feedback owner.
func (e *Engine) Relabel(ctx context.Context, id uint64, op storage.Operator, l string) (storage.Message, error) {
	if l != "" && !label.Valid(l) {
		return storage.Message{}, ErrUnknownLabel
	}
	var m storage.Message
	var opened []events.Event
	err := e.store.Tx(ctx, func(tx *storage.Storage) error {
		old, err := tx.GetMessage(ctx, id)
		if err != nil {
			return err
		}
		if old.Direction != storage.Inbound || old.Author != storage.AuthorCustomer {
			return fmt.Errorf("label message %d: %w", id, ErrNotCustomerMessage)
		}
		if m, err = tx.SetMessageLabel(ctx, id, l, LabelByOperator, nil); err != nil {
			return err
		}
		if l != label.Complaint || old.Label == label.Complaint {
			return nil
		}
		conv, err := tx.GetConversation(ctx, m.ConversationID)
		if err != nil {
			return err
		}
		f, err := e.openFollowUp(ctx, tx, conv, storage.FollowUpComplaint, &m, nil)
		opened = append(opened, followUpChanged(f))
		return err
	})
	if err != nil {
		return m, err
	}
	e.log.Info("message relabelled", "message_id", id, "label", l, "operator_id", op.ID)
	e.broker.Publish(messageUpdated(m))
	for _, ev := range opened {
		e.broker.Publish(ev)
	}
	return m, nil
}

// messageUpdated is the event of a message an operator relabelled.
func messageUpdated(m storage.Message) events.Event {
	return events.Event{Type: events.MessageLabelled, ConversationID: m.ConversationID,
		Data: MessageView{Message: m, Ticket: storage.FormatTicket(m.ConversationID)}}
}
