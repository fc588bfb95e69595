package storage_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/switchboardhq/switchboard/storage"
	"github.com/switchboardhq/switchboard/storage/storagetest"
)

// TestAFailedBatchHandsItsConnectionBackClean runs batches that fail after
// their prefetch began the transaction — by an error, by a panic, by a
// statement the database refuses — on a pool of one connection: each must
// leave nothing behind, and the next write on that connection must be
// committed at once, seen by another connection, not kept in a
// transaction left open.
func TestAFailedBatchHandsItsConnectionBackClean(t *testing.T) {
	s, url := openOneConnection(t, "SQLite's batch is a plain transaction")
	ctx := t.Context()
	other := storagetest.OpenURL(t, url)

	begin := func(tx *storage.Storage, external string) {
		if _, err := tx.Prefetch(ctx, storage.PrefetchRequest{Events: 1,
			Contacts: []storage.Contact{{Channel: "telegram", ExternalID: external, Address: external}}}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := tx.FindOrCreateIdentity(ctx, storage.Contact{Channel: "telegram", ExternalID: external, Address: external}); err != nil {
			t.Fatal(err)
		}
	}
	failures := []struct {
		name string
		run  func(external string) error
	}{
		{"error", func(external string) error {
			return s.Batch(ctx, func(tx *storage.Storage) error {
				begin(tx, external)
				return errors.New("the engine gave up")
			})
		}},
		{"panic", func(external string) (err error) {
			defer func() {
				if r := recover(); r != nil {
					err = fmt.Errorf("panicked: %v", r)
				}
			}()
			return s.Batch(ctx, func(tx *storage.Storage) error {
				begin(tx, external)
				panic("the engine broke")
			})
		}},
		{"refused statement", func(external string) error {
			return s.Batch(ctx, func(tx *storage.Storage) error {
				begin(tx, external)
				return tx.Exec(ctx, "SELECT 1/0")
			})
		}},
	}
	for i, f := range failures {
		external := fmt.Sprint(100 + i)
		if err := f.run(external); err == nil {
			t.Fatalf("%s: the batch succeeded", f.name)
		}
		var left []struct{ ID uint64 }
		if err := other.Select(ctx, &left, "SELECT id FROM identities WHERE external_id = ?", external); err != nil {
			t.Fatal(err)
		}
		if len(left) > 0 {
			t.Errorf("%s: the failed batch left its identity behind", f.name)
		}
		op := storage.Operator{Name: "after " + f.name, Email: fmt.Sprintf("after%d@example.com", i), PasswordHash: "x",
			Role: storage.RoleOperator}
		if err := s.CreateOperator(ctx, &op); err != nil {
			t.Fatalf("%s: a write after the failed batch: %v", f.name, err)
		}
		if _, err := other.GetOperator(ctx, op.ID); err != nil {
			t.Errorf("%s: a write after the failed batch is not seen by another connection (%v): "+
				"its connection was handed back inside a transaction", f.name, err)
		}
	}
}
