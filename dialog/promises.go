package dialog

import (
	"context"

	"github.com/switchboardhq/switchboard/promises"
	"github.com/switchboardhq/switchboard/storage"
)

// The engine's hooks for promises (see package promises): a wait told is
// recorded with the reply that tells it, and settled by what happens next.

// recordWait records the wait just told in the turn's last reply: place
// pos, minutes said (nil when none). A reply that could not be delivered
// told nobody anything, and records nothing.
func (t *turn) recordWait(ctx context.Context, pos int, minutes *int) error {
	var told *storage.Message
	if n := len(t.emit); n > 0 {
		told = t.emit[n-1].msg
	}
	if told == nil || told.DeliveryState == storage.DeliveryFailed {
		return nil
	}
	return t.tx.RecordWaitEstimate(ctx, promises.Wait(t.conv.ID, t.ident.Channel, pos, minutes, told, t.now))
}

// settleWaits gives the conversation's open wait estimates outcome.
func (t *turn) settleWaits(ctx context.Context, outcome string) error {
	_, err := t.tx.SettleWaitEstimates(ctx, t.conv.ID, outcome, t.now)
	return err
}

// answerWaits settles the conversation's open wait estimates as answered
// by the operator's reply just written, unless it could not reach the
// customer (a caller cannot read it): the first reply answers, later ones
// find none open.
func (t *turn) answerWaits(ctx context.Context) error {
	if n := len(t.emit); n > 0 && t.emit[n-1].msg != nil && t.emit[n-1].msg.DeliveryState == storage.DeliveryFailed {
		return nil
	}
	return t.settleWaits(ctx, storage.OutcomeAnswered)
}
