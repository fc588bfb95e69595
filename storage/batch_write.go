package storage

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"
)

// heldTable is one table's rows a Batch held back, ready to write.
type heldTable struct {
	name string
	cols []string
	rows [][]any
	// suffix follows the rows: an ON CONFLICT clause.
	suffix string
	// counted tables must take every row: one skipped was written first
	// by a concurrent transaction, and the batch fails with
	// ErrBatchConflict.
	counted bool
}

// heldTables lists what the batch holds, in the order rows may refer to
// each other: customers, identities, conversations, messages, outbox,
// wait estimates.
func (wb *writeBehind) heldTables() []heldTable {
	cust := make([][]any, len(wb.customers))
	for i, c := range wb.customers {
		cust[i] = []any{c.ID, c.Name, c.Username, c.Language, c.Phone, c.CreatedAt, c.UpdatedAt}
	}
	idents := make([][]any, len(wb.identities))
	for i, id := range wb.identities {
		idents[i] = []any{id.ID, id.CustomerID, id.Channel, id.ExternalID, id.Address, id.Unreachable,
			id.UnreachableReason, id.UnreachableAt, id.OptedOut, id.CreatedAt}
	}
	convs := make([][]any, len(wb.convs))
	for i, c := range wb.convs {
		convs[i] = []any{c.ID, c.CustomerID, c.IdentityID, c.Channel, c.State, c.Step, c.Queue, c.OperatorID,
			c.Language, c.FirstText, c.CreatedAt, c.UpdatedAt, c.HandedOverAt, c.ClaimedAt, c.ResolvedAt,
			c.LastMessageAt}
	}
	msgs := make([][]any, len(wb.messages))
	for i, m := range wb.messages {
		msgs[i] = []any{m.ID, m.ConversationID, m.Direction, m.Author, m.OperatorID, m.Kind, m.Text, m.FileID,
			m.FileName, m.MediaType, m.MediaSize, m.Channel, m.ExternalID, m.Choices, m.Response, m.Label, m.LabelSource, m.Proactive,
			m.DeliveryState, m.DeliveryError, m.CreatedAt, m.DeliveredAt, m.CallbackID}
	}
	items := make([][]any, len(wb.outbox))
	for i, it := range wb.outbox {
		items[i] = []any{it.ID, it.Channel, it.ChatKey, it.Address, it.IdentityID, it.ConversationID, it.MessageID,
			it.Payload, it.State, it.Attempts, it.NextAttemptAt, it.LockedUntil, it.LastError, it.CreatedAt, it.SentAt}
	}
	ests := make([][]any, len(wb.estimates))
	for i, w := range wb.estimates {
		ests[i] = w.row()
	}
	return []heldTable{
		{name: "customers", cols: customerColumns, rows: cust},
		// A skipped identity was created first by a concurrent batch.
		{name: "identities", cols: identityColumns, rows: idents, suffix: " ON CONFLICT DO NOTHING", counted: true},
		{name: "conversations", cols: conversationColumns, rows: convs, suffix: conversationUpsert},
		// Inbound messages were checked against earlier deliveries when
		// the batch began; a skipped one was stored by a concurrent batch.
		{name: "messages", cols: messageColumns, rows: msgs, suffix: " ON CONFLICT DO NOTHING", counted: true},
		{name: "outbox", cols: outboxColumns, rows: items},
		// Wait estimates take their ids from the database: nothing refers
		// to them.
		{name: "wait_estimates", cols: waitEstimateColumns, rows: ests},
	}
}

