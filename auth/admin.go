package auth

import (
	"context"
	"errors"
	"fmt"

	"github.com/switchboardhq/switchboard/audit"
	"github.com/switchboardhq/switchboard/storage"
)

// AdminName is the name given to the first supervisor.
const AdminName = "Administrator"

// EnsureAdmin creates the first supervisor when no operator exists yet. With
// an empty password it generates one and returns it, for the caller to show
// once; otherwise generatedPassword is empty. When operators exist it does
// nothing, so restarts never reset a changed password.
func EnsureAdmin(ctx context.Context, store *storage.Storage, email, password string) (generatedPassword string, err error) {
	n, err := store.CountOperators(ctx)
	if err != nil {
		return "", fmt.Errorf("ensure admin: %w", err)
	}
	if n > 0 {
		return "", nil
	}
	if email == "" {
		return "", errors.New("ensure admin: empty email")
	}
	if password == "" {
		if password, err = GeneratePassword(); err != nil {
			return "", fmt.Errorf("ensure admin: %w", err)
		}
		generatedPassword = password
	}
	hash, err := HashPassword(password)
	if err != nil {
		return "", fmt.Errorf("ensure admin %s: %w", email, err)
	}
	op := storage.Operator{Email: email, Name: AdminName, PasswordHash: hash, Role: storage.RoleSupervisor, Active: true}
	if err := store.CreateOperator(ctx, &op); err != nil {
		if errors.Is(err, storage.ErrEmailTaken) {
			// Another instance starting at the same moment won the race.
			return "", nil
		}
		return "", fmt.Errorf("ensure admin: %w", err)
	}
	return generatedPassword, nil
}

// ResetPassword gives the operator with email a new password — password,
// or a generated one when it is empty — and ends their sessions; it
// returns the password set. It is the way back in for someone who lost
// the first supervisor's password (switchboard reset-password).
func ResetPassword(ctx context.Context, store *storage.Storage, email, password string) (string, error) {
	op, err := store.OperatorByEmail(ctx, email)
	if err != nil {
		return "", fmt.Errorf("reset password of %s: %w", email, err)
	}
	if password == "" {
		if password, err = GeneratePassword(); err != nil {
			return "", err
		}
	}
	// Nobody known acts on the command line: the trail's entry has no
	// actor and no address.
	if err := SetPassword(ctx, store, audit.Actor{}, op.ID, password); err != nil {
		return "", fmt.Errorf("reset password of %s: %w", email, err)
	}
	return password, nil
}
