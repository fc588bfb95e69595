package storage

import (
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// migrateFollowUps is migration 12: the follow_ups table, and the canned
// replies brought up to the practice — seeds never edited get the new
// wording, and the Russian ones are added where their shortcut is free.
func migrateFollowUps(tx *gorm.DB) error {
	if err := tx.AutoMigrate(&FollowUp{}); err != nil {
		return fmt.Errorf("create follow_ups: %w", err)
	}
	now := time.Now().UTC()
	first := map[string]string{}
	for _, c := range firstSeeds {
		first[c.Shortcut] = c.Text
	}
	for _, c := range seedCanned {
		if old, ok := first[c.Shortcut]; ok {
			err := tx.Model(&CannedResponse{}).Where("shortcut = ? AND text = ?", c.Shortcut, old).
				Updates(map[string]any{"text": c.Text, "updated_at": now}).Error
			if err != nil {
				return fmt.Errorf("update canned %q: %w", c.Shortcut, err)
			}
			continue
		}
		c.CreatedAt, c.UpdatedAt = now, now
		if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&c).Error; err != nil {
			return fmt.Errorf("seed canned %q: %w", c.Shortcut, err)
		}
	}
	return nil
}
