package storage

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// ErrSameCustomer is returned when a customer is to be merged into
// themselves.
var ErrSameCustomer = errors.New("a customer cannot be merged into themselves")

// ErrCustomerMerged is returned when a customer already merged into
// another is to be merged, into or from.
var ErrCustomerMerged = errors.New("customer was already merged into another")

// ErrCustomerErased is returned when an erased customer is to be erased
// again or merged.
var ErrCustomerErased = errors.New("customer was erased")

// customerTables are the tables whose rows belong to a customer by
// customer_id; a merge moves all of them. Notes and messages follow their
// conversations.
var customerTables = []string{"identities", "conversations", "callbacks", "surveys", "follow_ups"}

// Merge is what MergeCustomers did.
type Merge struct {
	// Into is the customer as they are after the merge.
	Into Customer
	// Moved counts the rows moved, by table.
	Moved map[string]int64
	// Conversation is the target's latest conversation, which holds Note;
	// nil when the merged customer has no conversation at all.
	Conversation *Conversation
	Note         *Message
	// Conversations are every conversation of the target after the merge.
	Conversations []Conversation
}

// MergeCustomers moves everything of customer from (identities,
// conversations with their messages, callbacks, surveys, follow-ups) to
// customer into, in one transaction, marks from as merged into it, and
// adds a system message saying text to into's latest conversation (by its
// last message, of all they have after the merge). Fields into lacks
// (phone, name, username, language, time zone) are taken from from.
// ErrNotFound names an unknown id; ErrSameCustomer, ErrCustomerMerged and
// ErrCustomerErased refuse the merge, changing nothing.
func (s *Storage) MergeCustomers(ctx context.Context, into, from, operatorID uint64, text string, at time.Time) (Merge, error) {
	out := Merge{Moved: map[string]int64{}}
	if into == from {
		return out, ErrSameCustomer
	}
	err := s.Tx(ctx, func(tx *Storage) error {
		var target, source Customer
		// Locked in id order, so two merges of the same pair cannot
		// deadlock.
		for _, id := range []uint64{min(into, from), max(into, from)} {
			var cust Customer
			if err := tx.forUpdate(tx.q(ctx)).Take(&cust, id).Error; err != nil {
				return fmt.Errorf("load customer %d: %w", id, notFound(err))
			}
			if cust.ID == into {
				target = cust
			} else {
				source = cust
			}
		}
		for _, c := range []Customer{target, source} {
			if c.MergedInto != nil {
				return fmt.Errorf("customer %d: %w (into %d)", c.ID, ErrCustomerMerged, *c.MergedInto)
			}
			if c.ErasedAt != nil {
				return fmt.Errorf("customer %d: %w", c.ID, ErrCustomerErased)
			}
		}
		for _, table := range customerTables {
			res := tx.q(ctx).Exec("UPDATE "+table+" SET customer_id = ? WHERE customer_id = ?", into, from)
			if res.Error != nil {
				return fmt.Errorf("move %s of customer %d to %d: %w", table, from, into, res.Error)
			}
			out.Moved[table] = res.RowsAffected
		}
		fill := map[string]any{"updated_at": at}
		for col, pair := range map[string][2]string{"phone": {target.Phone, source.Phone}, "name": {target.Name, source.Name},
			"username": {target.Username, source.Username}, "language": {target.Language, source.Language},
			"time_zone": {target.TimeZone, source.TimeZone}} {
			if pair[0] == "" && pair[1] != "" {
				fill[col] = pair[1]
			}
		}
		// The source's number goes: a later text from it finds the target.
		err := tx.q(ctx).Model(&Customer{}).Where("id = ?", from).
			Updates(map[string]any{"merged_into": into, "phone": "", "updated_at": at}).Error
		if err != nil {
			return fmt.Errorf("mark customer %d merged: %w", from, err)
		}
		if err := tx.q(ctx).Model(&Customer{}).Where("id = ?", into).Updates(fill).Error; err != nil {
			return fmt.Errorf("fill customer %d: %w", into, err)
		}
		if err := tx.q(ctx).Take(&out.Into, into).Error; err != nil {
			return fmt.Errorf("reload customer %d: %w", into, err)
		}
		err = tx.q(ctx).Where("customer_id = ?", into).Order("last_message_at DESC, id DESC").Find(&out.Conversations).Error
		if err != nil {
			return fmt.Errorf("conversations of customer %d: %w", into, err)
		}
		if len(out.Conversations) == 0 {
			return nil
		}
		latest := out.Conversations[0]
		out.Conversation = &latest
		out.Note = &Message{ConversationID: latest.ID, Direction: Internal, Author: AuthorSystem, OperatorID: &operatorID,
			Kind: "event", Text: text, CreatedAt: at}
		return tx.InsertMessage(ctx, out.Note)
	})
	return out, err
}
