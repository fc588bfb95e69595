package policy

// State is where a callback is in its life, as the API and events name it.
type State string

// The states of a callback.
const (
	// Scheduled waits for its time (a slot, a retry, or its turn in the
	// queue when booked for as soon as possible).
	Scheduled State = "scheduled"
	// Dialing has a call under way.
	Dialing State = "dialing"
	// Completed reached the customer.
	Completed State = "completed"
	// Failed gave up after the last attempt; an operator may still dial it,
	// or the customer book it again.
	Failed State = "failed"
	// Cancelled was withdrawn by the customer or an operator.
	Cancelled State = "cancelled"
)

// moves lists where each state may go.
var moves = map[State][]State{
	Scheduled: {Dialing, Cancelled, Failed},
	Dialing:   {Completed, Scheduled, Failed, Cancelled},
	Failed:    {Dialing, Scheduled, Cancelled},
}

// Valid reports whether s is one of the states above.
func (s State) Valid() bool {
	switch s {
	case Scheduled, Dialing, Completed, Failed, Cancelled:
		return true
	}
	return false
}

// Final reports whether nothing follows s: completed and cancelled. A
// failed callback is not final, since an operator may dial it now or the
// customer book it again.
func (s State) Final() bool { return s == Completed || s == Cancelled }

// CanMove reports whether a callback in state s may move to state to:
// scheduled → dialing, cancelled or failed; dialing → completed, scheduled
// (a retry), failed or cancelled; failed → dialing ("dial now"),
// scheduled (booked again) or cancelled (dismissed). Staying in the same
// state is no move.
func (s State) CanMove(to State) bool {
	for _, next := range moves[s] {
		if next == to {
			return true
		}
	}
	return false
}

// Twilio's call statuses (CallStatus in status callbacks).
const (
	CallQueued     = "queued"
	CallInitiated  = "initiated"
	CallRinging    = "ringing"
	CallInProgress = "in-progress"
	CallCompleted  = "completed"
	CallBusy       = "busy"
	CallNoAnswer   = "no-answer"
	CallFailed     = "failed"
	CallCanceled   = "canceled"
)

// callRank orders the statuses a call passes through before it ends.
var callRank = map[string]int{"": 0, CallQueued: 1, CallInitiated: 2, CallRinging: 3, CallInProgress: 4}

// CallFinal reports whether status ends a call: completed, busy,
// no-answer, failed or canceled.
func CallFinal(status string) bool {
	switch status {
	case CallCompleted, CallBusy, CallNoAnswer, CallFailed, CallCanceled:
		return true
	}
	return false
}

// CallStatusAdvances reports whether a call known to be in status from
// ("" when none was seen) may move to status to. Status callbacks repeat
// and arrive out of order, so a call never moves backwards: queued <
// initiated < ringing < in-progress < any final status, and once final it
// stays as it is.
func CallStatusAdvances(from, to string) bool {
	fromRank, open := callRank[from]
	if !open {
		return false // final, or unknown: nothing overrides it
	}
	if CallFinal(to) {
		return true
	}
	toRank, known := callRank[to]
	return known && to != "" && toRank > fromRank
}
