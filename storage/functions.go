package storage

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"

	"gorm.io/gorm"
)

// keyLookupSettings are the planner settings of the write path's
// functions. Every lookup those functions make is by key, so no plan of
// theirs should scan a table or join it by hashing or merging. These
// settings alone do not make a plan probe by key: planned on tables that
// look empty, it reads a whole index instead of the whole table. What
// keeps the cost per batch flat from an empty database to millions of
// rows is that plans are made again every second (replanStale), seeing
// each table's present size. A table with no index to probe (operators,
// for the free slots) is still read whole, and the penalty the planner
// then adds to that plan's cost would have it compile the statement to
// machine code first, for most of a second on every call: JIT stays off.
var keyLookupSettings = []string{
	"enable_seqscan = off",
	"enable_hashjoin = off",
	"enable_mergejoin = off",
	"jit = off",
}

// functionSettings are keyLookupSettings and one plan per connection,
// kept instead of being made again for every call.
var functionSettings = append(slices.Clone(keyLookupSettings), "plan_cache_mode = force_generic_plan")

// dbFunction is a PostgreSQL function the write path calls.
type dbFunction struct {
	name string
	// args is the argument list, names and types, as CREATE FUNCTION
	// takes it.
	args string
	// returns is what follows RETURNS.
	returns string
	// body is the PL/pgSQL body, given the sequences of the tables by name
	// (seq["messages"] is the regclass literal of messages' id sequence).
	body func(seq map[string]string) string
}

// argTypes is the function's argument types, as DROP FUNCTION takes them.
func (f dbFunction) argTypes() string {
	var types []string
	for _, a := range strings.Split(f.args, ",") {
		fields := strings.Fields(a)
		types = append(types, strings.Join(fields[1:], " "))
	}
	return strings.Join(types, ", ")
}

// writePathFunctions are created, or replaced when their text changed, at
// every Migrate on PostgreSQL. Processes of the build before may still be
// calling them while a new build starts: a change of a function's
// arguments or results takes a new name, not a new text under the old one.
var writePathFunctions = []dbFunction{
	{name: "batch_prefetch_queue", args: "p_chans text[], p_exts text[], p_in_chans text[], p_in_exts text[], " +
		"p_messages int, p_outbox int, p_queue_at timestamptz, p_queue_cap int",
		returns: "TABLE (o_seen json, o_identities json, o_conversations json, o_customer_ids json, o_identity_ids json, " +
			"o_conversation_ids json, o_message_ids json, o_outbox_ids json, o_queue_ahead bigint, o_free_slots bigint)",
		body: prefetchFunctionBody},
	{name: "batch_expect", args: "p_got bigint, p_want bigint, p_table text", returns: "bigint",
		body: func(map[string]string) string {
			return `BEGIN
IF p_got <> p_want THEN
	RAISE EXCEPTION USING ERRCODE = '` + batchExpectCode + `', MESSAGE = format('%s took %s of %s rows', p_table, p_got, p_want);
END IF;
RETURN p_got;
END`
		}},
	{name: "outbox_mark_sent", args: "p_ids bigint[], p_msgs bigint[], p_at timestamptz, p_sent text, p_delivered text",
		returns: "void",
		body: func(map[string]string) string {
			return `BEGIN
UPDATE outbox SET state = p_sent, locked_until = NULL, sent_at = p_at, attempts = attempts + 1 WHERE id = ANY(p_ids);
UPDATE messages SET delivery_state = p_delivered, delivered_at = p_at WHERE id = ANY(p_msgs);
END`
		}},
}

// sequenceTables are the tables whose id sequences the functions draw from.
var sequenceTables = []string{"customers", "identities", "conversations", "messages", "outbox"}

// ensureFunctions creates the write path's functions, or replaces each whose
// text or settings differ from this build's, in tx (which holds the
// migration lock).
func ensureFunctions(tx *gorm.DB) error {
	seq := map[string]string{}
	for _, t := range sequenceTables {
		var name string
		// The sequence by its name alone: the function resolves it on the
		// search path it is called with, as it does the tables.
		if err := tx.Raw(`SELECT c.relname FROM pg_class c WHERE c.oid = pg_get_serial_sequence(?, 'id')::regclass`,
			t).Scan(&name).Error; err != nil {
			return fmt.Errorf("find the id sequence of %s: %w", t, err)
		}
		if name == "" {
			return fmt.Errorf("find the id sequence of %s: none", t)
		}
		seq[t] = sqlQuote(name) + "::regclass"
	}
	for _, f := range writePathFunctions {
		body := f.body(seq)
		var same bool
		if err := tx.Raw(`SELECT EXISTS (SELECT 1 FROM pg_proc WHERE proname = ? AND pronamespace = current_schema()::regnamespace
			AND prosrc = ? AND proconfig = ?::text[])`, f.name, body, pgTextArray(functionConfig())).Scan(&same).Error; err != nil {
			return fmt.Errorf("read function %s: %w", f.name, err)
		}
		if same {
			continue
		}
		if err := tx.Exec(fmt.Sprintf("DROP FUNCTION IF EXISTS %s(%s)", f.name, f.argTypes())).Error; err != nil {
			return fmt.Errorf("drop the old function %s: %w", f.name, err)
		}
		create := fmt.Sprintf("CREATE FUNCTION %s(%s) RETURNS %s LANGUAGE plpgsql\nSET %s\nAS $fn$%s$fn$",
			f.name, f.args, f.returns, strings.Join(functionSettings, "\nSET "), body)
		if err := tx.Exec(create).Error; err != nil {
			return fmt.Errorf("create function %s: %w", f.name, err)
		}
	}
	return nil
}

// functionConfig is functionSettings as pg_proc.proconfig lists them.
func functionConfig() []string {
	out := make([]string, len(functionSettings))
	for i, s := range functionSettings {
		out[i] = strings.ReplaceAll(s, " = ", "=")
	}
	return out
}

// batchExpectCode is the SQLSTATE batch_expect raises when a table of a
// batch's write took fewer rows than it was given: another transaction
// wrote one of them first.
const batchExpectCode = "SB409"

// batchExpectFailed tells whether err is batch_expect's, and names the
// table.
func batchExpectFailed(err error) (string, bool) {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == batchExpectCode {
		return pgErr.Message, true
	}
	return "", false
}