var (
	customerColumns = []string{"id", "name", "username", "language", "phone", "created_at", "updated_at"}
	identityColumns = []string{"id", "customer_id", "channel", "external_id", "address", "unreachable",
		"unreachable_reason", "unreachable_at", "opted_out", "created_at"}
	conversationColumns = []string{"id", "customer_id", "identity_id", "channel", "state", "step", "queue",
		"operator_id", "language", "first_text", "created_at", "updated_at", "handed_over_at", "claimed_at",
		"resolved_at", "last_message_at"}
	messageColumns = []string{"id", "conversation_id", "direction", "author", "operator_id", "kind", "text", "file_id",
		"file_name", "media_type", "media_size", "channel", "external_id", "choices", "response", "label", "label_source", "proactive",
		"delivery_state", "delivery_error", "created_at", "delivered_at", "callback_id"}
	outboxColumns = []string{"id", "channel", "chat_key", "address", "identity_id", "conversation_id", "message_id",
		"payload", "state", "attempts", "next_attempt_at", "locked_until", "last_error", "created_at", "sent_at"}
)

// conversationUpsert turns the insert of conversations that exist into an
// update of every column but the id, so new and changed conversations go
// in one statement.
var conversationUpsert = func() string {
	sets := make([]string, 0, len(conversationColumns)-1)
	for _, c := range conversationColumns[1:] {
		sets = append(sets, c+" = excluded."+c)
	}
	return " ON CONFLICT (id) DO UPDATE SET " + strings.Join(sets, ", ")
}()

// flushChunk bounds the rows of one multi-row statement on SQLite, well
// inside its limit on parameters.
const flushChunk = 500

// writeTable writes t's rows on SQLite with one multi-row INSERT per chunk.
func (s *Storage) writeTable(ctx context.Context, t heldTable) error {
	if len(t.rows) == 0 {
		return nil
	}
	row := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(t.cols)), ", ") + ")"
	var took int64
	for start := 0; start < len(t.rows); start += flushChunk {
		chunk := t.rows[start:min(start+flushChunk, len(t.rows))]
		var b strings.Builder
		b.WriteString("INSERT INTO " + t.name + " (" + strings.Join(t.cols, ", ") + ") VALUES ")
		args := make([]any, 0, len(chunk)*len(t.cols))
		for i, r := range chunk {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(row)
			args = append(args, r...)
		}
		b.WriteString(t.suffix)
		res := s.q(ctx).Exec(b.String(), args...)
		if res.Error != nil {
			return fmt.Errorf("write %d %s: %w", len(t.rows), t.name, res.Error)
		}
		took += res.RowsAffected
	}
	if t.counted && took != int64(len(t.rows)) {
		return fmt.Errorf("write %d %s, %d stored: %w", len(t.rows), t.name, took, ErrBatchConflict)
	}
	return nil
}

// priorsOf is the statement's last column: for each outbox row written
// (w%d), the newest older item of its chat as the statement found it, so
// without this batch's own rows.
const priorsOf = `(SELECT json_agg(json_build_array(x.id, p.id, p.state, p.sent_at)) FROM w%d x
	LEFT JOIN LATERAL (SELECT o.id, o.state, o.sent_at FROM outbox o WHERE o.chat_key = x.chat_key AND o.id < x.id
		ORDER BY o.id DESC LIMIT 1) p ON true)`

