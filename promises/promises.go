// Package promises decides what a promise made to a customer is and
// whether it was kept: a wait told to a customer waiting for a person (a
// storage.WaitEstimate), settled by what happened next. The engine records
// promises through it; reports judge them with Kept.
package promises

import (
	"time"

	"github.com/switchboardhq/switchboard/storage"
)

// Wait is the promise of a wait told in message told (nil when not
// stored) of conversation convID on channel, at at: the customer's place
// pos in the queue and the minutes said, nil when no number was said.
func Wait(convID uint64, channel string, pos int, minutes *int, told *storage.Message, at time.Time) *storage.WaitEstimate {
	w := &storage.WaitEstimate{ConversationID: convID, Channel: channel, Position: pos, Minutes: minutes, ToldAt: at.UTC()}
	if told != nil {
		// A pointer to the message's id: a batch fills it when it writes
		// the message, before it writes the estimate.
		w.MessageID = &told.ID
	}
	return w
}

// RealWait is how long the customer of w waited for an operator's first
// reply; ok is false unless w was answered.
func RealWait(w storage.WaitEstimate) (time.Duration, bool) {
	if w.Outcome != storage.OutcomeAnswered || w.AnsweredAt == nil {
		return 0, false
	}
	return w.AnsweredAt.Sub(w.ToldAt), true
}

// Kept says whether w was kept, and whether it counts at all: an answered
// estimate is kept when the real wait was no longer than the minutes told;
// a customer who left unanswered was not kept; an estimate still open,
// settled by the bot, or with no number said does not count.
func Kept(w storage.WaitEstimate) (kept, counts bool) {
	if w.Minutes == nil {
		return false, false
	}
	switch w.Outcome {
	case storage.OutcomeAnswered:
		real, _ := RealWait(w)
		return real <= time.Duration(*w.Minutes)*time.Minute, true
	case storage.OutcomeLeft:
		return false, true
	}
	return false, false
}
