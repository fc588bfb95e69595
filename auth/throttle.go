package auth

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/switchboardhq/switchboard/audit"
	"github.com/switchboardhq/switchboard/storage"
)

// LoginPolicy limits guessing: this many failed logins for one email within
// the window lock it for a while, even for the right password.
var LoginPolicy = storage.LoginPolicy{MaxFailures: 5, Window: 15 * time.Minute, LockFor: 15 * time.Minute}

// FailureDelay is how much longer each failed login of an email waits
// before answering (100 ms × failures, at most MaxFailureDelay). Tests
// lower it.
var FailureDelay = 100 * time.Millisecond

// MaxFailureDelay caps the wait after a failed login.
const MaxFailureDelay = 2 * time.Second

// ErrLockedOut is wrapped by LockedOutError.
var ErrLockedOut = errors.New("too many failed logins")

// LockedOutError is returned by Login while an email is locked.
type LockedOutError struct {
	// RetryAfter is how long the lock still lasts.
	RetryAfter time.Duration
}

func (e *LockedOutError) Error() string {
	minutes := int((e.RetryAfter + time.Minute - 1) / time.Minute)
	unit := "minutes"
	if minutes == 1 {
		unit = "minute"
	}
	return fmt.Sprintf("too many failed logins; try again in %d %s", minutes, unit)
}

func (e *LockedOutError) Unwrap() error { return ErrLockedOut }

// checkLock fails with a LockedOutError while email is locked.
func checkLock(ctx context.Context, store *storage.Storage, email string, now time.Time) error {
	until, err := store.LoginLockedUntil(ctx, email, now)
	if err != nil {
		return fmt.Errorf("log in: %w", err)
	}
	if !until.IsZero() {
		return &LockedOutError{RetryAfter: until.Sub(now)}
	}
	return nil
}

// failed counts a failed login of who (reason says why it failed: kept in
// the audit trail), waits the longer the more there were, and returns
// ErrBadCredentials — or a LockedOutError when this failure started a
// lock, a lockout recorded with it.
func failed(ctx context.Context, store *storage.Storage, who audit.Actor, now time.Time, reason string) error {
	var n int
	var until time.Time
	err := store.Tx(ctx, func(tx *storage.Storage) error {
		var err error
		if n, until, err = tx.RecordLoginFailure(ctx, who.Email, now, LoginPolicy); err != nil {
			return err
		}
		target := audit.Target{}
		if who.ID != 0 {
			target = audit.OperatorTarget(who.ID)
		}
		entry := audit.New(now, who, audit.LoginFailed, target, audit.Details{"reason": reason, "failures": n})
		if err := tx.AddAuditEntry(ctx, &entry); err != nil {
			return err
		}
		if until.IsZero() {
			return nil
		}
		lock := audit.New(now, who, audit.Lockout, target,
			audit.Details{"failures": n, "locked_until": until.UTC().Format(time.RFC3339)})
		return tx.AddAuditEntry(ctx, &lock)
	})
	if err != nil {
		return fmt.Errorf("log in: %w", err)
	}
	delay := min(time.Duration(n)*FailureDelay, MaxFailureDelay)
	select {
	case <-time.After(delay):
	case <-ctx.Done():
		return ctx.Err()
	}
	if !until.IsZero() {
		return &LockedOutError{RetryAfter: until.Sub(now)}
	}
	return ErrBadCredentials
}

// recordLocked records a login tried while the email is locked: a failed
// login, not counted (the lock already runs).
func recordLocked(ctx context.Context, store *storage.Storage, who audit.Actor, now time.Time) error {
	target := audit.Target{}
	if op, err := store.OperatorByEmail(ctx, who.Email); err == nil {
		who.ID, who.Email, target = op.ID, op.Email, audit.OperatorTarget(op.ID)
	}
	entry := audit.New(now, who, audit.LoginFailed, target, audit.Details{"reason": "locked out"})
	if err := store.AddAuditEntry(ctx, &entry); err != nil {
		return fmt.Errorf("log in: %w", err)
	}
	return nil
}
