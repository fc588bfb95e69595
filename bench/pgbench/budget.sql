-- The shared Telegram budget (live/budget.go) alone: :batch sends booked
-- with one call of live_send_turns and their ends reported with one
-- live_send_end, as a process does for the sends that ask while its last
-- booking was being made. Each chat is a new one (so no chat waits) and
-- nothing is pending in the outbox before them (items 0). :limit is
-- TELEGRAM_MAX_PER_SECOND: the window keeps that many sends' rows. Run on
-- a schema where switchboard serve has started once (it creates the
-- functions), -c as many clients as bookings made at once:
--   pgbench -n -M prepared -c 4 -T 10 -D limit=100000 -D batch=8 -f bench/pgbench/budget.sql
\set chat random(1, 1000000000)
SELECT array_agg(t.booking ORDER BY t.booking) AS bookings,
	array_agg('telegram:' || (:chat::bigint * 1000 + t.ord) ORDER BY t.booking) AS chats
FROM live_send_turns('telegram', ARRAY(SELECT 'telegram:' || (:chat::bigint * 1000 + i) FROM generate_series(1, :batch::int) i),
	array_fill(0::bigint, ARRAY[:batch::int]), '{}', :limit::int, 1000000, 1000000 / :limit::bigint, 3 * 1000000 / :limit::bigint, 0, 10000000) t \gset
SELECT live_send_end('telegram', :chats::text[], :bookings::bigint[], array_fill(0::bigint, ARRAY[:batch::int]), 0);
