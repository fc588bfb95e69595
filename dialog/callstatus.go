package dialog

import (
	"context"
	"errors"
	"fmt"

	"github.com/switchboardhq/switchboard/events"
	"github.com/switchboardhq/switchboard/storage"
)

// CallStatus is what the telephony provider says about a call.
type CallStatus struct {
	CallSid string
	// Status is queued, ringing, in-progress, completed, busy, no-answer,
	// failed or canceled.
	Status string
	// Seconds is how long the call lasted (completed calls).
	Seconds int
}

// callEnded are the statuses that end a call; the others report progress.
var callEnded = map[string]bool{"completed": true, "busy": true, "no-answer": true, "failed": true, "canceled": true}

// RecordCallStatus notes how a call ended in its conversation, as a system
// message operators see; the customer gets nothing and the conversation
// keeps its state. A call's outcome is recorded once: the same status
// again, or another final status arriving later, changes nothing, and
// progress statuses (ringing, in-progress) are not recorded, so statuses
// repeated or out of order never move the record backwards. A call that
// switchboard never answered is ignored. It reports whether it recorded.
func (e *Engine) RecordCallStatus(ctx context.Context, s CallStatus) (bool, error) {
	if !callEnded[s.Status] || s.CallSid == "" {
		return false, nil
	}
	var note storage.Message
	err := e.store.Tx(ctx, func(tx *storage.Storage) error {
		note = storage.Message{}
		convID, err := tx.ConversationOfExternal(ctx, ChannelVoice, CallEventID(s.CallSid, CallStart))
		if errors.Is(err, storage.ErrNotFound) {
			return nil
		} else if err != nil {
			return err
		}
		// Locked, so two final statuses of one call are decided in turn.
		conv, err := tx.GetConversation(ctx, convID)
		if err != nil {
			return err
		}
		ids := make([]string, 0, len(callEnded))
		for status := range callEnded {
			ids = append(ids, callStatusID(s.CallSid, status))
		}
		if seen, err := tx.SeenExternals(ctx, ChannelVoice, ids); err != nil || len(seen) > 0 {
			return err
		}
		m := systemEvent(conv.ID, ChannelVoice, callOutcome(conv, s), e.now().UTC())
		m.ExternalID = callStatusID(s.CallSid, s.Status)
		inserted, err := tx.InsertOnce(ctx, &m)
		if err != nil || !inserted {
			return err
		}
		note = m
		// The call is over: a wait told and not answered, the caller
		// left.
		_, err = tx.SettleWaitEstimates(ctx, conv.ID, storage.OutcomeLeft, e.now())
		return err
	})
	if err != nil {
		return false, fmt.Errorf("record status %s of call %s: %w", s.Status, s.CallSid, err)
	}
	if note.ID == 0 {
		return false, nil
	}
	e.afterCommit([]events.Event{messageCreated(note)}, nil)
	return true, nil
}

func callStatusID(callSid, status string) string { return CallEventID(callSid, "status:"+status) }

// callOutcome words a call's end for operators, from where the caller was.
func callOutcome(conv storage.Conversation, s CallStatus) string {
	waiting := conv.State == storage.StateWaiting
	switch {
	case s.Status != "completed" && waiting:
		return fmt.Sprintf("Caller hung up while waiting (%s)", s.Status)
	case s.Status != "completed":
		return fmt.Sprintf("Call ended: %s", s.Status)
	case waiting && conv.Queue == QueueCallback:
		return fmt.Sprintf("Call ended after %d s; the caller asked to be called back", s.Seconds)
	case waiting:
		return fmt.Sprintf("Caller hung up after %d s while waiting in the queue", s.Seconds)
	}
	return fmt.Sprintf("Call completed after %d s", s.Seconds)
}
