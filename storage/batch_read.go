package storage

import (
	"context"
	"fmt"
)

// Prefetch loads, for a Batch about to handle events from contacts, their
// identities with customers and each identity's newest conversation (locked
// for update on PostgreSQL, in id order so concurrent batches do not
// deadlock): two or three queries for the batch instead of two per event.
// Contacts not known yet are left to FindOrCreateIdentity. Outside a Batch
// it does nothing.
func (s *Storage) Prefetch(ctx context.Context, contacts []Contact) error {
	if s.wb == nil || len(contacts) == 0 {
		return nil
	}
	byChannel := map[string][]string{}
	for _, c := range contacts {
		if _, ok := s.wb.idents[identKey(c.Channel, c.ExternalID)]; !ok {
			byChannel[c.Channel] = append(byChannel[c.Channel], c.ExternalID)
		}
	}
	var identityIDs []uint64
	missing := 0
	for channel, externals := range byChannel {
		var rows []identityWithCustomer
		cond, arg := s.inList("identities.external_id", externals)
		err := s.q(ctx).Raw(selectIdentityWithCustomer+` WHERE identities.channel = ? AND `+cond, channel, arg).Scan(&rows).Error
		if err != nil {
			return fmt.Errorf("load %d %s identities: %w", len(externals), channel, err)
		}
		for _, r := range rows {
			s.wb.idents[identKey(r.Channel, r.ExternalID)] = r
			if _, ok := s.wb.latest[r.ID]; !ok {
				identityIDs = append(identityIDs, r.ID)
			}
		}
		for _, e := range externals {
			if key := identKey(channel, e); !s.wb.missing[key] {
				if _, found := s.wb.idents[key]; !found {
					s.wb.missing[key] = true
					missing++
				}
			}
		}
	}
	if len(identityIDs) == 0 {
		return s.drawAhead(ctx, len(contacts), missing)
	}
	cond, arg := s.inIDs("c.identity_id", identityIDs)
	q := `SELECT c.* FROM conversations c WHERE ` + cond + ` AND NOT EXISTS (
		SELECT 1 FROM conversations n WHERE n.identity_id = c.identity_id
		AND (n.created_at > c.created_at OR (n.created_at = c.created_at AND n.id > c.id))) ORDER BY c.id`
	if s.dialect == Postgres {
		q += ` FOR UPDATE OF c`
	}
	var convs []Conversation
	if err := s.q(ctx).Raw(q, arg).Scan(&convs).Error; err != nil {
		return fmt.Errorf("load conversations of %d identities: %w", len(identityIDs), err)
	}
	for _, id := range identityIDs {
		s.wb.latest[id] = nil
	}
	for i := range convs {
		s.wb.latest[convs[i].IdentityID] = &convs[i]
	}
	return s.drawAhead(ctx, len(contacts), missing)
}

// drawAhead draws, on PostgreSQL and after the batch's conversations are
// locked, the ids its events will most likely need in one round trip:
// each new contact a customer, an identity and a conversation, each event
// two messages and an outbox item. Later shortfalls are drawn when met;
// ids left over are never used (a gap in ticket numbers only when a new
// contact opened no conversation).
func (s *Storage) drawAhead(ctx context.Context, events, newContacts int) error {
	if s.dialect != Postgres {
		return nil
	}
	return s.drawIDs(ctx, map[string]int{"customers": newContacts, "identities": newContacts,
		"conversations": newContacts, "messages": 2*events + 1, "outbox": events + 1})
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
// batch, for the first handover; later ones in the batch are handed over
// no earlier and add the batch's own conversations to that count. A
// conversation waiting since before that first handover (asking its
// status) is counted afresh.
func (s *Storage) queueAheadInBatch(ctx context.Context, c Conversation) (int64, error) {
	wb := s.wb
	var known []uint64
	for _, v := range wb.latest {
		if v != nil {
			known = append(known, v.ID)
		}
	}
	count := func(in func(id uint64) bool) int64 {
		var n int64
		for _, v := range wb.latest {
			if v != nil && in(v.ID) && waitsAhead(*v, c) {
				n++
			}
		}
		return n
	}
	if wb.queueAt != nil && !c.HandedOverAt.Before(*wb.queueAt) {
		return wb.queueBase + count(func(id uint64) bool { return wb.queueExcept[id] || wb.created[id] }), nil
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
