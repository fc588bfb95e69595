package storage

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// prefetchQuery is Prefetch on PostgreSQL as one statement, so a batch
// waits for the database once before its events are handled: the inbound
// ids stored before; the contacts' identities with customers; their newest
// conversations, locked in id order; ids drawn for the new contacts'
// customers, identities and conversations and for the batch's messages and
// outbox items, after the locks (each draw depends on the locked rows, so
// no other batch can have written to them with later ids). Its last two
// columns say whether the queue must be counted (queueCountQuery): the
// queue time when the batch may hand over (a queue time is given) and one
// of its contacts has no conversation, or one not waiting or open (only
// such a one is handed over), else NULL; and the ids of the conversations
// it locked, which that count leaves out.
//
// seq gives each table's id sequence as an expression; the other arguments
// are, in order, the contacts' channels and external ids, the inbound
// messages' channels and external ids, the queue time (or NULL), and how
// many message and outbox ids to draw. The batch_prefetch_queue function
// (functions.go) runs it with its arguments by name; ExplainPrefetch with
// placeholders, each used once and in this order.
func prefetchQuery(seq map[string]string, chans, exts, inChans, inExts, queueAt, messages, outbox string) string {
	return `WITH
k AS (SELECT DISTINCT channel, external_id FROM unnest(` + chans + `::text[], ` + exts + `::text[]) AS k(channel, external_id)),
seen AS (SELECT m.channel, m.external_id FROM unnest(` + inChans + `::text[], ` + inExts + `::text[]) AS e(channel, external_id)
	JOIN messages m ON m.channel = e.channel AND m.external_id = e.external_id AND m.external_id <> ''),
ids AS (SELECT identities.*, customers.name AS cust_name, customers.username AS cust_username,
	customers.language AS cust_language, customers.phone AS cust_phone, customers.time_zone AS cust_time_zone,
	customers.created_at AS cust_created_at, customers.updated_at AS cust_updated_at
	FROM k JOIN identities ON identities.channel = k.channel AND identities.external_id = k.external_id
	JOIN customers ON customers.id = identities.customer_id),
convs AS (SELECT c.* FROM conversations c WHERE c.identity_id IN (SELECT id FROM ids) AND ` + newestConversation + `
	ORDER BY c.id FOR UPDATE OF c),
locked AS (SELECT count(*)::int AS n FROM convs),
missing AS (SELECT count(*)::int + 0 * (SELECT n FROM locked) AS n FROM k
	WHERE NOT EXISTS (SELECT 1 FROM ids WHERE ids.channel = k.channel AND ids.external_id = k.external_id)),
qa AS (SELECT CASE WHEN (SELECT count(*) FROM k) > (SELECT count(*) FROM convs)
		OR EXISTS (SELECT 1 FROM convs WHERE convs.state NOT IN (` + sqlQuote(StateWaiting) + `, ` + sqlQuote(StateOpen) + `))
	THEN ` + queueAt + `::timestamptz END AS at)
SELECT
	(SELECT json_agg(json_build_array(channel, external_id)) FROM seen),
	(SELECT json_agg(ids) FROM ids),
	(SELECT json_agg(convs) FROM convs),
	(SELECT json_agg(nextval(` + seq["customers"] + `)) FROM generate_series(1, (SELECT n FROM missing))),
	(SELECT json_agg(nextval(` + seq["identities"] + `)) FROM generate_series(1, (SELECT n FROM missing))),
	(SELECT json_agg(nextval(` + seq["conversations"] + `)) FROM generate_series(1, (SELECT n FROM missing))),
	(SELECT json_agg(nextval(` + seq["messages"] + `)) FROM generate_series(1, ` + messages + ` + 0 * (SELECT n FROM locked))),
	(SELECT json_agg(nextval(` + seq["outbox"] + `)) FROM generate_series(1, ` + outbox + ` + 0 * (SELECT n FROM locked))),
	(SELECT at FROM qa),
	(SELECT array_agg(id) FROM convs)`
}

