package storage

import (
	"context"
	"fmt"
	"slices"
)

// Batch lookups for lists: one query for many ids, so a page of
// conversations costs the same few queries however long it is.

// CustomersByID loads the customers with the given ids; unknown ids are
// absent from the map.
func (s *Storage) CustomersByID(ctx context.Context, ids []uint64) (map[uint64]Customer, error) {
	return byID(ctx, s, "customers", ids, func(c Customer) uint64 { return c.ID })
}

// OperatorsByID loads the operators with the given ids; unknown ids are
// absent from the map.
func (s *Storage) OperatorsByID(ctx context.Context, ids []uint64) (map[uint64]Operator, error) {
	return byID(ctx, s, "operators", ids, func(o Operator) uint64 { return o.ID })
}

// MessagesByID loads the messages with the given ids; unknown ids are
// absent from the map.
func (s *Storage) MessagesByID(ctx context.Context, ids []uint64) (map[uint64]Message, error) {
	return byID(ctx, s, "messages", ids, func(m Message) uint64 { return m.ID })
}

// MessagesByConversation loads the messages of several conversations in one
// query, each conversation's oldest first.
func (s *Storage) MessagesByConversation(ctx context.Context, conversationIDs []uint64) (map[uint64][]Message, error) {
	out := make(map[uint64][]Message, len(conversationIDs))
	if len(conversationIDs) == 0 {
		return out, nil
	}
	var rows []Message
	if err := s.q(ctx).Where("conversation_id IN ?", conversationIDs).Order("id ASC").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list messages of %d conversations: %w", len(conversationIDs), err)
	}
	for _, m := range rows {
		out[m.ConversationID] = append(out[m.ConversationID], m)
	}
	return out, nil
}

// byID loads the rows of T with the given ids in one query, keyed by id.
func byID[T any](ctx context.Context, s *Storage, what string, ids []uint64, id func(T) uint64) (map[uint64]T, error) {
	ids = distinct(ids)
	out := make(map[uint64]T, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var rows []T
	if err := s.q(ctx).Where("id IN ?", ids).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("load %d %s: %w", len(ids), what, err)
	}
	for _, r := range rows {
		out[id(r)] = r
	}
	return out, nil
}

// distinct returns ids without zeros and repeats, sorted.
func distinct(ids []uint64) []uint64 {
	out := make([]uint64, 0, len(ids))
	for _, id := range ids {
		if id != 0 {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}
