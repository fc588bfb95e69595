package storage

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/switchboardhq/switchboard/callback/policy"
)

// ErasedText replaces every erased text.
const ErasedText = "[erased]"

// ErasedPrefix starts an erased identity's external id: "erased:<id>",
// unique, so the channel's id is free for a new customer.
const ErasedPrefix = "erased:"

// Erasure counts what EraseCustomer changed; it holds no personal data.
type Erasure struct {
	Conversations  int64
	Messages       int64
	MediaFiles     int64
	Identities     int64
	Callbacks      int64
	CallbacksEnded int64
	OutboxDropped  int64
	FollowUps      int64
	// Changed are the customer's conversations as they are afterwards.
	Changed []Conversation
}

// EraseCustomer removes what customer id said and what they are known by,
// in one transaction, and records who erased them when (ErasedAt,
// ErasedByID). Customers', operators' (replies and notes quote customers)
// and the bot's messages (callback confirmations quote the number) read
// ErasedText, with no file, media, choices or channel answer;
// fetched media bytes are deleted; name, username, phone and time zone are
// emptied; identities get the external id ErasedPrefix+<id> and no address,
// so the same Telegram account or number starts a new customer;
// callbacks lose their phone and notes, scheduled ones are cancelled;
// outbox items to their conversations lose their payload, pending ones
// fail; follow-ups' summaries and decisions read ErasedText. Conversations,
// surveys' scores, labels and counts stay, so reports keep their numbers.
// System messages are left: they name operators and ids only.
// ErrNotFound names an unknown id; ErrCustomerErased a second erasure.
func (s *Storage) EraseCustomer(ctx context.Context, id, operatorID uint64, at time.Time) (Erasure, error) {
	var out Erasure
	at = at.UTC()
	err := s.Tx(ctx, func(tx *Storage) error {
		var cust Customer
		if err := tx.forUpdate(tx.q(ctx)).Take(&cust, id).Error; err != nil {
			return fmt.Errorf("load customer %d: %w", id, notFound(err))
		}
		if cust.ErasedAt != nil {
			return fmt.Errorf("customer %d: %w", id, ErrCustomerErased)
		}
		convs := "SELECT id FROM conversations WHERE customer_id = ?"
		// Outbox items to the customer: in their conversations, or to one
		// of their identities.
		toThem := "(conversation_id IN (" + convs + ") OR identity_id IN (SELECT id FROM identities WHERE customer_id = ?))"
		steps := []struct {
			what  string
			count *int64
			sql   string
			args  []any
		}{
			{"messages", &out.Messages, `UPDATE messages SET text = CASE WHEN text = '' THEN '' ELSE ? END,
				file_id = '', file_name = '', media_type = '', media_size = 0, response = '', delivery_error = '',
				choices = '' WHERE conversation_id IN (` + convs + `) AND author IN (?, ?, ?)`,
				[]any{ErasedText, id, AuthorCustomer, AuthorOperator, AuthorBot}},
			{"media files", &out.MediaFiles, `DELETE FROM media_files WHERE message_id IN
				(SELECT id FROM messages WHERE conversation_id IN (` + convs + `))`, []any{id}},
			{"conversations", &out.Conversations, `UPDATE conversations SET
				first_text = CASE WHEN first_text = '' THEN '' ELSE ? END WHERE customer_id = ?`, []any{ErasedText, id}},
			{"identities", &out.Identities, `UPDATE identities SET external_id = ? || CAST(id AS TEXT), address = '',
				unreachable_reason = '' WHERE customer_id = ?`, []any{ErasedPrefix, id}},
			{"callbacks", &out.CallbacksEnded, `UPDATE callbacks SET state = ?, updated_at = ?
				WHERE customer_id = ? AND state = ?`, []any{policy.Cancelled, at, id, policy.Scheduled}},
			{"callbacks", &out.Callbacks, `UPDATE callbacks SET phone = '', notes = '', last_error = '', updated_at = ?
				WHERE customer_id = ?`, []any{at, id}},
			// The chat key holds the channel's address (a Telegram user id).
			{"outbox", nil, `UPDATE outbox SET payload = '{}', address = '', chat_key = ? || CAST(id AS TEXT),
				last_error = CASE WHEN last_error IS NULL OR last_error = '' THEN last_error ELSE ? END
				WHERE ` + toThem, []any{ErasedPrefix, ErasedText, id, id}},
			{"outbox", &out.OutboxDropped, `UPDATE outbox SET state = ?, last_error = 'customer erased'
				WHERE state = ? AND ` + toThem, []any{OutboxFailed, OutboxPending, id, id}},
			{"follow-ups", &out.FollowUps, `UPDATE follow_ups SET summary = ?,
				decision = CASE WHEN decision IS NULL OR decision = '' THEN decision ELSE ? END WHERE customer_id = ?`,
				[]any{ErasedText, ErasedText, id}},
			{"customer", nil, `UPDATE customers SET name = '', username = '', phone = '', time_zone = '',
				erased_at = ?, erased_by_id = ?, updated_at = ? WHERE id = ?`, []any{at, operatorID, at, id}},
		}
		for _, st := range steps {
			res := tx.q(ctx).Exec(st.sql, st.args...)
			if res.Error != nil {
				return fmt.Errorf("erase %s of customer %d: %w", st.what, id, res.Error)
			}
			if st.count != nil {
				*st.count = res.RowsAffected
			}
		}
		if err := tx.q(ctx).Where("customer_id = ?", id).Order("id ASC").Find(&out.Changed).Error; err != nil {
			return fmt.Errorf("conversations of erased customer %d: %w", id, err)
		}
		return nil
	})
	return out, err
}

// ErasedExternalID is the external id identity id has once erased.
func ErasedExternalID(id uint64) string { return ErasedPrefix + strconv.FormatUint(id, 10) }
