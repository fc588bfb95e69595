-- The shared Telegram budget (live/budget.go) alone: one send booked with
-- live_send_turn and its end reported with live_send_end, as a process
-- does for every Telegram message, each chat a new one (so no chat waits)
-- and nothing pending in the outbox before it (p_item 0). :limit is
-- TELEGRAM_MAX_PER_SECOND: the window keeps that many sends' rows. Run on
-- a schema where switchboard serve has started once (it creates the
-- functions), -c as many clients as sends in flight:
--   pgbench -n -M prepared -c 16 -T 10 -D limit=100000 -f bench/pgbench/budget.sql
\set chat random(1, 1000000000)
SELECT booking FROM live_send_turn('telegram', 'telegram:' || :chat, 0, '{}', :limit, 1000000,
	1000000 / :limit, 3 * 1000000 / :limit, 0, 10000000) \gset
SELECT live_send_end('telegram', ARRAY['telegram:' || :chat], ARRAY[:booking]::bigint[], ARRAY[0]::bigint[], 0);
