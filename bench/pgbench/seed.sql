-- Seeds :convs Telegram customers, each with one identity and one
-- conversation in the bot's menu, as /start leaves them. Run on a schema
-- migrated by `switchboard migrate`, with search_path pointing at it:
--   PGOPTIONS="-c search_path=SCHEMA" psql -v convs=10000 -f seed.sql URL
\set ON_ERROR_STOP on
BEGIN;
INSERT INTO customers (id, name, username, language, created_at, updated_at)
SELECT g, 'Seed Customer ' || g, 'seed_' || g, 'en', now(), now()
FROM generate_series(1, :convs) g;
INSERT INTO identities (id, customer_id, channel, external_id, address, unreachable, created_at)
SELECT g, g, 'telegram', (5000000000 + g)::text, (5000000000 + g)::text, false, now()
FROM generate_series(1, :convs) g;
INSERT INTO conversations (id, customer_id, identity_id, channel, state, step, queue, language, first_text,
                           created_at, updated_at, last_message_at)
SELECT g, g, g, 'telegram', 'bot', 'menu', '', 'en', '', now(), now(), now()
FROM generate_series(1, :convs) g;
SELECT setval('customers_id_seq', :convs);
SELECT setval('identities_id_seq', :convs);
SELECT setval('conversations_id_seq', :convs);
COMMIT;
ANALYZE;
