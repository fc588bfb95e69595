package storage

import (
	"context"
	"fmt"
)

// historyKeyset is a customer's conversations in the order they began.
var historyKeyset = keyset[Conversation, timeKey]{
	list:  "history",
	order: "created_at ASC, id ASC",
	after: "(created_at, id) > (?, ?)",
	args:  timeKeyArgs,
	keyOf: func(c Conversation) timeKey { return timeKey{At: c.CreatedAt, ID: c.ID} },
}

// CustomerConversations returns one page of at most limit (paging.Clamp)
// conversations of a customer, through any of their identities on any
// channel, oldest first, after cursor ("" for the first page), with the
// cursor of the next page ("" after the last).
func (s *Storage) CustomerConversations(ctx context.Context, customerID uint64, cursor string, limit int) ([]Conversation, string, error) {
	q := s.q(ctx).Model(&Conversation{}).Where("customer_id = ?", customerID)
	out, next, err := page(q, historyKeyset, cursor, limit)
	if err != nil {
		return nil, "", fmt.Errorf("conversations of customer %d: %w", customerID, err)
	}
	return out, next, nil
}
