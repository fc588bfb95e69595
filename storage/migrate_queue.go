package storage

import (
	"fmt"

	"gorm.io/gorm"
)

// queueTallySlots is how many rows queue_tally spreads the count over.
// Each connection adds to one slot (by its backend pid), so two handovers
// committed at once rarely wait for the same row.
const queueTallySlots = 16

// queuedSQL is the condition under which a conversation row counts in
// the queue tally, for the row named by rec (NEW or OLD): waiting, with a
// moment it was handed over. Every queue count reads the same condition.
func queuedSQL(rec string) string {
	return "(" + rec + ".state = " + sqlQuote(StateWaiting) + " AND " + rec + ".handed_over_at IS NOT NULL)"
}

// queuePendingSQL is how much the transaction's own changes to
// conversations, not yet added to queue_tally, have moved the queue: kept
// in a setting local to the transaction by the queue_pending triggers
// (migrateQueuePending), 0 when there are none.
const queuePendingSQL = `coalesce(nullif(current_setting('switchboard.queue_pending', true), ''), '0')::bigint`

// queueWaitingSQL is the number of conversations in the queue as the
// statement's transaction sees them: the tally of those committed, and
// the transaction's own changes.
const queueWaitingSQL = `((SELECT coalesce(sum(waiting), 0) FROM queue_tally) + ` + queuePendingSQL + `)`

// queueDeltaSQL is, in a trigger function on conversations, how the row's
// change moves the queue: 1 into it, -1 out of it, else 0.
var queueDeltaSQL = `(CASE WHEN TG_OP <> 'DELETE' AND ` + queuedSQL("NEW") + ` THEN 1 ELSE 0 END -
		CASE WHEN TG_OP <> 'INSERT' AND ` + queuedSQL("OLD") + ` THEN 1 ELSE 0 END)`

// queueTriggers are the statements that (re)create the triggers named
// prefix_insert, prefix_update and prefix_delete on conversations, each
// calling fn for a row that moves into or out of the queue; deferred makes
// them constraint triggers that fire at the commit.
func queueTriggers(prefix, fn string, deferred bool) []migrationStep {
	kind, when := "TRIGGER", ""
	if deferred {
		kind, when = "CONSTRAINT TRIGGER", " DEFERRABLE INITIALLY DEFERRED"
	}
	events := []struct{ op, on, cond string }{
		{"insert", "INSERT", queuedSQL("NEW")},
		{"update", "UPDATE OF state, handed_over_at", "(" + queuedSQL("OLD") + " IS DISTINCT FROM " + queuedSQL("NEW") + ")"},
		{"delete", "DELETE", queuedSQL("OLD")},
	}
	var steps []migrationStep
	for _, e := range events {
		name := prefix + "_" + e.op
		steps = append(steps,
			migrationStep{"drop the trigger " + name, "DROP TRIGGER IF EXISTS " + name + " ON conversations"},
			migrationStep{"create the trigger " + name, "CREATE " + kind + " " + name + " AFTER " + e.on + " ON conversations" +
				when + " FOR EACH ROW WHEN " + e.cond + " EXECUTE FUNCTION " + fn + "()"})
	}
	return steps
}

// migrationStep is one statement of a migration, with what it does for
// its error.
type migrationStep struct{ what, sql string }

// queueTallyFunction is the deferred triggers' function: it adds the
// row's change to this connection's slot of queue_tally and takes it out
// of the transaction's pending changes, which counted it until now.
var queueTallyFunction = `CREATE OR REPLACE FUNCTION queue_tally_change() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE
	d int := ` + queueDeltaSQL + `;
BEGIN
	IF d <> 0 THEN
		UPDATE queue_tally SET waiting = waiting + d WHERE slot = pg_backend_pid() % ` + fmt.Sprint(queueTallySlots) + `;
		PERFORM set_config('switchboard.queue_pending', (` + queuePendingSQL + ` - d)::text, true);
	END IF;
	RETURN NULL;
END
$fn$`

// queuePendingFunction is the immediate triggers' function: it adds the
// row's change to the transaction's pending changes, a setting no other
// transaction sees and that ends with this one (or with a savepoint rolled
// back to, with the change).
var queuePendingFunction = `CREATE OR REPLACE FUNCTION queue_pending_change() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE
	d int := ` + queueDeltaSQL + `;
BEGIN
	IF d <> 0 THEN
		PERFORM set_config('switchboard.queue_pending', (` + queuePendingSQL + ` + d)::text, true);
	END IF;
	RETURN NULL;
END
$fn$`

// runSteps runs a migration's statements in order.
func runSteps(tx *gorm.DB, what string, steps []migrationStep) error {
	for _, st := range steps {
		if err := tx.Exec(st.sql).Error; err != nil {
			return fmt.Errorf("%s: %s: %w", what, st.what, err)
		}
	}
	return nil
}

// migrateQueueTally keeps the number of conversations in the queue in
// queue_tally, by triggers on conversations (PostgreSQL only), so a
// handover can tell its place without counting the queue: with a long
// queue, counting was most of a batch's prefetch.
//
// The triggers are deferred to the commit. A transaction then adds to its
// slot after every row lock it takes, and holds one slot only while it
// commits, so it cannot deadlock with another transaction that locks
// conversations. The tally is seeded from the conversations under the
// lock CREATE TRIGGER takes, so no change made while this migration runs
// is missed or counted twice. Any writer, of this build or the one before
// in a rolling upgrade, keeps it: the database does.
func migrateQueueTally(tx *gorm.DB) error {
	if tx.Dialector.Name() != "postgres" {
		return nil
	}
	steps := []migrationStep{
		{"create queue_tally", `CREATE TABLE IF NOT EXISTS queue_tally (slot smallint PRIMARY KEY, waiting bigint NOT NULL)`},
		{"create the tally's trigger function", queueTallyFunction},
	}
	steps = append(steps, queueTriggers("queue_tally", "queue_tally_change", true)...)
	steps = append(steps,
		migrationStep{"empty queue_tally", `DELETE FROM queue_tally`},
		migrationStep{"seed queue_tally", `INSERT INTO queue_tally (slot, waiting) SELECT s, CASE WHEN s = 0 THEN
	(SELECT count(*) FROM conversations c WHERE ` + queuedSQL("c") + `) ELSE 0 END FROM generate_series(0, ` +
			fmt.Sprint(queueTallySlots-1) + `) AS s`})
	return runSteps(tx, "queue tally", steps)
}

// migrateQueuePending lets a transaction that changed the queue count it
// as it sees it. queue_tally is added to at the commit, but the
// transaction already sees its own changes to conversations: a position
// counted after putting a conversation back in the queue, from the tally
// and the conversations after it, missed that one. Immediate triggers now
// keep the transaction's changes in a setting of its own
// (queuePendingSQL), and the deferred ones move them from there to the
// tally, so the two add up to the queue the transaction sees whenever the
// deferred ones fire.
func migrateQueuePending(tx *gorm.DB) error {
	if tx.Dialector.Name() != "postgres" {
		return nil
	}
	steps := []migrationStep{
		{"replace the tally's trigger function", queueTallyFunction},
		{"create the pending changes' trigger function", queuePendingFunction},
	}
	return runSteps(tx, "queue pending", append(steps, queueTriggers("queue_pending", "queue_pending_change", false)...))
}
