package storage

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm/clause"
)

// LoginFailure counts failed logins for one email, so that guessing
// passwords is slowed down and then locked out, across restarts and
// instances.
type LoginFailure struct {
	// Email is lower-case; unknown emails are counted too, so answers do
	// not tell which accounts exist.
	Email string `gorm:"primaryKey;size:256"`
	// Failures counts failures since FirstFailedAt.
	Failures      int       `gorm:"not null"`
	FirstFailedAt time.Time `gorm:"not null;index"`
	// LockedUntil is set when Failures reached the limit.
	LockedUntil *time.Time
}

// LoginLockedUntil returns when the lock on email ends, or the zero time
// when it is not locked at now.
func (s *Storage) LoginLockedUntil(ctx context.Context, email string, now time.Time) (time.Time, error) {
	var f LoginFailure
	err := notFound(s.q(ctx).Where("email = ?", normEmail(email)).Take(&f).Error)
	switch {
	case errors.Is(err, ErrNotFound):
		return time.Time{}, nil
	case err != nil:
		return time.Time{}, fmt.Errorf("look up login failures: %w", err)
	}
	if f.LockedUntil == nil || !f.LockedUntil.After(now) {
		return time.Time{}, nil
	}
	return f.LockedUntil.UTC(), nil
}

// LoginPolicy says how failed logins are limited.
type LoginPolicy struct {
	// MaxFailures within Window lock the email for LockFor.
	MaxFailures int
	Window      time.Duration
	LockFor     time.Duration
}

// RecordLoginFailure counts one failed login for email at now under p. It
// returns the failures counted in the current window and, when this one
// reached the limit, the end of the lock it started.
func (s *Storage) RecordLoginFailure(ctx context.Context, email string, now time.Time, p LoginPolicy) (int, time.Time, error) {
	email = normEmail(email)
	var f LoginFailure
	err := s.Tx(ctx, func(tx *Storage) error {
		// Forget failures nobody can be locked out for any more.
		if err := tx.q(ctx).Where("first_failed_at < ? AND (locked_until IS NULL OR locked_until < ?)", now.Add(-p.Window), now).
			Delete(&LoginFailure{}).Error; err != nil {
			return err
		}
		if err := tx.q(ctx).Clauses(clause.OnConflict{DoNothing: true}).
			Create(&LoginFailure{Email: email, FirstFailedAt: now}).Error; err != nil {
			return err
		}
		if err := tx.forUpdate(tx.q(ctx)).Where("email = ?", email).Take(&f).Error; err != nil {
			return err
		}
		if now.Sub(f.FirstFailedAt) > p.Window || (f.LockedUntil != nil && !f.LockedUntil.After(now)) {
			f.Failures, f.FirstFailedAt, f.LockedUntil = 0, now, nil
		}
		f.Failures++
		if f.Failures >= p.MaxFailures {
			until := now.Add(p.LockFor)
			f.LockedUntil = &until
		}
		return tx.q(ctx).Save(&f).Error
	})
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("record failed login: %w", err)
	}
	var until time.Time
	if f.LockedUntil != nil {
		until = f.LockedUntil.UTC()
	}
	return f.Failures, until, nil
}

// ClearLoginFailures forgets the failed logins of email, after a success.
func (s *Storage) ClearLoginFailures(ctx context.Context, email string) error {
	if err := s.q(ctx).Where("email = ?", normEmail(email)).Delete(&LoginFailure{}).Error; err != nil {
		return fmt.Errorf("clear failed logins: %w", err)
	}
	return nil
}

func normEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }
