package storage

import (
	"context"
	"fmt"

	"gorm.io/gorm/clause"
)

// Messages a channel identifies by its own id (Channel and ExternalID): a
// Telegram update, an SMS's MessageSid, a step of a call.

// Conditions on a message's channel and external id. The unique index on
// them is partial (external_id <> ”), and SQLite uses a partial index only
// when the query repeats its condition: without it, every look-up by
// external id reads the whole messages table.
const whereExternal = "channel = ? AND external_id = ? AND external_id <> ''"

// InsertOnce stores m unless a message with its channel and external id
// exists, and reports false for such a repeat. It keeps m's direction.
//
// In a Batch the message is written when the batch ends, and a repeat found
// then fails the batch with ErrBatchConflict; the batch's caller checks for
// repeats beforehand (SeenExternals).
func (s *Storage) InsertOnce(ctx context.Context, m *Message) (bool, error) {
	if s.wb != nil {
		s.wb.holdMessage(m)
		return true, nil
	}
	res := s.q(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(m)
	if res.Error != nil {
		return false, fmt.Errorf("insert message %s/%s: %w", m.Channel, m.ExternalID, res.Error)
	}
	return res.RowsAffected == 1, nil
}

// ConversationOfExternal returns the id of the conversation holding the
// message channel knows as externalID, or ErrNotFound.
func (s *Storage) ConversationOfExternal(ctx context.Context, channel, externalID string) (uint64, error) {
	var m Message
	err := s.q(ctx).Select("conversation_id").Where(whereExternal, channel, externalID).Take(&m).Error
	if err != nil {
		return 0, fmt.Errorf("conversation of %s/%s: %w", channel, externalID, notFound(err))
	}
	return m.ConversationID, nil
}
