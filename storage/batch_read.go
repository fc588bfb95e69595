package storage

import (
	"context"
	"fmt"
	"time"
)

// InboundRef names an inbound message by its channel's own id for it.
type InboundRef struct{ Channel, ExternalID string }

// PrefetchRequest is what a Batch is about to handle.
type PrefetchRequest struct {
	// Contacts are the senders of the batch's events.
	Contacts []Contact
	// Inbound are the events' own ids, to find those stored before.
	Inbound []InboundRef
	// Events is how many events the batch holds.
	Events int
	// QueueAt, when set, says the batch may hand a conversation over no
	// earlier than this: on PostgreSQL the prefetch then also counts the
	// queue up to it and the operators' free slots, so a handover needs no
	// round trip of its own. Left zero, a handover counts them when it
	// comes (QueuePosition).
	QueueAt time.Time
}

// Prefetch loads what a Batch's events need before any is handled, and
// reports which inbound ids were stored before (repeats). It loads the
// contacts' identities with customers and each identity's newest
// conversation (locked for update on PostgreSQL, in id order so
// concurrent batches do not deadlock). On PostgreSQL it also draws the
// ids the batch will likely need, all in one statement; on SQLite, in
// process, it runs a query for each. Contacts not
// known yet are left to FindOrCreateIdentity. Outside a Batch it only
// finds the repeats.
func (s *Storage) Prefetch(ctx context.Context, req PrefetchRequest) (map[InboundRef]bool, error) {
	if s.wb != nil && s.dialect == Postgres {
		return s.prefetchAtOnce(ctx, req)
	}
	seen, err := s.seenInbound(ctx, req.Inbound)
	if err != nil || s.wb == nil || len(req.Contacts) == 0 {
		return seen, err
	}
	byChannel := map[string][]string{}
	for _, c := range req.Contacts {
		if _, ok := s.wb.idents[identKey(c.Channel, c.ExternalID)]; !ok {
			byChannel[c.Channel] = append(byChannel[c.Channel], c.ExternalID)
		}
	}
	var identityIDs []uint64
	for channel, externals := range byChannel {
		var rows []identityWithCustomer
		cond, arg := s.inList("identities.external_id", externals)
		err := s.q(ctx).Raw(selectIdentityWithCustomer+` WHERE identities.channel = ? AND `+cond, channel, arg).Scan(&rows).Error
		if err != nil {
			return nil, fmt.Errorf("load %d %s identities: %w", len(externals), channel, err)
		}
		identityIDs = append(identityIDs, s.wb.knowIdentities(rows, channel, externals)...)
	}
	if len(identityIDs) == 0 {
		return seen, nil
	}
	cond, arg := s.inIDs("c.identity_id", identityIDs)
	var convs []Conversation
	if err := s.q(ctx).Raw(`SELECT c.* FROM conversations c WHERE `+cond+` AND `+newestConversation+` ORDER BY c.id`,
		arg).Scan(&convs).Error; err != nil {
		return nil, fmt.Errorf("load conversations of %d identities: %w", len(identityIDs), err)
	}
	s.wb.knowConversations(identityIDs, convs)
	return seen, nil
}

// newestConversation is the condition that conversation c is its
// identity's newest.
const newestConversation = `NOT EXISTS (SELECT 1 FROM conversations n WHERE n.identity_id = c.identity_id
	AND (n.created_at > c.created_at OR (n.created_at = c.created_at AND n.id > c.id)))`

// seenInbound finds which of refs were stored before, a query per channel.
func (s *Storage) seenInbound(ctx context.Context, refs []InboundRef) (map[InboundRef]bool, error) {
	byChannel := map[string][]string{}
	for _, r := range refs {
		byChannel[r.Channel] = append(byChannel[r.Channel], r.ExternalID)
	}
	seen := map[InboundRef]bool{}
	for channel, ids := range byChannel {
		found, err := s.SeenExternals(ctx, channel, ids)
		if err != nil {
			return nil, err
		}
		for _, id := range found {
			seen[InboundRef{channel, id}] = true
		}
	}
	return seen, nil
}

// knowIdentities caches the identities loaded for channel and notes which
// of externals have none; it returns the ids whose newest conversation is
// still to load.
func (wb *writeBehind) knowIdentities(rows []identityWithCustomer, channel string, externals []string) []uint64 {
	var ids []uint64
	for _, r := range rows {
		wb.idents[identKey(r.Channel, r.ExternalID)] = r
		if _, ok := wb.latest[r.ID]; !ok {
			ids = append(ids, r.ID)
		}
	}
	for _, e := range externals {
		key := identKey(channel, e)
		if _, found := wb.idents[key]; !found {
			wb.missing[key] = true
		}
	}
	return ids
}

// knowConversations caches the newest conversation of each of identityIDs.
func (wb *writeBehind) knowConversations(identityIDs []uint64, convs []Conversation) {
	for _, id := range identityIDs {
		wb.latest[id] = nil
	}
	for i := range convs {
		wb.latest[convs[i].IdentityID] = &convs[i]
	}
}

// forgetCustomer drops cached identities of a customer just changed.
func (wb *writeBehind) forgetCustomer(id uint64) {
	for k, v := range wb.idents {
		if v.CustomerID == id {
			delete(wb.idents, k)
		}
	}
}

// queueAheadInBatch counts the conversations waiting ahead of c, the
// batch's own as they will be written. The database is asked once per
// batch: by the prefetch when it was told the batch may hand over, else
// for the first handover; later handovers come no earlier and add the
// batch's own conversations to that count. A conversation that count did
// not leave out, or waiting since before it (asking its status), is
// counted afresh.
func (s *Storage) queueAheadInBatch(ctx context.Context, c Conversation) (int64, error) {
	wb := s.wb
	count := func(in func(id uint64) bool) int64 {
		var n int64
		for _, v := range wb.latest {
			if v != nil && in(v.ID) && waitsAhead(*v, c) {
				n++
			}
		}
		return n
	}
	// The batch's own conversations the stored count left out.
	leftOut := func(id uint64) bool { return wb.queueExcept[id] || wb.created[id] }
	if wb.queueAt != nil && !c.HandedOverAt.Before(*wb.queueAt) && leftOut(c.ID) {
		return wb.queueBase + count(leftOut), nil
	}
	var known []uint64
	for _, v := range wb.latest {
		if v != nil {
			known = append(known, v.ID)
		}
	}
	base, err := s.queueAheadInDB(ctx, c, known)
	if err != nil {
		return 0, err
	}
	if wb.queueAt == nil {
		at := *c.HandedOverAt
		wb.queueAt, wb.queueBase, wb.queueExcept = &at, base, map[uint64]bool{}
		for _, id := range known {
			wb.queueExcept[id] = true
		}
	}
	all := func(uint64) bool { return true }
	return base + count(all), nil
}
