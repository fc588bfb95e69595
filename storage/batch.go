package storage

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
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
	return s.Tx(ctx, func(tx *Storage) error {
		tx.wb = &writeBehind{convAt: map[uint64]int{}, latest: map[uint64]*Conversation{},
			idents: map[string]identityWithCustomer{}, missing: map[string]bool{}, ids: map[string][]uint64{},
			sqliteNext: map[string]uint64{}, created: map[uint64]bool{}}
		if err := fn(tx); err != nil {
			return err
		}
		return tx.Flush(ctx)
	})
}

// Flush writes what a Batch held back so far; statements that follow see
// it. Outside a Batch it does nothing.
func (s *Storage) Flush(ctx context.Context) error {
	wb := s.wb
	if wb == nil {
		return nil
	}
	if err := s.flushCustomers(ctx, wb.customers); err != nil {
		return err
	}
	if err := s.flushIdentities(ctx, wb.identities); err != nil {
		return err
	}
	if err := s.flushConversations(ctx, wb.convs); err != nil {
		return err
	}
	if err := s.flushMessages(ctx, wb.messages); err != nil {
		return err
	}
	if err := s.flushOutbox(ctx, wb.outbox); err != nil {
		return err
	}
	wb.customers, wb.identities = wb.customers[:0], wb.identities[:0]
	wb.messages, wb.outbox, wb.convs = wb.messages[:0], wb.outbox[:0], wb.convs[:0]
	clear(wb.convAt)
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

// takeIDs returns n unused ids of table, ascending. On PostgreSQL they
// come from the table's sequence (never handed out twice, whatever else
// inserts meanwhile), drawn ahead by Prefetch or here in one round trip;
// on SQLite the transaction holds the only write lock and nothing else
// inserts into these tables in a batch, so the ids after the table's
// AUTOINCREMENT counter are free.
func (s *Storage) takeIDs(ctx context.Context, table string, n int) ([]uint64, error) {
	wb := s.wb
	if s.dialect != Postgres {
		next, ok := wb.sqliteNext[table]
		if !ok {
			var last uint64
			err := s.q(ctx).Raw(`SELECT COALESCE(MAX(seq), 0) FROM sqlite_sequence WHERE name = ?`, table).Scan(&last).Error
			if err != nil {
				return nil, fmt.Errorf("take %d %s ids: %w", n, table, err)
			}
			next = last + 1
		}
		ids := make([]uint64, n)
		for i := range ids {
			ids[i] = next + uint64(i)
		}
		wb.sqliteNext[table] = next + uint64(n)
		return ids, nil
	}
	if short := n - len(wb.ids[table]); short > 0 {
		drawn, err := s.drawIDs(ctx, []string{table}, short)
		if err != nil {
			return nil, err
		}
		wb.ids[table] = append(wb.ids[table], drawn[0]...)
	}
	ids := wb.ids[table][:n:n]
	wb.ids[table] = wb.ids[table][n:]
	return ids, nil
}

// drawIDs draws n ids from each table's PostgreSQL sequence in one round
// trip, each table's ascending.
func (s *Storage) drawIDs(ctx context.Context, tables []string, n int) ([][]uint64, error) {
	cols := make([]string, len(tables))
	args := make([]any, 0, len(tables)+1)
	for i, t := range tables {
		cols[i] = "nextval(pg_get_serial_sequence(?, 'id'))"
		args = append(args, t)
	}
	rows, err := s.q(ctx).Raw(`SELECT `+strings.Join(cols, ", ")+` FROM generate_series(1, ?)`, append(args, n)...).Rows()
	if err != nil {
		return nil, fmt.Errorf("draw %d ids of %v: %w", n, tables, err)
	}
	defer rows.Close()
	out := make([][]uint64, len(tables))
	dest := make([]any, len(tables))
	vals := make([]uint64, len(tables))
	for i := range dest {
		dest[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("draw %d ids of %v: %w", n, tables, err)
		}
		for i, v := range vals {
			out[i] = append(out[i], v)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("draw %d ids of %v: %w", n, tables, err)
	}
	for i := range out {
		if len(out[i]) != n {
			return nil, fmt.Errorf("draw %d ids of %s: got %d", n, tables[i], len(out[i]))
		}
		slices.Sort(out[i])
	}
	return out, nil
}

// flushChunk bounds the rows of one multi-row statement, well inside both
// databases' limits on parameters.
const flushChunk = 500

// insertRows writes rows of cols with one INSERT per chunk and reports how
// many rows the database took. suffix follows the VALUES list.
func (s *Storage) insertRows(ctx context.Context, table string, cols []string, rows [][]any, suffix string) (int64, error) {
	if s.dialect == Postgres {
		return s.insertRowsJSON(ctx, table, cols, rows, suffix)
	}
	var took int64
	for start := 0; start < len(rows); start += flushChunk {
		chunk := rows[start:min(start+flushChunk, len(rows))]
		var b strings.Builder
		b.WriteString("INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES ")
		row := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ") + ")"
		args := make([]any, 0, len(chunk)*len(cols))
		for i, r := range chunk {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(row)
			args = append(args, r...)
		}
		b.WriteString(suffix)
		res := s.q(ctx).Exec(b.String(), args...)
		if res.Error != nil {
			return took, res.Error
		}
		took += res.RowsAffected
	}
	return took, nil
}

var messageColumns = []string{"id", "conversation_id", "direction", "author", "operator_id", "kind", "text", "file_id",
	"file_name", "channel", "external_id", "choices", "response", "delivery_state", "delivery_error", "created_at",
	"delivered_at"}

func (s *Storage) flushMessages(ctx context.Context, ms []*Message) error {
	if len(ms) == 0 {
		return nil
	}
	ids, err := s.takeIDs(ctx, "messages", len(ms))
	if err != nil {
		return err
	}
	rows := make([][]any, len(ms))
	for i, m := range ms {
		m.ID = ids[i]
		rows[i] = []any{m.ID, m.ConversationID, m.Direction, m.Author, m.OperatorID, m.Kind, m.Text, m.FileID,
			m.FileName, m.Channel, m.ExternalID, m.Choices, m.Response, m.DeliveryState, m.DeliveryError, m.CreatedAt,
			m.DeliveredAt}
	}
	// Inbound messages were checked against earlier deliveries when the
	// batch began; a row skipped here was stored by a concurrent batch.
	took, err := s.insertRows(ctx, "messages", messageColumns, rows, " ON CONFLICT DO NOTHING")
	if err != nil {
		return fmt.Errorf("insert %d messages: %w", len(ms), err)
	}
	if took != int64(len(ms)) {
		return fmt.Errorf("insert %d messages, %d stored: %w", len(ms), took, ErrBatchConflict)
	}
	return nil
}

var outboxColumns = []string{"id", "channel", "chat_key", "address", "identity_id", "conversation_id", "message_id",
	"payload", "state", "attempts", "next_attempt_at", "locked_until", "last_error", "created_at", "sent_at"}

func (s *Storage) flushOutbox(ctx context.Context, items []*OutboxItem) error {
	if len(items) == 0 {
		return nil
	}
	ids, err := s.takeIDs(ctx, "outbox", len(items))
	if err != nil {
		return err
	}
	rows := make([][]any, len(items))
	for i, it := range items {
		it.ID = ids[i]
		rows[i] = []any{it.ID, it.Channel, it.ChatKey, it.Address, it.IdentityID, it.ConversationID, it.MessageID,
			it.Payload, it.State, it.Attempts, it.NextAttemptAt, it.LockedUntil, it.LastError, it.CreatedAt, it.SentAt}
	}
	if _, err := s.insertRows(ctx, "outbox", outboxColumns, rows, ""); err != nil {
		return fmt.Errorf("enqueue %d outbox items: %w", len(items), err)
	}
	return nil
}

var conversationColumns = []string{"id", "customer_id", "identity_id", "channel", "state", "step", "queue",
	"operator_id", "language", "first_text", "created_at", "updated_at", "handed_over_at", "claimed_at",
	"resolved_at", "last_message_at"}

// conversationUpsert turns the multi-row insert of existing conversations
// into an update of every column but the id: one statement for the batch.
var conversationUpsert = func() string {
	sets := make([]string, 0, len(conversationColumns)-1)
	for _, c := range conversationColumns[1:] {
		sets = append(sets, c+" = excluded."+c)
	}
	return " ON CONFLICT (id) DO UPDATE SET " + strings.Join(sets, ", ")
}()

func (s *Storage) flushConversations(ctx context.Context, cs []*Conversation) error {
	if len(cs) == 0 {
		return nil
	}
	rows := make([][]any, len(cs))
	for i, c := range cs {
		rows[i] = []any{c.ID, c.CustomerID, c.IdentityID, c.Channel, c.State, c.Step, c.Queue, c.OperatorID,
			c.Language, c.FirstText, c.CreatedAt, c.UpdatedAt, c.HandedOverAt, c.ClaimedAt, c.ResolvedAt,
			c.LastMessageAt}
	}
	if _, err := s.insertRows(ctx, "conversations", conversationColumns, rows, conversationUpsert); err != nil {
		return fmt.Errorf("save %d conversations: %w", len(cs), err)
	}
	return nil
}

// insertRowsJSON is insertRows for PostgreSQL: the rows travel as one JSON
// parameter, typed by the table's own row type, so the statement's text is
// the same for any number of rows and stays prepared.
func (s *Storage) insertRowsJSON(ctx context.Context, table string, cols []string, rows [][]any, suffix string) (int64, error) {
	var b bytes.Buffer
	b.WriteByte('[')
	for i, r := range rows {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('{')
		for j, v := range r {
			if j > 0 {
				b.WriteByte(',')
			}
			b.WriteString(strconv.Quote(cols[j]))
			b.WriteByte(':')
			if err := writeJSONValue(&b, v); err != nil {
				return 0, fmt.Errorf("encode %s row: %w", table, err)
			}
		}
		b.WriteByte('}')
	}
	b.WriteByte(']')
	list := strings.Join(cols, ", ")
	q := "INSERT INTO " + table + " (" + list + ") SELECT " + list + " FROM json_populate_recordset(NULL::" + table +
		", ?::json)" + suffix
	res := s.q(ctx).Exec(q, b.String())
	return res.RowsAffected, res.Error
}

// writeJSONValue writes v as JSON; times to the microsecond, as
// PostgreSQL keeps them and as the driver sends them elsewhere.
func writeJSONValue(b *bytes.Buffer, v any) error {
	switch t := v.(type) {
	case time.Time:
		v = t.UTC().Truncate(time.Microsecond)
	case *time.Time:
		if t != nil {
			v = t.UTC().Truncate(time.Microsecond)
		}
	}
	enc, err := json.Marshal(v)
	if err != nil {
		return err
	}
	b.Write(enc)
	return nil
}

var customerColumns = []string{"id", "name", "username", "language", "phone", "created_at", "updated_at"}

func (s *Storage) flushCustomers(ctx context.Context, cs []*Customer) error {
	if len(cs) == 0 {
		return nil
	}
	rows := make([][]any, len(cs))
	for i, c := range cs {
		rows[i] = []any{c.ID, c.Name, c.Username, c.Language, c.Phone, c.CreatedAt, c.UpdatedAt}
	}
	if _, err := s.insertRows(ctx, "customers", customerColumns, rows, ""); err != nil {
		return fmt.Errorf("create %d customers: %w", len(cs), err)
	}
	return nil
}

var identityColumns = []string{"id", "customer_id", "channel", "external_id", "address", "unreachable",
	"unreachable_reason", "unreachable_at", "opted_out", "created_at"}

func (s *Storage) flushIdentities(ctx context.Context, ids []*Identity) error {
	if len(ids) == 0 {
		return nil
	}
	rows := make([][]any, len(ids))
	for i, id := range ids {
		rows[i] = []any{id.ID, id.CustomerID, id.Channel, id.ExternalID, id.Address, id.Unreachable,
			id.UnreachableReason, id.UnreachableAt, id.OptedOut, id.CreatedAt}
	}
	// A row skipped here is an identity a concurrent batch created first.
	took, err := s.insertRows(ctx, "identities", identityColumns, rows, " ON CONFLICT DO NOTHING")
	if err != nil {
		return fmt.Errorf("create %d identities: %w", len(ids), err)
	}
	if took != int64(len(ids)) {
		return fmt.Errorf("create %d identities, %d stored: %w", len(ids), took, ErrBatchConflict)
	}
	return nil
}
