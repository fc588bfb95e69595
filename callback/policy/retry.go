package policy

import (
	"strings"
	"time"
)

// RetryPolicy is how often, and after how long, a dial that did not reach
// the customer is tried again.
type RetryPolicy struct {
	// After[i] is the wait after the (i+1)th dial that did not reach the
	// customer; the last entry repeats when the list is shorter (YAML:
	// callbacks.retry_after). An empty list retries at once.
	After []time.Duration
	// MaxAttempts is how many dials are made in all before giving up (YAML:
	// callbacks.max_attempts); below 1 counts as 1.
	MaxAttempts int
}

// Retryable reports whether a dial that ended with outcome, a Twilio call
// status, is tried again: busy, no-answer and failed are. completed is
// done. canceled is not retried either: Twilio reports it only for a call
// cancelled through its REST API while queued or ringing, that is by
// switchboard itself (an operator cancelled the callback, or the dialer
// withdrew the call because the operator left), and whoever cancelled
// decides what follows, without it counting as the customer not answering.
func Retryable(outcome string) bool {
	switch outcome {
	case CallBusy, CallNoAnswer, CallFailed:
		return true
	}
	return false
}

// NextAttempt returns when to dial again after attempts dials (counting the
// one that just ended; below 1 counts as 1) of which the last ended with
// outcome: now plus After[attempts-1], or the last entry of After. ok is
// false when the outcome is not retried (Retryable) or attempts has reached
// MaxAttempts: then the callback has failed and the customer is told. The
// time is not yet moved out of the night; NextAllowed does that.
func NextAttempt(attempts int, outcome string, now time.Time, p RetryPolicy) (time.Time, bool) {
	attempts = max(attempts, 1)
	if !Retryable(outcome) || attempts >= max(p.MaxAttempts, 1) {
		return time.Time{}, false
	}
	if len(p.After) == 0 {
		return now.UTC(), true
	}
	return now.Add(p.After[min(attempts, len(p.After))-1]).UTC(), true
}

// Outcome is how a dial ended, for NextAttempt: the call's status, except
// that a call answered by a machine (Twilio's AnsweredBy, given when
// callbacks.machine_detection is on) counts as no-answer, so a voicemail
// is not taken for the customer. AnsweredBy "human" and "unknown" count as
// the customer.
func Outcome(status, answeredBy string) string {
	answeredBy = strings.ToLower(strings.TrimSpace(answeredBy))
	machine := strings.HasPrefix(answeredBy, "machine") || answeredBy == "fax"
	if machine && (status == CallCompleted || status == CallInProgress) {
		return CallNoAnswer
	}
	return status
}
