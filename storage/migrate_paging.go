package storage

import (
	"fmt"

	"gorm.io/gorm"
)

// pagingIndexes are the indexes keyset paging walks (migration 15): each
// holds a list's filter column, then its order's keys down to the id.
var pagingIndexes = []struct{ name, table, columns string }{
	// GET /conversations?status=waiting: the queue, oldest first.
	{"idx_conversation_queue_page", "conversations", "state, handed_over_at, id"},
	// GET /conversations?status=resolved: latest resolved first. (The
	// live states, by latest message, have no index: see
	// storage/conversation.go.)
	{"idx_conversation_resolved_page", "conversations", "state, resolved_at, id"},
	// GET /customers/{id}/history: oldest first.
	{"idx_conversation_history_page", "conversations", "customer_id, created_at, id"},
	// GET /callbacks?status=scheduled: the dialling order.
	{"idx_callback_dial_page", "callbacks", "state, (" + dialGroupKey + "), (" + dialTimeKey + "), (" +
		dialAsapKey + "), (" + dialTurnKey + "), id"},
	// GET /callbacks?status=S: latest change first.
	{"idx_callback_changed_page", "callbacks", "state, updated_at, id"},
	// GET /followups?state=S.
	{"idx_follow_up_page", "follow_ups", "state, created_at, id"},
}

// migratePaging is migration 15: the indexes of keyset paging.
func migratePaging(tx *gorm.DB) error {
	for _, ix := range pagingIndexes {
		sql := fmt.Sprintf("CREATE INDEX IF NOT EXISTS %s ON %s (%s)", ix.name, ix.table, ix.columns)
		if err := tx.Exec(sql).Error; err != nil {
			return fmt.Errorf("create index %s: %w", ix.name, err)
		}
	}
	return nil
}
