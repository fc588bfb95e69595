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
	steps := []struct{ what, sql string }{
		{"create queue_tally", `CREATE TABLE IF NOT EXISTS queue_tally (slot smallint PRIMARY KEY, waiting bigint NOT NULL)`},
		{"create the tally's trigger function", `CREATE OR REPLACE FUNCTION queue_tally_change() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE
	d int := 0;
BEGIN
	IF TG_OP <> 'DELETE' AND ` + queuedSQL("NEW") + ` THEN
		d := d + 1;
	END IF;
	IF TG_OP <> 'INSERT' AND ` + queuedSQL("OLD") + ` THEN
		d := d - 1;
	END IF;
	IF d <> 0 THEN
		UPDATE queue_tally SET waiting = waiting + d WHERE slot = pg_backend_pid() % ` + fmt.Sprint(queueTallySlots) + `;
	END IF;
	RETURN NULL;
END
$fn$`},
		{"drop the old insert trigger", `DROP TRIGGER IF EXISTS queue_tally_insert ON conversations`},
		{"drop the old update trigger", `DROP TRIGGER IF EXISTS queue_tally_update ON conversations`},
		{"drop the old delete trigger", `DROP TRIGGER IF EXISTS queue_tally_delete ON conversations`},
		{"create the insert trigger", `CREATE CONSTRAINT TRIGGER queue_tally_insert AFTER INSERT ON conversations
	DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN ` + queuedSQL("NEW") + ` EXECUTE FUNCTION queue_tally_change()`},
		{"create the update trigger", `CREATE CONSTRAINT TRIGGER queue_tally_update AFTER UPDATE OF state, handed_over_at ON conversations
	DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (` + queuedSQL("OLD") + ` IS DISTINCT FROM ` + queuedSQL("NEW") + `)
	EXECUTE FUNCTION queue_tally_change()`},
		{"create the delete trigger", `CREATE CONSTRAINT TRIGGER queue_tally_delete AFTER DELETE ON conversations
	DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN ` + queuedSQL("OLD") + ` EXECUTE FUNCTION queue_tally_change()`},
		{"empty queue_tally", `DELETE FROM queue_tally`},
		{"seed queue_tally", `INSERT INTO queue_tally (slot, waiting) SELECT s, CASE WHEN s = 0 THEN
	(SELECT count(*) FROM conversations c WHERE ` + queuedSQL("c") + `) ELSE 0 END FROM generate_series(0, ` +
			fmt.Sprint(queueTallySlots-1) + `) AS s`},
	}
	for _, st := range steps {
		if err := tx.Exec(st.sql).Error; err != nil {
			return fmt.Errorf("queue tally: %s: %w", st.what, err)
		}
	}
	return nil
}
