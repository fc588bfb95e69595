package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/switchboardhq/switchboard/storage"
)

// fillStatements store the data, $1 customers with $2 messages each: ids
// run from 1, and customer n has identity n (Telegram user n), resolved
// conversation n, messages with external ids n*$2+j (below the bench's
// update ids), half from the customer and half from the bot.
var fillStatements = []string{
	`INSERT INTO customers (id, name, username, language, phone, time_zone, created_at, updated_at)
	SELECT n, 'Customer ' || n, 'user' || n, 'en', '', '', now() - interval '30 days', now() - interval '30 days'
	FROM generate_series(1, $1::bigint) AS n`,
	`INSERT INTO identities (id, customer_id, channel, external_id, address, unreachable, opted_out, created_at)
	SELECT n, n, 'telegram', n::text, n::text, false, false, now() - interval '30 days'
	FROM generate_series(1, $1::bigint) AS n`,
	`INSERT INTO conversations (id, customer_id, identity_id, channel, state, step, queue, language,
		created_at, updated_at, resolved_at, last_message_at)
	SELECT n, n, n, 'telegram', 'resolved', '', '', 'en', now() - interval '30 days', now() - interval '29 days',
		now() - interval '29 days', now() - interval '29 days'
	FROM generate_series(1, $1::bigint) AS n`,
	`INSERT INTO messages (conversation_id, direction, author, kind, text, channel, external_id, created_at)
	SELECT n, CASE WHEN j % 2 = 0 THEN 'in' ELSE 'out' END, CASE WHEN j % 2 = 0 THEN 'customer' ELSE 'bot' END,
		'text', CASE WHEN j % 2 = 0 THEN 'my order ' || n ELSE 'Thank you, an operator will answer' END,
		'telegram', (n * $2::bigint + j)::text, now() - interval '30 days' + j * interval '1 minute'
	FROM generate_series(1, $1::bigint) AS n, generate_series(0, $2::bigint - 1) AS j`,
	`INSERT INTO outbox (channel, chat_key, address, identity_id, conversation_id, payload, state, attempts,
		next_attempt_at, created_at, sent_at)
	SELECT 'telegram', 'telegram:' || n, n::text, n, n, '{}', 'sent', 1, now() - interval '29 days',
		now() - interval '29 days', now() - interval '29 days'
	FROM generate_series(1, least($1::bigint, 100)) AS n`,
}

// fill stores o.customers customers straight with SQL, as pgbench would,
// then VACUUM ANALYZE, so the planner sees the sizes (with o.analyze; else
// it turns autovacuum off on the hot tables, so the planner has no
// statistics). It prints how long each table took.
func fill(ctx context.Context, store *storage.Storage, o options) error {
	for _, s := range fillStatements {
		start := time.Now()
		s = strings.NewReplacer("$1", strconv.Itoa(o.customers), "$2", strconv.Itoa(o.perCust)).Replace(s)
		if err := store.Exec(ctx, s); err != nil {
			return err
		}
		fmt.Printf("  %.40s… %s\n", s, time.Since(start).Round(100*time.Millisecond))
	}
	for _, t := range []string{"customers", "identities", "conversations", "messages", "outbox"} {
		if err := store.Exec(ctx, fmt.Sprintf(
			"SELECT setval(pg_get_serial_sequence('%s', 'id'), (SELECT coalesce(max(id), 0) + 1 FROM %s), false)", t, t)); err != nil {
			return err
		}
	}
	if !o.analyze {
		for _, t := range []string{"customers", "identities", "conversations", "messages", "outbox"} {
			if err := store.Exec(ctx, "ALTER TABLE "+t+" SET (autovacuum_enabled = false)"); err != nil {
				return err
			}
		}
		return nil
	}
	start := time.Now()
	if err := store.Exec(ctx, "VACUUM ANALYZE"); err != nil {
		return err
	}
	fmt.Printf("  VACUUM ANALYZE %s\n", time.Since(start).Round(100*time.Millisecond))
	return nil
}
