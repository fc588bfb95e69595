package storage

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// Outbox item states.
const (
	OutboxPending = "pending"
	OutboxSent    = "sent"
	OutboxFailed  = "failed"
)

// OutboxItem is a message waiting to be delivered to a channel. It is written
// in the same transaction as the state change that caused it, so nothing is
// lost between deciding to reply and replying.
type OutboxItem struct {
	ID      uint64 `gorm:"primaryKey"`
	Channel string `gorm:"size:32;not null"`
	// ChatKey orders delivery: items with the same key go out one after
	// another, oldest first.
	ChatKey        string `gorm:"size:160;not null;index:idx_outbox_chat,priority:2"`
	Address        string `gorm:"size:128;not null"`
	IdentityID     uint64
	ConversationID uint64
	MessageID      *uint64
	// Payload is the channel-neutral reply, as JSON.
	Payload       string    `gorm:"not null"`
	State         string    `gorm:"size:16;not null;index:idx_outbox_due,priority:1;index:idx_outbox_chat,priority:1"`
	Attempts      int       `gorm:"not null;default:0"`
	NextAttemptAt time.Time `gorm:"not null;index:idx_outbox_due,priority:2"`
	LockedUntil   *time.Time
	LastError     string `gorm:"size:512"`
	CreatedAt     time.Time
	SentAt        *time.Time
	// Prior is what the batch that wrote the item found, in the same
	// statement, of the newest older item of its chat: a pacer can tell
	// from it, without asking the database again, whether the chat's turn
	// is clear. Nil when not looked up (SQLite, items written outside a
	// Batch, items claimed from the table). Not stored.
	Prior *PriorItem `gorm:"-" json:"-"`
}

// PriorItem is the newest item older than an outbox item in the same chat,
// as it stood when the item was written; ID 0 when the chat had none.
type PriorItem struct {
	ID     uint64
	State  string
	SentAt *time.Time
}

// TableName keeps the table called "outbox".
func (OutboxItem) TableName() string { return "outbox" }

// EnqueueOutbox adds an item for delivery; it is due at once. In a Batch
// the item is written, and its id set, when the batch ends.
func (s *Storage) EnqueueOutbox(ctx context.Context, it *OutboxItem) error {
	it.State = OutboxPending
	if it.NextAttemptAt.IsZero() {
		it.NextAttemptAt = time.Now().UTC()
	}
	if s.wb != nil {
		if it.CreatedAt.IsZero() {
			it.CreatedAt = time.Now().UTC()
		}
		s.wb.outbox = append(s.wb.outbox, it)
		return nil
	}
	if err := s.q(ctx).Create(it).Error; err != nil {
		return fmt.Errorf("enqueue outbox item for %s: %w", it.ChatKey, err)
	}
	return nil
}

// ClaimDueOutbox leases up to limit due items for lease, at most one per chat
// key and only the oldest pending item of each chat, so per-chat order holds
// even with several deliverers.
func (s *Storage) ClaimDueOutbox(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]OutboxItem, error) {
	var items []OutboxItem
	err := s.Tx(ctx, func(tx *Storage) error {
		q := tx.q(ctx).Model(&OutboxItem{}).
			Where("state = ? AND next_attempt_at <= ? AND (locked_until IS NULL OR locked_until < ?)", OutboxPending, now, now).
			Where("NOT EXISTS (SELECT 1 FROM outbox p WHERE p.state = ? AND p.chat_key = outbox.chat_key AND p.id < outbox.id)", OutboxPending).
			Order("id ASC").Limit(limit)
		if tx.dialect == Postgres {
			q = q.Clauses(skipLocked())
		}
		if err := q.Find(&items).Error; err != nil {
			return fmt.Errorf("select due outbox items: %w", err)
		}
		if len(items) == 0 {
			return nil
		}
		ids := make([]uint64, len(items))
		until := now.Add(lease)
		for i := range items {
			ids[i] = items[i].ID
			items[i].LockedUntil = &until
		}
		if err := tx.q(ctx).Model(&OutboxItem{}).Where(tx.inIDs("id", ids)).Update("locked_until", until).Error; err != nil {
			return fmt.Errorf("lease outbox items: %w", err)
		}
		return nil
	})
	return items, err
}

