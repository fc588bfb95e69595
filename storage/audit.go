package storage

import (
	"context"
	"fmt"

	"gorm.io/gorm"

	"github.com/switchboardhq/switchboard/audit"
)

// auditIndexes are what GET /audit walks, newest first: every entry, or
// those of one action or one actor (migration 23).
var auditIndexes = []struct{ name, columns string }{
	{"idx_audit_entries_page", "at, id"},
	{"idx_audit_entries_action_page", "action, at, id"},
	{"idx_audit_entries_actor_page", "actor_id, at, id"},
}

// migrateAudit is migration 23: the audit trail and its paging indexes.
func migrateAudit(tx *gorm.DB) error {
	if err := tx.AutoMigrate(&audit.Entry{}); err != nil {
		return err
	}
	for _, ix := range auditIndexes {
		sql := fmt.Sprintf("CREATE INDEX IF NOT EXISTS %s ON audit_entries (%s)", ix.name, ix.columns)
		if err := tx.Exec(sql).Error; err != nil {
			return fmt.Errorf("create index %s: %w", ix.name, err)
		}
	}
	return nil
}

// AddAuditEntry records e and fills its id. Called on a Storage from Tx,
// it lands with the action it records or not at all.
func (s *Storage) AddAuditEntry(ctx context.Context, e *audit.Entry) error {
	if err := s.q(ctx).Create(e).Error; err != nil {
		return fmt.Errorf("record audit entry %s: %w", e.Action, err)
	}
	return nil
}

// AuditFilter selects a page of the audit trail.
type AuditFilter struct {
	// Action keeps entries of one action; "" keeps all.
	Action audit.Action
	// ActorID keeps entries of one operator's doing; 0 keeps all.
	ActorID uint64
	// Limit is the page size (paging.Clamp); Cursor continues a page.
	Limit  int
	Cursor string
}

var auditKeyset = keyset[audit.Entry, timeKey]{
	list:  "audit",
	order: "at DESC, id DESC",
	after: "(at, id) < (?, ?)",
	args:  timeKeyArgs,
	keyOf: func(e audit.Entry) timeKey { return timeKey{At: e.At, ID: e.ID} },
}

// AuditPage returns one page of the audit trail, newest first, and the
// cursor of the next ("" after the last).
func (s *Storage) AuditPage(ctx context.Context, f AuditFilter) ([]audit.Entry, string, error) {
	q := s.q(ctx).Model(&audit.Entry{})
	if f.Action != "" {
		q = q.Where("action = ?", f.Action)
	}
	if f.ActorID != 0 {
		q = q.Where("actor_id = ?", f.ActorID)
	}
	return page(q, auditKeyset, f.Cursor, f.Limit)
}