// queueCountQuery counts, for a handover at queueAt, the conversations
// waiting since then or before, up to queueCap and leaving out the batch's
// own (convIDs), and reads the operators' free slots: what a handover
// tells the customer, without a round trip of its own. It does not read
// the queue: it takes the number waiting from queue_tally
// (queueWaitingSQL) and subtracts those handed over after queueAt and
// the batch's own, so it costs the same for a queue of ten or of ten
// thousand. The function runs it only when the prefetch asks for it, so a
// customer writing to their operator costs no count, nor the setting up of
// one.
func queueCountQuery(queueAt, queueCap, convIDs string) string {
	return `SELECT least(greatest(0, ` + queueWaitingSQL + `
		- (SELECT count(*) FROM conversations q WHERE ` + queuedSQL("q") + ` AND q.handed_over_at > ` + queueAt + `)
		- (SELECT count(*) FROM conversations q WHERE q.id = ANY(` + convIDs + `) AND ` + queuedSQL("q") + `
			AND q.handed_over_at <= ` + queueAt + `)), ` + queueCap + `)::bigint,
	(` + freeSlotsSQL(sqlQuote(StateOpen), "true", sqlQuote(PresenceOnline)) + `)::bigint`
}

// prefetchFunctionBody is the batch_prefetch_queue function: the prefetch,
// then the queue count when the prefetch asks for it.
func prefetchFunctionBody(seq map[string]string) string {
	return `DECLARE
	v_at timestamptz;
	v_convs bigint[];
BEGIN
	SELECT * INTO o_seen, o_identities, o_conversations, o_customer_ids, o_identity_ids, o_conversation_ids,
		o_message_ids, o_outbox_ids, v_at, v_convs
	FROM (` + prefetchQuery(seq, "p_chans", "p_exts", "p_in_chans", "p_in_exts", "p_queue_at", "p_messages", "p_outbox") + `) AS prefetched;
	IF v_at IS NOT NULL THEN
		SELECT * INTO o_queue_ahead, o_free_slots FROM (` + queueCountQuery("v_at", "p_queue_cap", "v_convs") + `) AS counted;
	END IF;
	RETURN NEXT;
END`
}

// prefetchStatement is prefetchQuery with placeholders, each sequence
// looked up by its table: the statement the batch_prefetch_queue function
// runs first, for EXPLAIN.
var prefetchStatement = prefetchQuery(map[string]string{
	"customers": "pg_get_serial_sequence('customers', 'id')", "identities": "pg_get_serial_sequence('identities', 'id')",
	"conversations": "pg_get_serial_sequence('conversations', 'id')", "messages": "pg_get_serial_sequence('messages', 'id')",
	"outbox": "pg_get_serial_sequence('outbox', 'id')",
}, "?", "?", "?", "?", "?", "?", "?")

// queueCountStatement is queueCountQuery with placeholders, for EXPLAIN:
// the queue time, the batch's conversation ids, the queue time again and
// the cap.
var queueCountStatement = queueCountQuery("?::timestamptz", "?::int", "?::bigint[]")

// prefetchedIdentity is a row of the statement's identities, by column.
type prefetchedIdentity struct {
	ID                uint64     `json:"id"`
	CustomerID        uint64     `json:"customer_id"`
	Channel           string     `json:"channel"`
	ExternalID        string     `json:"external_id"`
	Address           string     `json:"address"`
	Unreachable       bool       `json:"unreachable"`
	UnreachableReason string     `json:"unreachable_reason"`
	UnreachableAt     *time.Time `json:"unreachable_at"`
	OptedOut          bool       `json:"opted_out"`
	CreatedAt         time.Time  `json:"created_at"`
	CustName          string     `json:"cust_name"`
	CustUsername      string     `json:"cust_username"`
	CustLanguage      string     `json:"cust_language"`
	CustPhone         string     `json:"cust_phone"`
	CustTimeZone      string     `json:"cust_time_zone"`
	CustCreatedAt     time.Time  `json:"cust_created_at"`
	CustUpdatedAt     time.Time  `json:"cust_updated_at"`
}