// OutboxResult is the outcome of one delivery attempt.
type OutboxResult struct {
	ID uint64
	// MessageID is the message this item delivers, if any.
	MessageID      *uint64
	ConversationID uint64
	IdentityID     uint64
	Channel        string
	// Unreachable is set with Failed when the customer cannot be reached
	// on this channel at all.
	Unreachable bool
	// OptedOut is set with Failed when the customer asked for no more
	// messages on this channel (SMS STOP at the carrier).
	OptedOut bool
	// ProviderID is the channel's id for the message it accepted (a
	// Twilio MessageSid), kept as the message's external id so later
	// status reports find it.
	ProviderID string
	// Sent is true when the channel accepted the message.
	Sent bool
	// Failed is true when the channel refused it for good.
	Failed bool
	// RetryAt is when to try again when neither Sent nor Failed.
	RetryAt time.Time
	Error   string
}

// RecordOutboxResults writes the outcomes of a batch of deliveries, and the
// matching messages' delivery states, in one transaction.
func (s *Storage) RecordOutboxResults(ctx context.Context, now time.Time, results []OutboxResult) error {
	if len(results) == 0 {
		return nil
	}
	if s.dialect == Postgres && allPlainlySent(results) {
		// One statement, outside a transaction: one round trip.
		ids, msgs := make([]uint64, len(results)), []uint64{}
		for i, r := range results {
			ids[i] = r.ID
			if r.MessageID != nil {
				msgs = append(msgs, *r.MessageID)
			}
		}
		return s.markSent(ctx, now, ids, msgs)
	}
	return s.Tx(ctx, func(tx *Storage) error {
		var sentIDs, sentMsgs []uint64
		for _, r := range results {
			switch {
			case r.Sent:
				sentIDs = append(sentIDs, r.ID)
				if r.MessageID != nil {
					sentMsgs = append(sentMsgs, *r.MessageID)
				}
			case r.Failed:
				if err := tx.q(ctx).Model(&OutboxItem{}).Where("id = ?", r.ID).Updates(map[string]any{
					"state": OutboxFailed, "locked_until": nil, "last_error": truncate(r.Error, 512),
					"attempts": gorm.Expr("attempts + 1"),
				}).Error; err != nil {
					return fmt.Errorf("mark outbox %d failed: %w", r.ID, err)
				}
				if r.MessageID != nil {
					if err := tx.q(ctx).Model(&Message{}).Where("id = ?", *r.MessageID).Updates(map[string]any{
						"delivery_state": DeliveryFailed, "delivery_error": truncate(r.Error, 512),
					}).Error; err != nil {
						return fmt.Errorf("mark message %d failed: %w", *r.MessageID, err)
					}
				}
			default:
				if err := tx.q(ctx).Model(&OutboxItem{}).Where("id = ?", r.ID).Updates(map[string]any{
					"next_attempt_at": r.RetryAt, "locked_until": nil, "last_error": truncate(r.Error, 512),
					"attempts": gorm.Expr("attempts + 1"),
				}).Error; err != nil {
					return fmt.Errorf("reschedule outbox %d: %w", r.ID, err)
				}
			}
		}
		if err := tx.markSent(ctx, now, sentIDs, sentMsgs); err != nil {
			return err
		}
		for _, r := range results {
			if r.Sent && r.MessageID != nil && r.ProviderID != "" {
				if err := tx.setProviderID(ctx, *r.MessageID, r.ProviderID); err != nil {
					return err
				}
			}
		}
		return tx.stopDelivering(ctx, now, results)
	})
}

// allPlainlySent reports whether every result is a delivery accepted with
// nothing else to record: the usual batch.
func allPlainlySent(results []OutboxResult) bool {
	for _, r := range results {
		if !r.Sent || r.ProviderID != "" || r.Unreachable || r.OptedOut {
			return false
		}
	}
	return true
}

// markSent marks outbox items ids and their messages msgs sent at now:
// one call of the outbox_mark_sent function (functions.go) on PostgreSQL,
// two updates on SQLite.
func (s *Storage) markSent(ctx context.Context, now time.Time, ids, msgs []uint64) error {
	if len(ids) == 0 && len(msgs) == 0 {
		return nil
	}
	if s.dialect == Postgres {
		if err := s.q(ctx).Exec("SELECT outbox_mark_sent(?, ?, ?, ?, ?)", pgIDArray(ids), pgIDArray(msgs), now,
			OutboxSent, DeliverySent).Error; err != nil {
			return fmt.Errorf("mark %d outbox items sent: %w", len(ids), err)
		}
		return nil
	}
	if len(ids) > 0 {
		if err := s.q(ctx).Model(&OutboxItem{}).Where(s.inIDs("id", ids)).Updates(map[string]any{
			"state": OutboxSent, "locked_until": nil, "sent_at": now, "attempts": gorm.Expr("attempts + 1"),
		}).Error; err != nil {
			return fmt.Errorf("mark %d outbox items sent: %w", len(ids), err)
		}
	}
	if len(msgs) > 0 {
		if err := s.q(ctx).Model(&Message{}).Where(s.inIDs("id", msgs)).Updates(map[string]any{
			"delivery_state": DeliverySent, "delivered_at": now,
		}).Error; err != nil {
			return fmt.Errorf("mark %d messages sent: %w", len(msgs), err)
		}
	}
	return nil
}

