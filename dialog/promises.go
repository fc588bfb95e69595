package dialog

import (
	"context"

	"github.com/switchboardhq/switchboard/config"
	"github.com/switchboardhq/switchboard/promises"
	"github.com/switchboardhq/switchboard/storage"
)

// The engine's hooks for promises (see package promises): a wait told is
// recorded with the reply that tells it, and settled by what happens next.

// staffing is who is at work as a wait is told: operators online, and the
// free slots among them (read only when the learned estimate needs it).
type staffing struct {
	operators, free int
}

func (t *turn) staffing(ctx context.Context) (staffing, error) {
	st := staffing{operators: t.e.online()}
	if t.e.settings.Queue.Estimate == config.EstimateFixed {
		return st, nil
	}
	free, err := t.tx.FreeSlots(ctx)
	st.free = free
	return st, err
}

// waitMinutes is the wait to tell at place pos, erring long: learned from
// the desk's recent real waits (see promises.Estimator), or by the fixed
// rule when the settings say queue.estimate: fixed.
func (e *Engine) waitMinutes(pos int, st staffing) int {
	if e.settings.Queue.Estimate == config.EstimateFixed {
		return promises.FixedMinutes(pos, st.operators, e.settings.Queue.MinutesPerCustomer)
	}
	return e.estimator.Minutes(pos, st.operators, st.free)
}

// learnWaits reads the desk's recent real waits again when what the
// estimator learned is over a minute old; a failure only leaves the
// estimate as it was.
func (e *Engine) learnWaits(ctx context.Context) {
	if e.settings.Queue.Estimate == config.EstimateFixed {
		return
	}
	if err := e.estimator.Refresh(ctx, e.store, e.now()); err != nil {
		e.log.Warn("learn recent waits", "err", err)
	}
}

// recordWait records the wait just told in the turn's last reply: place
// pos, minutes said (nil when none), and who was at work. A reply that
// could not be delivered told nobody anything, and records nothing.
func (t *turn) recordWait(ctx context.Context, pos int, minutes *int, st staffing) error {
	var told *storage.Message
	if n := len(t.emit); n > 0 {
		told = t.emit[n-1].msg
	}
	if told == nil || told.DeliveryState == storage.DeliveryFailed {
		return nil
	}
	w := promises.Wait(t.conv.ID, t.ident.Channel, pos, minutes, told, t.now)
	w.Operators, w.FreeSlots = st.operators, st.free
	return t.tx.RecordWaitEstimate(ctx, w)
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
