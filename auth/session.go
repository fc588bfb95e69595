package auth

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/switchboardhq/switchboard/audit"
	"github.com/switchboardhq/switchboard/storage"
)

// ErrBadCredentials is returned by Login for an unknown email, a wrong
// password or a deactivated operator alike, so callers cannot tell which.
var ErrBadCredentials = errors.New("wrong email or password")

// ErrBadToken is returned by Authenticate for a token that is unknown or
// expired, or whose operator was deactivated.
var ErrBadToken = errors.New("invalid or expired token")

// Login is LoginFrom with no address known: for the command line and
// tests.
func Login(ctx context.Context, store *storage.Storage, email, password string, ttl time.Duration) (string, storage.Operator, error) {
	return LoginFrom(ctx, store, email, password, "", ttl)
}

// LoginFrom checks email and password, given from address, and opens a
// session lasting ttl. It returns the bearer token, shown to the client
// once and stored only as its hash. Failed logins are counted per email
// (see LoginPolicy): each waits a little longer, and too many lock the
// email, when LoginFrom returns a *LockedOutError whatever the password.
// Every attempt is in the audit trail: a login with its session, a
// failure with its count, a lockout when this failure started one.
func LoginFrom(ctx context.Context, store *storage.Storage, email, password, address string, ttl time.Duration) (string, storage.Operator, error) {
	now := time.Now().UTC()
	who := audit.Actor{Email: email, Address: address}
	if err := checkLock(ctx, store, email, now); err != nil {
		if errors.Is(err, ErrLockedOut) {
			if rerr := recordLocked(ctx, store, who, now); rerr != nil {
				return "", storage.Operator{}, rerr
			}
		}
		return "", storage.Operator{}, err
	}
	op, err := store.OperatorByEmail(ctx, email)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		// Spend the same bcrypt time as for a real account: no timing
		// oracle for which emails exist.
		CheckPassword(string(decoyHash()), password)
		return "", storage.Operator{}, failed(ctx, store, who, now, "unknown email")
	case err != nil:
		return "", storage.Operator{}, fmt.Errorf("log in: %w", err)
	}
	who.ID, who.Email = op.ID, op.Email
	if !CheckPassword(op.PasswordHash, password) {
		return "", storage.Operator{}, failed(ctx, store, who, now, "wrong password")
	}
	if !op.Active {
		return "", storage.Operator{}, failed(ctx, store, who, now, "deactivated")
	}
	token, err := NewToken()
	if err != nil {
		return "", storage.Operator{}, err
	}
	err = store.Tx(ctx, func(tx *storage.Storage) error {
		if err := tx.ClearLoginFailures(ctx, email); err != nil {
			return err
		}
		sess := storage.Session{TokenHash: HashToken(token), OperatorID: op.ID, CreatedAt: now, ExpiresAt: now.Add(ttl)}
		if err := tx.CreateSession(ctx, &sess); err != nil {
			return err
		}
		entry := audit.New(now, who, audit.Login, audit.OperatorTarget(op.ID), nil)
		return tx.AddAuditEntry(ctx, &entry)
	})
	if err != nil {
		return "", storage.Operator{}, fmt.Errorf("log in operator %d: %w", op.ID, err)
	}
	return token, op, nil
}

// Authenticate returns the active operator whose unexpired session token
// is, or ErrBadToken.
func Authenticate(ctx context.Context, store *storage.Storage, token string) (storage.Operator, error) {
	if token == "" {
		return storage.Operator{}, ErrBadToken
	}
	op, err := store.SessionOperator(ctx, HashToken(token), time.Now().UTC())
	switch {
	case errors.Is(err, storage.ErrNotFound):
		return storage.Operator{}, ErrBadToken
	case err != nil:
		return storage.Operator{}, fmt.Errorf("authenticate: %w", err)
	}
	return op, nil
}

// Logout ends the session of token; an unknown token is not an error.
func Logout(ctx context.Context, store *storage.Storage, token string) error {
	if err := store.DeleteSession(ctx, HashToken(token)); err != nil {
		return fmt.Errorf("log out: %w", err)
	}
	return nil
}

// EndSessions ends every session of an operator but the one of keepToken
// (none when it is empty): after a password change, a reset or a
// deactivation.
func EndSessions(ctx context.Context, store *storage.Storage, operatorID uint64, keepToken string) error {
	keep := ""
	if keepToken != "" {
		keep = HashToken(keepToken)
	}
	if _, err := store.DeleteOperatorSessions(ctx, operatorID, keep); err != nil {
		return fmt.Errorf("end sessions: %w", err)
	}
	return nil
}

// SetPassword is a reset: by gives operator operatorID a new password,
// every session of theirs ends, and the audit trail records it (by is
// nobody on the command line). It fails with ErrWeakPassword for a
// password HashPassword refuses.
func SetPassword(ctx context.Context, store *storage.Storage, by audit.Actor, operatorID uint64, password string) error {
	entry := audit.New(time.Now(), by, audit.PasswordReset, audit.OperatorTarget(operatorID), nil)
	return setPassword(ctx, store, operatorID, password, "", entry)
}

// setPassword gives an operator a new password, ends their sessions but
// the one of keepToken, and records entry, in one transaction.
func setPassword(ctx context.Context, store *storage.Storage, operatorID uint64, password, keepToken string, entry audit.Entry) error {
	hash, err := HashPassword(password)
	if err != nil {
		return err
	}
	return store.Tx(ctx, func(tx *storage.Storage) error {
		if _, err := tx.UpdateOperator(ctx, operatorID, storage.OperatorChanges{PasswordHash: &hash}); err != nil {
			return fmt.Errorf("set password: %w", err)
		}
		if err := EndSessions(ctx, tx, operatorID, keepToken); err != nil {
			return err
		}
		return tx.AddAuditEntry(ctx, &entry)
	})
}

// ChangePassword lets an operator, at address, replace their own
// password. The current password is checked under the same lockout and
// growing delay as a login — a stolen session must not become a fast
// password oracle — and gives ErrBadCredentials when wrong (a failed
// login in the audit trail). Every session but keepToken ends.
func ChangePassword(ctx context.Context, store *storage.Storage, op storage.Operator, current, next, keepToken, address string) error {
	now := time.Now().UTC()
	who := audit.Actor{ID: op.ID, Email: op.Email, Address: address}
	if err := checkLock(ctx, store, op.Email, now); err != nil {
		if errors.Is(err, ErrLockedOut) {
			if rerr := recordLocked(ctx, store, who, now); rerr != nil {
				return rerr
			}
		}
		return err
	}
	if !CheckPassword(op.PasswordHash, current) {
		return failed(ctx, store, who, now, "wrong current password")
	}
	if err := store.ClearLoginFailures(ctx, op.Email); err != nil {
		return fmt.Errorf("change password of operator %d: %w", op.ID, err)
	}
	entry := audit.New(now, who, audit.PasswordChanged, audit.OperatorTarget(op.ID), nil)
	return setPassword(ctx, store, op.ID, next, keepToken, entry)
}
