package storage_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/audit"
	"github.com/switchboardhq/switchboard/paging"
	"github.com/switchboardhq/switchboard/storage"
	"github.com/switchboardhq/switchboard/storage/storagetest"
)

// TestAuditPagesNewestFirstByActionAndActor records entries, some at the
// same moment, and walks them in pages of two: newest first, ties by id,
// each filter keeping only its own, a rolled-back entry nowhere.
func TestAuditPagesNewestFirstByActionAndActor(t *testing.T) {
	ctx := t.Context()
	store := storagetest.Open(t)
	base := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	ann := audit.Actor{ID: 7, Email: "ann@example.com", Address: "203.0.113.7"}
	var want, wantLogins, wantAnn []uint64
	for i, a := range []struct {
		by     audit.Actor
		action audit.Action
		at     time.Duration
	}{
		{ann, audit.Login, 0},
		{audit.Actor{Email: "who@example.com"}, audit.LoginFailed, time.Minute},
		// At the same moment as the one before: ties go by id.
		{ann, audit.OperatorCreated, time.Minute},
		{ann, audit.Login, 2 * time.Minute},
		{audit.Actor{ID: 8, Email: "bob@example.com"}, audit.Login, 3 * time.Minute},
	} {
		e := audit.New(base.Add(a.at), a.by, a.action, audit.Target{Type: audit.TargetOperator, ID: uint64(i + 1)}, nil)
		if err := store.AddAuditEntry(ctx, &e); err != nil {
			t.Fatal(err)
		}
		want = append([]uint64{e.ID}, want...)
		if a.action == audit.Login {
			wantLogins = append([]uint64{e.ID}, wantLogins...)
		}
		if a.by.ID == ann.ID {
			wantAnn = append([]uint64{e.ID}, wantAnn...)
		}
	}
	rollback := errors.New("roll back")
	if err := store.Tx(ctx, func(tx *storage.Storage) error {
		e := audit.New(base.Add(time.Hour), ann, audit.CustomerErased, audit.Target{}, nil)
		if err := tx.AddAuditEntry(ctx, &e); err != nil {
			t.Fatal(err)
		}
		return rollback
	}); !errors.Is(err, rollback) {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		filter storage.AuditFilter
		want   []uint64
	}{
		{"all", storage.AuditFilter{}, want},
		{"logins", storage.AuditFilter{Action: audit.Login}, wantLogins},
		{"ann's", storage.AuditFilter{ActorID: ann.ID}, wantAnn},
		{"ann's logins", storage.AuditFilter{ActorID: ann.ID, Action: audit.Login}, []uint64{wantAnn[0], wantAnn[2]}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := walkPages(t, 2, func(cursor string) ([]uint64, string, error) {
				f := tc.filter
				f.Limit, f.Cursor = 2, cursor
				page, next, err := store.AuditPage(ctx, f)
				var ids []uint64
				for _, e := range page {
					ids = append(ids, e.ID)
				}
				return ids, next, err
			})
			if !slices.Equal(got, tc.want) {
				t.Errorf("walked %v, want %v", got, tc.want)
			}
		})
	}
	first, _, err := store.AuditPage(ctx, storage.AuditFilter{Limit: 1})
	if err != nil || len(first) != 1 || first[0].ActorEmail != "bob@example.com" || first[0].Address != "" ||
		first[0].ActorID == nil || *first[0].ActorID != 8 || !first[0].At.Equal(base.Add(3*time.Minute)) {
		t.Fatalf("newest entry %+v, %v", first, err)
	}
	other, err := paging.Encode("followups:newest", map[string]any{"t": base, "i": 1})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := store.AuditPage(ctx, storage.AuditFilter{Cursor: other}); !errors.Is(err, paging.ErrBadCursor) {
		t.Errorf("another list's cursor: %v, want ErrBadCursor", err)
	}
}
