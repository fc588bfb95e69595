package storage

import (
	"context"
	"errors"
	"time"
)

// ErrBatchConflict is returned by Batch when its writes met a row another
// transaction wrote first (an inbound message stored twice by two batches
// at once): the batch is rolled back, and its events can be handled again
// one by one.
var ErrBatchConflict = errors.New("batch met a concurrent write")

// writeBehind holds the inserts and updates of a Batch until its end, then
// writes them with a few multi-row statements: a batch of events costs a
// handful of round trips to the database instead of several per event.
// Reads inside the batch see its pending writes (LatestConversation,
// QueuePosition, FindOrCreateIdentity).
type writeBehind struct {
	customers  []*Customer
	identities []*Identity
	messages   []*Message
	outbox     []*OutboxItem
	convs      []*Conversation
	estimates  []*WaitEstimate
	convAt     map[uint64]int
	// latest is each identity's newest conversation as this batch knows
	// it; a nil value means the identity has none.
	latest map[uint64]*Conversation
	// idents caches identities with their customers by channel and
	// external id, loaded for the whole batch at once; missing notes the
	// contacts that load found no identity for.
	idents  map[string]identityWithCustomer
	missing map[string]bool
	// ids are ids taken for rows not written yet, per table: drawn ahead
	// from PostgreSQL's sequences, or counted on from SQLite's.
	ids map[string][]uint64
	// sqliteNext is SQLite's next free id per table in this transaction.
	sqliteNext map[string]uint64
	// created are the conversations this batch opened: not in the
	// database until it ends.
	created map[uint64]bool
	// queueAt, queueBase and queueExcept remember the batch's one count of
	// the queue: for a handover at queueAt, queueBase
	// conversations stored ahead, leaving out queueExcept.
	queueAt     *time.Time
	queueBase   int64
	queueExcept map[uint64]bool
	// freeSlots is the operators' free slots as the batch's transaction
	// sees them, read with the queue count (nil until read): the batch's
	// own writes wait for its end, so every handover of the batch would
	// read the same number.
	freeSlots *int
}

func identKey(channel, externalID string) string { return channel + "\x00" + externalID }

// Batch runs fn in one transaction, as Tx does, but holds back the
// messages, outbox items and conversation changes fn writes and writes them
// together when fn returns. Messages and outbox items get their ids then:
// callers keep the pointers they passed and read the ids after Batch
// returns. When the held-back writes collide with a concurrent
// transaction, Batch rolls back and returns ErrBatchConflict.
func (s *Storage) Batch(ctx context.Context, fn func(tx *Storage) error) error {
	if s.inTx {
		return errors.New("batch inside a transaction")
	}
	if s.dialect == Postgres {
		return s.batchPiped(ctx, fn)
	}
	return s.Tx(ctx, func(tx *Storage) error {
		tx.wb = newWriteBehind()
		if err := fn(tx); err != nil {
			return err
		}
		return tx.Flush(ctx)
	})
}

// rollbackTimeout bounds the ROLLBACK of a batch that failed.
const rollbackTimeout = 10 * time.Second

func newWriteBehind() *writeBehind {
	return &writeBehind{convAt: map[uint64]int{}, latest: map[uint64]*Conversation{},
		idents: map[string]identityWithCustomer{}, missing: map[string]bool{}, ids: map[string][]uint64{},
		sqliteNext: map[string]uint64{}, created: map[uint64]bool{}}
}

// Flush writes what a Batch held back so far; statements that follow see
// it. Outside a Batch it does nothing.
func (s *Storage) Flush(ctx context.Context) error {
	return s.flush(ctx, false)
}

// flush is Flush; with commit, on a PostgreSQL Batch's connection, the
// write also commits the batch, in the same round trip.
func (s *Storage) flush(ctx context.Context, commit bool) error {
	wb := s.wb
	commit = commit && s.pipe != nil
	if wb == nil || wb.holdsNothing() {
		if commit {
			return s.pipe.commit(ctx)
		}
		return nil
	}
	if err := s.assignIDs(ctx); err != nil {
		return err
	}
	tables := wb.heldTables()
	if s.dialect == Postgres {
		priors, err := s.writeTablesAtOnce(ctx, tables, commit)
		if err != nil {
			return err
		}
		wb.notePriors(priors)
	} else {
		for _, t := range tables {
			if err := s.writeTable(ctx, t); err != nil {
				return err
			}
		}
	}
	wb.customers, wb.identities = wb.customers[:0], wb.identities[:0]
	wb.messages, wb.outbox, wb.convs = wb.messages[:0], wb.outbox[:0], wb.convs[:0]
	wb.estimates = wb.estimates[:0]
	clear(wb.convAt)
	return nil
}

// holdsNothing reports whether no row waits to be written.
func (wb *writeBehind) holdsNothing() bool {
	return len(wb.customers) == 0 && len(wb.identities) == 0 && len(wb.convs) == 0 && len(wb.messages) == 0 &&
		len(wb.outbox) == 0 && len(wb.estimates) == 0
}

// assignIDs gives the held messages and outbox items their ids, in the
// order they were held; an outbox item's MessageID points at its
// message's id, so it is right once the message has one.
func (s *Storage) assignIDs(ctx context.Context) error {
	wb := s.wb
	if len(wb.messages) > 0 {
		ids, err := s.takeIDs(ctx, "messages", len(wb.messages))
		if err != nil {
			return err
		}
		for i, m := range wb.messages {
			m.ID = ids[i]
		}
	}
	if len(wb.outbox) > 0 {
		ids, err := s.takeIDs(ctx, "outbox", len(wb.outbox))
		if err != nil {
			return err
		}
		for i, it := range wb.outbox {
			it.ID = ids[i]
		}
	}
	return nil
}

// holdMessage defers m's insert to the end of the batch.
func (wb *writeBehind) holdMessage(m *Message) {
	if m.CreatedAt.IsZero() {
		m.CreatedAt = time.Now().UTC()
	}
	wb.messages = append(wb.messages, m)
}

// holdConversation defers c's update to the end of the batch; the last
// save of a conversation wins.
func (wb *writeBehind) holdConversation(c *Conversation) {
	c.UpdatedAt = time.Now().UTC()
	cp := *c
	if i, ok := wb.convAt[c.ID]; ok {
		wb.convs[i] = &cp
	} else {
		wb.convAt[c.ID] = len(wb.convs)
		wb.convs = append(wb.convs, &cp)
	}
	wb.latest[c.IdentityID] = &cp
}

// pendingConversation is the batch's unwritten version of conversation
// id, if it has one.
func (wb *writeBehind) pendingConversation(id uint64) (*Conversation, bool) {
	i, ok := wb.convAt[id]
	if !ok {
		return nil, false
	}
	return wb.convs[i], true
}

// forgetIdentity drops a cached identity whose flags were just changed.
func (wb *writeBehind) forgetIdentity(id uint64) {
	for k, v := range wb.idents {
		if v.ID == id {
			delete(wb.idents, k)
		}
	}
}

// notePriors gives each held outbox item what the write found before it in
// its chat (priors, by item id); an item after another of the same chat in
// this batch has that one, still pending, before it: the write's
// statement could not see the batch's own rows.
func (wb *writeBehind) notePriors(priors map[uint64]PriorItem) {
	last := map[string]uint64{}
	for _, it := range wb.outbox {
		p, ok := priors[it.ID]
		if !ok {
			continue
		}
		if before, ok := last[it.ChatKey]; ok {
			p = PriorItem{ID: before, State: OutboxPending}
		}
		last[it.ChatKey] = it.ID
		it.Prior = &p
	}
}
