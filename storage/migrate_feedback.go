package storage

import (
	"fmt"

	"gorm.io/gorm"
)

// migrateFeedback is migration 11: the surveys table, labels and the
// proactive mark on messages, and customers' opt-out of proactive messages.
func migrateFeedback(tx *gorm.DB) error {
	if err := tx.AutoMigrate(&Survey{}); err != nil {
		return fmt.Errorf("create surveys: %w", err)
	}
	for _, c := range []struct {
		model any
		field string
	}{{&Message{}, "Label"}, {&Message{}, "LabelSource"}, {&Message{}, "Proactive"}, {&Customer{}, "ProactiveOptOut"}} {
		if tx.Migrator().HasColumn(c.model, c.field) {
			continue
		}
		if err := tx.Migrator().AddColumn(c.model, c.field); err != nil {
			return fmt.Errorf("add %s: %w", c.field, err)
		}
	}
	if !tx.Migrator().HasIndex(&Message{}, "idx_message_label") {
		if err := tx.Migrator().CreateIndex(&Message{}, "idx_message_label"); err != nil {
			return fmt.Errorf("index message labels: %w", err)
		}
	}
	return nil
}
