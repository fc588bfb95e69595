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
	if err := addColumns(tx, column{&Message{}, "Label"}, column{&Message{}, "LabelSource"},
		column{&Message{}, "Proactive"}, column{&Customer{}, "ProactiveOptOut"}); err != nil {
		return err
	}
	if !tx.Migrator().HasIndex(&Message{}, "idx_message_label") {
		if err := tx.Migrator().CreateIndex(&Message{}, "idx_message_label"); err != nil {
			return fmt.Errorf("index message labels: %w", err)
		}
	}
	return nil
}