// writeTablesAtOnce writes every table on PostgreSQL in one statement: an
// INSERT per table with rows in a WITH clause, each table's rows one JSON
// parameter typed by the table's own row type. A table with no rows is
// left out: PostgreSQL would still open it and lock and open each of its
// indexes for an insert of nothing, up to 0.04 ms of a returning
// customer's write for the three tables it leaves empty. The statement's
// text is the same for any number of rows of the same tables, so it stays
// prepared, and the batch's writes cost one round trip; with commit, the
// batch's COMMIT goes in the same round trip. A counted table that took
// fewer rows than it was given fails the statement itself (batch_expect),
// so a COMMIT sent with it never commits half a batch. It returns, by
// outbox item, the newest older item of its chat before the batch wrote
// (priorsOf).
func (s *Storage) writeTablesAtOnce(ctx context.Context, held []heldTable, commit bool) (map[uint64]PriorItem, error) {
	tables := make([]heldTable, 0, len(held))
	for _, t := range held {
		if len(t.rows) > 0 {
			tables = append(tables, t)
		}
	}
	st := writeStatementOf(tables)
	args := make([]any, 0, len(tables)+st.checks)
	for _, t := range tables {
		js, err := rowsJSON(t.cols, t.rows)
		if err != nil {
			return nil, fmt.Errorf("encode %s: %w", t.name, err)
		}
		args = append(args, js)
	}
	for _, t := range tables {
		if t.counted {
			args = append(args, len(t.rows))
		}
	}
	var checked int64
	var priors *string
	dest := []any{&checked}
	if st.outbox {
		dest = append(dest, &priors)
	}
	var err error
	if commit {
		err = s.pipe.queryRowAndCommit(ctx, keyLookupLocal, st.numbered, args, dest...)
	} else if err = s.q(ctx).Exec(keyLookupLocal).Error; err == nil {
		err = s.q(ctx).Raw(st.query, args...).Row().Scan(dest...)
	}
	if err != nil {
		if name, ok := batchExpectFailed(err); ok {
			return nil, fmt.Errorf("write %s: %w", name, ErrBatchConflict)
		}
		return nil, fmt.Errorf("write the batch: %w", err)
	}
	if priors == nil {
		return nil, nil
	}
	out, err := readPriors(*priors)
	if err != nil {
		return nil, fmt.Errorf("write the batch: %w", err)
	}
	return out, nil
}

// keyLookupLocal sets keyLookupSettings for the rest of the transaction.
// The write runs it first, so it is planned as the prefetch is: its one
// lookup, each new outbox item's prior in its chat (priorsOf), has an
// index to probe, but planned on a small outbox it read the table whole
// (at 100,000 customers, 1,081 outbox rows a first contact's update,
// bench/growth). ExplainPrefetch runs it to plan as the function does.
var keyLookupLocal = func() string {
	sets := make([]string, len(keyLookupSettings))
	for i, kv := range keyLookupSettings {
		name, value, _ := strings.Cut(kv, " = ")
		sets[i] = "set_config(" + sqlQuote(name) + ", " + sqlQuote(value) + ", true)"
	}
	return "SELECT " + strings.Join(sets, ", ")
}()

// writeStatement is writeTablesAtOnce's statement for one list of tables:
// its text with ? placeholders (for GORM) and with $n (for the pipelined
// commit), how many row counts it checks, and whether it reads priors.
type writeStatement struct {
	query, numbered string
	checks          int
	outbox          bool
}

// writeStatements caches writeStatement by the tables' names and counted
// flags, in order: a table's columns and suffix are fixed by its name
// (heldTables), so nothing else changes the text, and a batch need not
// build and number it again.
var writeStatements sync.Map

// writeStatementOf builds, or finds, the statement that writes tables: an
// INSERT per table in a WITH clause, each table's rows one JSON parameter
// typed by the table's own row type; then each counted table's check, in
// order, after all the tables' parameters.
func writeStatementOf(tables []heldTable) writeStatement {
	var key strings.Builder
	for _, t := range tables {
		key.WriteString(t.name)
		if t.counted {
			key.WriteByte('!')
		}
		key.WriteByte(';')
	}
	if st, ok := writeStatements.Load(key.String()); ok {
		return st.(writeStatement)
	}
	var q strings.Builder
	q.WriteString("WITH ")
	outbox := -1
	for i, t := range tables {
		if i > 0 {
			q.WriteString(", ")
		}
		list := strings.Join(t.cols, ", ")
		returning := "1"
		if t.name == "outbox" {
			outbox, returning = i, "id, chat_key"
		}
		fmt.Fprintf(&q, "w%d AS (INSERT INTO %s (%s) SELECT %s FROM json_populate_recordset(NULL::%s, ?::json)%s RETURNING %s)",
			i, t.name, list, list, t.name, t.suffix, returning)
	}
	// Every WITH clause that writes runs whether or not the SELECT reads
	// it; the SELECT reads only what must be checked. A counted table
	// that took fewer rows than it was given fails the statement in
	// batch_expect, so the sum itself is not looked at.
	q.WriteString(" SELECT ")
	st := writeStatement{outbox: outbox >= 0}
	for i, t := range tables {
		if !t.counted {
			continue
		}
		if st.checks > 0 {
			q.WriteString(" + ")
		}
		fmt.Fprintf(&q, "(SELECT batch_expect(count(*), ?, '%s') FROM w%d)", t.name, i)
		st.checks++
	}
	if st.checks == 0 {
		q.WriteString("0")
	}
	if st.outbox {
		fmt.Fprintf(&q, ", "+priorsOf, outbox)
	}
	st.query = q.String()
	st.numbered = numberedParams(st.query)
	writeStatements.Store(key.String(), st)
	return st
}