// prefetchedConversation is a row of the statement's conversations, by
// column (Conversation's own JSON names are the API's).
type prefetchedConversation struct {
	ID            uint64     `json:"id"`
	CustomerID    uint64     `json:"customer_id"`
	IdentityID    uint64     `json:"identity_id"`
	Channel       string     `json:"channel"`
	State         string     `json:"state"`
	Step          *string    `json:"step"`
	Queue         *string    `json:"queue"`
	OperatorID    *uint64    `json:"operator_id"`
	Language      *string    `json:"language"`
	FirstText     *string    `json:"first_text"`
	CreatedAt     time.Time  `json:"created_at"`
	UpdatedAt     time.Time  `json:"updated_at"`
	HandedOverAt  *time.Time `json:"handed_over_at"`
	ClaimedAt     *time.Time `json:"claimed_at"`
	ResolvedAt    *time.Time `json:"resolved_at"`
	LastMessageAt time.Time  `json:"last_message_at"`
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// prefetchAtOnce is Prefetch on PostgreSQL: one round trip, to the
// batch_prefetch_queue function (functions.go).
func (s *Storage) prefetchAtOnce(ctx context.Context, req PrefetchRequest) (map[InboundRef]bool, error) {
	wb := s.wb
	var chans, exts, inChans, inExts []string
	for _, c := range req.Contacts {
		chans, exts = append(chans, c.Channel), append(exts, c.ExternalID)
	}
	for _, r := range req.Inbound {
		inChans, inExts = append(inChans, r.Channel), append(inExts, r.ExternalID)
	}
	var raw [8]*string
	var ahead, free *int64
	dest := make([]any, 0, len(raw)+2)
	for i := range raw {
		dest = append(dest, &raw[i])
	}
	dest = append(dest, &ahead, &free)
	var queueAt any
	if !req.QueueAt.IsZero() {
		queueAt = req.QueueAt
	}
	args := []any{pgTextArray(chans), pgTextArray(exts), pgTextArray(inChans), pgTextArray(inExts),
		2*req.Events + 1, req.Events + 1, queueAt, QueuePositionCap}
	const call = "SELECT * FROM batch_prefetch_queue($1, $2, $3, $4, $5, $6, $7, $8)"
	var err error
	if s.pipe != nil {
		// The batch's transaction begins in the same round trip.
		err = s.pipe.beginAndQueryRow(ctx, call, args, dest...)
	} else {
		err = s.q(ctx).Raw(call, args...).Row().Scan(dest...)
	}
	if err != nil {
		return nil, fmt.Errorf("prefetch a batch of %d events: %w", req.Events, err)
	}
	var seenPairs [][2]string
	var idents []prefetchedIdentity
	var convs []prefetchedConversation
	drawn := make([][]uint64, 5)
	targets := []any{&seenPairs, &idents, &convs, &drawn[0], &drawn[1], &drawn[2], &drawn[3], &drawn[4]}
	for i, r := range raw {
		if r == nil {
			continue
		}
		if err := json.Unmarshal([]byte(*r), targets[i]); err != nil {
			return nil, fmt.Errorf("prefetch a batch of %d events: read column %d: %w", req.Events, i+1, err)
		}
	}
	seen := make(map[InboundRef]bool, len(seenPairs))
	for _, p := range seenPairs {
		seen[InboundRef{p[0], p[1]}] = true
	}
	rows := make([]identityWithCustomer, len(idents))
	var identityIDs []uint64
	for i, r := range idents {
		rows[i] = identityWithCustomer{Identity: Identity{ID: r.ID, CustomerID: r.CustomerID, Channel: r.Channel,
			ExternalID: r.ExternalID, Address: r.Address, Unreachable: r.Unreachable,
			UnreachableReason: r.UnreachableReason, UnreachableAt: r.UnreachableAt, OptedOut: r.OptedOut,
			CreatedAt: r.CreatedAt}, CustName: r.CustName, CustUsername: r.CustUsername,
			CustLanguage: r.CustLanguage, CustPhone: r.CustPhone, CustTimeZone: r.CustTimeZone, CustCreatedAt: r.CustCreatedAt,
			CustUpdatedAt: r.CustUpdatedAt}
	}
	identityIDs = wb.knowIdentities(rows, "", nil)
	for _, c := range req.Contacts {
		if key := identKey(c.Channel, c.ExternalID); wb.idents[key].ID == 0 {
			wb.missing[key] = true
		}
	}
	loaded := make([]Conversation, len(convs))
	for i, c := range convs {
		loaded[i] = Conversation{ID: c.ID, CustomerID: c.CustomerID, IdentityID: c.IdentityID, Channel: c.Channel,
			State: c.State, Step: deref(c.Step), Queue: deref(c.Queue), OperatorID: c.OperatorID,
			Language: deref(c.Language), FirstText: deref(c.FirstText), CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt,
			HandedOverAt: c.HandedOverAt, ClaimedAt: c.ClaimedAt, ResolvedAt: c.ResolvedAt,
			LastMessageAt: c.LastMessageAt}
	}
	wb.knowConversations(identityIDs, loaded)
	if queueAt != nil && ahead != nil && free != nil && wb.queueAt == nil {
		// The count left out every conversation the statement loaded.
		at, slots := req.QueueAt, int(*free)
		wb.queueAt, wb.queueBase, wb.queueExcept, wb.freeSlots = &at, *ahead, map[uint64]bool{}, &slots
		for _, c := range loaded {
			wb.queueExcept[c.ID] = true
		}
	}
	for i, t := range []string{"customers", "identities", "conversations", "messages", "outbox"} {
		wb.ids[t] = append(wb.ids[t], drawn[i]...)
	}
	return seen, nil
}
