package auth

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/switchboardhq/switchboard/storage"
)

// ErrBadCredentials is returned by Login for an unknown email, a wrong
// password or a deactivated operator alike, so callers cannot tell which.
var ErrBadCredentials = errors.New("wrong email or password")

// ErrBadToken is returned by Authenticate for a token that is unknown or
// expired, or whose operator was deactivated.
var ErrBadToken = errors.New("invalid or expired token")

// Login checks email and password and opens a session lasting ttl. It
// returns the bearer token, shown to the client once and stored only as
// its hash.
func Login(ctx context.Context, store *storage.Storage, email, password string, ttl time.Duration) (string, storage.Operator, error) {
	op, err := store.OperatorByEmail(ctx, email)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		// Spend the same bcrypt time as for a real account: no timing
		// oracle for which emails exist.
		CheckPassword(string(decoyHash()), password)
		return "", storage.Operator{}, ErrBadCredentials
	case err != nil:
		return "", storage.Operator{}, fmt.Errorf("log in: %w", err)
	}
	if !CheckPassword(op.PasswordHash, password) || !op.Active {
		return "", storage.Operator{}, ErrBadCredentials
	}
	token, err := NewToken()
	if err != nil {
		return "", storage.Operator{}, err
	}
	now := time.Now().UTC()
	sess := storage.Session{TokenHash: HashToken(token), OperatorID: op.ID, CreatedAt: now, ExpiresAt: now.Add(ttl)}
	if err := store.CreateSession(ctx, &sess); err != nil {
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