// readPriors reads priorsOf's rows: [item id, prior id, state, sent_at],
// the last three null when the chat had no older item.
func readPriors(raw string) (map[uint64]PriorItem, error) {
	var arrays [][]json.RawMessage
	if err := json.Unmarshal([]byte(raw), &arrays); err != nil {
		return nil, fmt.Errorf("read the items before the outbox rows: %w", err)
	}
	out := make(map[uint64]PriorItem, len(arrays))
	for _, a := range arrays {
		if len(a) != 4 {
			return nil, fmt.Errorf("read the items before the outbox rows: %d fields, want 4", len(a))
		}
		var id uint64
		var prior PriorItem
		var priorID *uint64
		var state *string
		for i, dst := range []any{&id, &priorID, &state, &prior.SentAt} {
			if err := json.Unmarshal(a[i], dst); err != nil {
				return nil, fmt.Errorf("read the items before the outbox rows: field %d: %w", i+1, err)
			}
		}
		if priorID != nil {
			prior.ID = *priorID
		}
		if state != nil {
			prior.State = *state
		}
		out[id] = prior
	}
	return out, nil
}

// rowsJSON renders rows as a JSON array of objects keyed by column.
func rowsJSON(cols []string, rows [][]any) (string, error) {
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
				return "", err
			}
		}
		b.WriteByte('}')
	}
	b.WriteByte(']')
	return b.String(), nil
}

// writeJSONValue writes v, one of the column types the batch holds, as
// JSON; times to the microsecond, as PostgreSQL keeps them and as the
// driver sends them elsewhere. The common types are written directly:
// encoding/json's reflection was a tenth of a batch's cost.
func writeJSONValue(b *bytes.Buffer, v any) error {
	switch t := v.(type) {
	case string:
		writeJSONString(b, t)
	case uint64:
		b.WriteString(strconv.FormatUint(t, 10))
	case int:
		b.WriteString(strconv.Itoa(t))
	case bool:
		b.WriteString(strconv.FormatBool(t))
	case time.Time:
		writeJSONTime(b, t)
	case *time.Time:
		if t == nil {
			b.WriteString("null")
		} else {
			writeJSONTime(b, *t)
		}
	case *uint64:
		if t == nil {
			b.WriteString("null")
		} else {
			b.WriteString(strconv.FormatUint(*t, 10))
		}
	default:
		enc, err := json.Marshal(v)
		if err != nil {
			return err
		}
		b.Write(enc)
	}
	return nil
}

func writeJSONTime(b *bytes.Buffer, t time.Time) {
	b.WriteByte('"')
	b.WriteString(t.UTC().Truncate(time.Microsecond).Format(time.RFC3339Nano))
	b.WriteByte('"')
}

// writeJSONString writes s as a JSON string; invalid UTF-8 becomes U+FFFD,
// as encoding/json does.
func writeJSONString(b *bytes.Buffer, s string) {
	const hex = "0123456789abcdef"
	b.WriteByte('"')
	for _, r := range strings.ToValidUTF8(s, "\uFFFD") {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20:
			switch r {
			case '\n':
				b.WriteString(`\n`)
			case '\r':
				b.WriteString(`\r`)
			case '\t':
				b.WriteString(`\t`)
			default:
				b.WriteString(`\u00`)
				b.WriteByte(hex[r>>4])
				b.WriteByte(hex[r&0xf])
			}
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
}
