package dialog

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/switchboardhq/switchboard/storage"
)

// QueueResult is how a caller's call left the call queue, as the telephony
// provider reports it once it has (Twilio's <Enqueue action>: for a call
// put through to a person, when that conversation ends).
type QueueResult struct {
	CallSid string
	// Result is bridged, bridging-in-process, queue-full, error, hangup,
	// leave, redirected, redirected-from-bridged or system-shutdown.
	Result string
	// Seconds is how long the call spent in the queue.
	Seconds int
}

// QueueAnswered says whether a queue result is that of a caller who
// reached a person: the call was put through (bridged), and perhaps moved
// on from there.
func QueueAnswered(result string) bool {
	return result == "bridged" || result == "redirected-from-bridged"
}

// RecordQueueResult settles the waits told to a held caller by how their
// call left the queue: put through to a person, the open estimates are
// answered when they were, Seconds after the latest was told; any other
// way out (the caller hung up, the queue was full) and they are left, now.
// Only open estimates are settled, so the same result again, or the call's
// status arriving after it, changes nothing. A call switchboard never
// answered is ignored. It reports whether it settled any estimate.
func (e *Engine) RecordQueueResult(ctx context.Context, r QueueResult) (bool, error) {
	if r.CallSid == "" {
		return false, nil
	}
	var settled int64
	err := e.store.Tx(ctx, func(tx *storage.Storage) error {
		settled = 0
		convID, err := tx.ConversationOfExternal(ctx, ChannelVoice, CallEventID(r.CallSid, CallStart))
		if errors.Is(err, storage.ErrNotFound) {
			return nil
		} else if err != nil {
			return err
		}
		// Locked, so a result and the call's status are settled in turn.
		if _, err := tx.GetConversation(ctx, convID); err != nil {
			return err
		}
		outcome, at := storage.OutcomeLeft, e.now()
		if QueueAnswered(r.Result) {
			told, err := tx.LatestOpenWaitToldAt(ctx, convID)
			if errors.Is(err, storage.ErrNotFound) {
				return nil
			} else if err != nil {
				return err
			}
			outcome, at = storage.OutcomeAnswered, told.Add(time.Duration(r.Seconds)*time.Second)
		}
		settled, err = tx.SettleWaitEstimates(ctx, convID, outcome, at)
		return err
	})
	if err != nil {
		return false, fmt.Errorf("record queue result %s of call %s: %w", r.Result, r.CallSid, err)
	}
	return settled > 0, nil
}
