// Package outbox delivers queued replies to their channels: it leases due
// items from the database, keeps per-chat order, stays under each channel's
// rate limits, retries temporary failures with back-off and gives up on
// permanent ones. A crash loses nothing: unleased items are picked up again.
package outbox

import (
	"errors"
	"fmt"
	"time"
)

// RetryAfterError asks to try again no sooner than Wait (Telegram's 429
// retry_after); the whole channel pauses that long.
type RetryAfterError struct {
	Wait time.Duration
	Err  error
}

func (e *RetryAfterError) Error() string { return fmt.Sprintf("retry after %s: %v", e.Wait, e.Err) }
func (e *RetryAfterError) Unwrap() error { return e.Err }

// PermanentError means this message can never be delivered (a bad request).
type PermanentError struct{ Err error }

func (e *PermanentError) Error() string { return "permanent: " + e.Err.Error() }
func (e *PermanentError) Unwrap() error { return e.Err }

// UnreachableError means the customer cannot be reached on this channel at
// all (they blocked the bot): the identity is marked and nothing more is
// tried.
type UnreachableError struct{ Err error }

func (e *UnreachableError) Error() string { return "unreachable: " + e.Err.Error() }
func (e *UnreachableError) Unwrap() error { return e.Err }

// OptedOutError means the customer asked for no more messages on this
// channel (Twilio's error 21610 after an SMS STOP): the identity is marked
// opted out and nothing more is sent to it until they opt back in.
type OptedOutError struct{ Err error }

func (e *OptedOutError) Error() string { return "opted out: " + e.Err.Error() }
func (e *OptedOutError) Unwrap() error { return e.Err }

// outcome is how the dispatcher goes on after a failed send.
type outcome int

const (
	retryLater outcome = iota
	failMessage
	markUnreachable
	markOptedOut
)

// classify tells how to treat a send error. Anything not marked is
// temporary.
func classify(err error) (outcome, time.Duration) {
	var ra *RetryAfterError
	var pe *PermanentError
	var ue *UnreachableError
	var oe *OptedOutError
	switch {
	case errors.As(err, &oe):
		return markOptedOut, 0
	case errors.As(err, &ue):
		return markUnreachable, 0
	case errors.As(err, &pe):
		return failMessage, 0
	case errors.As(err, &ra):
		return retryLater, ra.Wait
	}
	return retryLater, 0
}
