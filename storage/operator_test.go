package storage_test

import (
	"testing"

	"github.com/switchboardhq/switchboard/storage"
	"github.com/switchboardhq/switchboard/storage/storagetest"
)

func TestMigrationTwoUpgradesADatabaseFromBeforeIt(t *testing.T) {
	s := storagetest.Open(t)
	ctx := t.Context()
	// Back to the schema of version 1, with an operator in it.
	for _, sql := range []string{
		"ALTER TABLE operators DROP COLUMN capacity",
		"ALTER TABLE operators DROP COLUMN presence",
		"ALTER TABLE operators DROP COLUMN last_assigned_at",
		"DROP TABLE login_failures",
		"DELETE FROM schema_migrations WHERE version = 2",
		"INSERT INTO operators (email, name, password_hash, role, active, created_at, updated_at) VALUES ('ann@example.com', 'Ann', 'x', 'operator', true, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
	} {
		if err := s.Exec(ctx, sql); err != nil {
			t.Fatal(err)
		}
	}

	n, err := s.Migrate(ctx)
	if err != nil || n != 1 {
		t.Fatalf("Migrate = %d, %v; want migration 2 applied", n, err)
	}
	op, err := s.OperatorByEmail(ctx, "ann@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if op.Capacity != storage.DefaultCapacity || op.Presence != storage.PresenceOffline || op.LastAssignedAt != nil {
		t.Fatalf("existing operator after migration: capacity %d, presence %q, last assigned %v", op.Capacity, op.Presence, op.LastAssignedAt)
	}
	if _, err := s.LoginLockedUntil(ctx, "ann@example.com", op.CreatedAt); err != nil {
		t.Fatalf("login_failures after migration: %v", err)
	}
}
