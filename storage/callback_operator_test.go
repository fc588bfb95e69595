package storage_test

import (
	"errors"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/callback/policy"
	"github.com/switchboardhq/switchboard/storage"
	"github.com/switchboardhq/switchboard/storage/storagetest"
)

func TestMigrationSevenGivesExistingOperatorsNoPhone(t *testing.T) {
	s := storagetest.Open(t)
	ctx := t.Context()
	for _, sql := range []string{
		"ALTER TABLE operators DROP COLUMN phone",
		"DELETE FROM schema_migrations WHERE version = 7",
		"INSERT INTO operators (email, name, password_hash, role, active, capacity, presence, created_at, updated_at) VALUES ('ann@example.com', 'Ann', 'x', 'operator', true, 5, 'offline', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
	} {
		if err := s.Exec(ctx, sql); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := s.Migrate(ctx); err != nil || n != 1 {
		t.Fatalf("Migrate = %d, %v; want migration 7 applied", n, err)
	}
	op, err := s.OperatorByEmail(ctx, "ann@example.com")
	if err != nil || op.Phone != "" {
		t.Fatalf("existing operator after migration: %+v, %v", op, err)
	}
	phone := "+447700900123"
	if op, err = s.UpdateOperator(ctx, op.ID, storage.OperatorChanges{Phone: &phone}); err != nil || op.Phone != phone {
		t.Fatalf("set phone: %+v, %v", op, err)
	}
}

// onlineOperator stores an active, online operator with a phone.
func onlineOperator(t *testing.T, s *storage.Storage, email string) storage.Operator {
	t.Helper()
	op := storage.Operator{Email: email, Name: email, PasswordHash: "x", Role: storage.RoleOperator, Active: true,
		Presence: storage.PresenceOnline, Phone: "+447700900123"}
	if err := s.CreateOperator(t.Context(), &op); err != nil {
		t.Fatal(err)
	}
	return op
}

func TestOperatorOnACallbackCallIsNotFreeForAnother(t *testing.T) {
	s := storagetest.Open(t)
	ctx := t.Context()
	now := time.Now().UTC().Truncate(time.Second)
	op := onlineOperator(t, s, "ann@example.com")
	first, second := newCallback(t, s, now, time.Time{}), newCallback(t, s, now, time.Time{})
	if got := claimIDs(t, s, now, "a", 2); len(got) != 2 {
		t.Fatalf("claimed %v", got)
	}
	if free, err := s.FreeCallbackOperators(ctx, 10); err != nil || len(free) != 1 {
		t.Fatalf("free before = %+v, %v", free, err)
	}
	given, err := s.AssignCallbackOperator(ctx, first.ID, "a", op.ID, now)
	if err != nil || given.OperatorID == nil || *given.OperatorID != op.ID {
		t.Fatalf("assign = %+v, %v", given, err)
	}
	if _, err := s.AssignCallbackOperator(ctx, second.ID, "a", op.ID, now); !errors.Is(err, storage.ErrOperatorBusy) {
		t.Fatalf("second assign: %v, want ErrOperatorBusy", err)
	}
	if _, err := s.AssignCallbackOperator(ctx, second.ID, "b", op.ID, now); !errors.Is(err, storage.ErrLeaseLost) {
		t.Fatalf("assign without the lease: %v, want ErrLeaseLost", err)
	}
	if free, err := s.FreeCallbackOperators(ctx, 10); err != nil || len(free) != 0 {
		t.Fatalf("free while on a call = %+v, %v", free, err)
	}
}

func TestReturnUndialledTakesBackTheAttemptOnce(t *testing.T) {
	s := storagetest.Open(t)
	ctx := t.Context()
	now := time.Now().UTC().Truncate(time.Second)
	cb := startDial(t, s, now, newCallback(t, s, now, time.Time{}), "CA1")
	if cb.Attempts != 1 {
		t.Fatalf("attempts after dial = %d", cb.Attempts)
	}
	if _, moved, err := s.ReturnUndialled(ctx, cb.ID, "CA-other", now, "x"); err != nil || moved {
		t.Fatalf("another call's return: moved %v, %v", moved, err)
	}
	back, moved, err := s.ReturnUndialled(ctx, cb.ID, "CA1", now.Add(time.Minute), "operator did not answer")
	if err != nil || !moved || back.State != policy.Scheduled || back.Attempts != 0 || !back.NextAttemptAt.Equal(now.Add(time.Minute)) || back.LeaseOwner != "" {
		t.Fatalf("return = %+v, moved %v, %v", back, moved, err)
	}
	if _, moved, err := s.ReturnUndialled(ctx, cb.ID, "CA1", now, "again"); err != nil || moved {
		t.Fatalf("repeated return: moved %v, %v", moved, err)
	}
}

func TestCallbackCallsShareOutAmongOperators(t *testing.T) {
	s := storagetest.Open(t)
	ctx := t.Context()
	now := time.Now().UTC().Truncate(time.Second)
	ann, bob := onlineOperator(t, s, "ann@example.com"), onlineOperator(t, s, "bob@example.com")
	cb := newCallback(t, s, now, time.Time{})
	if got := claimIDs(t, s, now, "a", 1); len(got) != 1 {
		t.Fatalf("claimed %v", got)
	}
	free, err := s.FreeCallbackOperators(ctx, 10)
	if err != nil || len(free) != 2 || free[0].ID != ann.ID {
		t.Fatalf("free before = %+v, %v; want Ann first", free, err)
	}
	if _, err := s.AssignCallbackOperator(ctx, cb.ID, "a", ann.ID, now); err != nil {
		t.Fatal(err)
	}
	if _, err := s.FinishCallback(ctx, cb.ID, policy.Completed, "completed", nil, now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	free, err = s.FreeCallbackOperators(ctx, 10)
	if err != nil || len(free) != 2 || free[0].ID != bob.ID {
		t.Fatalf("free after Ann's call = %+v, %v; want Bob first", free, err)
	}
}
