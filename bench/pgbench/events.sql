-- The live bus's write (live/bus.go, Bus.write) alone: one batch of
-- :batch events of 370 bytes (the average type and data of the events a
-- customer's update causes), ids taken under the one advisory lock every
-- process's writer takes, then the NOTIFY, committed without waiting for
-- the disk. Run on a schema with live_events (any switchboard schema on
-- PostgreSQL), -c as many clients as processes write:
--   pgbench -n -M prepared -c 3 -T 10 -D batch=4 -f bench/pgbench/events.sql
BEGIN;
SET LOCAL synchronous_commit = off;
SELECT pg_advisory_xact_lock(7452099);
INSERT INTO live_events (id, type, conversation_id, at, data)
SELECT nextval('live_event_ids'), 'message.created', g, now(), repeat('x', 355)
FROM generate_series(1, :batch) AS g;
SELECT pg_notify('switchboard_bench_events', currval('live_event_ids')::text);
COMMIT;
