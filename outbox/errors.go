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

// classify tells how to treat a send error. Anything not marked is
// temporary.
func classify(err error) (retryAfter time.Duration, permanent, unreachable bool) {
	var ra *RetryAfterError
	var pe *PermanentError
	var ue *UnreachableError
	switch {
	case errors.As(err, &ue):
		return 0, true, true
	case errors.As(err, &pe):
		return 0, true, false
	case errors.As(err, &ra):
		return ra.Wait, false, false
	}
	return 0, false, false
}