// stopDelivering marks the customers a result found unreachable or opted
// out and fails what is still pending to them, in the transaction that
// records the result: no claim in between can send them one more.
func (s *Storage) stopDelivering(ctx context.Context, now time.Time, results []OutboxResult) error {
	for _, r := range results {
		var reason string
		switch {
		case r.Unreachable:
			reason = "customer unreachable: " + r.Error
			if err := s.MarkUnreachable(ctx, r.IdentityID, r.Error, now); err != nil {
				return err
			}
		case r.OptedOut:
			reason = "customer opted out: " + r.Error
			if err := s.SetOptedOut(ctx, r.IdentityID, true); err != nil {
				return err
			}
		default:
			continue
		}
		if _, err := s.FailPendingForIdentity(ctx, r.IdentityID, reason); err != nil {
			return err
		}
	}
	return nil
}

// FailPendingForIdentity fails every pending item to an identity that can no
// longer be reached, so nothing is retried forever.
func (s *Storage) FailPendingForIdentity(ctx context.Context, identityID uint64, reason string) (int64, error) {
	if err := s.Flush(ctx); err != nil {
		return 0, err
	}
	var msgIDs []uint64
	if err := s.q(ctx).Model(&OutboxItem{}).Where("identity_id = ? AND state = ? AND message_id IS NOT NULL", identityID, OutboxPending).
		Pluck("message_id", &msgIDs).Error; err != nil {
		return 0, fmt.Errorf("find pending outbox of identity %d: %w", identityID, err)
	}
	res := s.q(ctx).Model(&OutboxItem{}).Where("identity_id = ? AND state = ?", identityID, OutboxPending).
		Updates(map[string]any{"state": OutboxFailed, "locked_until": nil, "last_error": truncate(reason, 512)})
	if res.Error != nil {
		return 0, fmt.Errorf("fail pending outbox of identity %d: %w", identityID, res.Error)
	}
	if len(msgIDs) > 0 {
		if err := s.q(ctx).Model(&Message{}).Where("id IN ?", msgIDs).Updates(map[string]any{
			"delivery_state": DeliveryFailed, "delivery_error": truncate(reason, 512),
		}).Error; err != nil {
			return 0, fmt.Errorf("fail messages of identity %d: %w", identityID, err)
		}
	}
	return res.RowsAffected, nil
}

// CountPendingOutbox counts items not yet delivered, for metrics.
func (s *Storage) CountPendingOutbox(ctx context.Context) (int64, error) {
	var n int64
	if err := s.q(ctx).Model(&OutboxItem{}).Where("state = ?", OutboxPending).Count(&n).Error; err != nil {
		return 0, fmt.Errorf("count pending outbox: %w", err)
	}
	return n, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && (s[n]&0xC0) == 0x80 {
		n--
	}
	return s[:n]
}

// GetOutboxItem loads one outbox item.
func (s *Storage) GetOutboxItem(ctx context.Context, id uint64) (OutboxItem, error) {
	var it OutboxItem
	if err := s.q(ctx).Take(&it, id).Error; err != nil {
		return it, fmt.Errorf("get outbox item %d: %w", id, notFound(err))
	}
	return it, nil
}

// ReleaseOutbox ends a lease early on items a process will not send now,
// so any instance may claim them at once.
func (s *Storage) ReleaseOutbox(ctx context.Context, ids []uint64) error {
	if len(ids) == 0 {
		return nil
	}
	err := s.q(ctx).Model(&OutboxItem{}).Where("id IN ? AND state = ?", ids, OutboxPending).Update("locked_until", nil).Error
	if err != nil {
		return fmt.Errorf("release %d outbox items: %w", len(ids), err)
	}
	return nil
}
