package auth

import (
	"context"
	"errors"
	"fmt"

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
