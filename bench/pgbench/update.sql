-- The database ceiling: the four writes one customer message costs
-- switchboard, on its real schema, in one transaction with a durable
-- commit (synchronous_commit on). Columns and values are those
-- dialog/engine.go writes: the inbound message (deduplicated on the
-- update_id), the conversation's new state, the bot's reply and its outbox
-- row. Run with -D convs=N matching seed.sql and -M prepared, as switchboard
-- prepares its statements.
\set conv random(1, :convs)
\set update_id random(1, 2000000000)
BEGIN;
INSERT INTO messages (conversation_id, direction, author, kind, text, file_id, file_name, channel, external_id,
                      delivery_state, delivery_error, created_at)
VALUES (:conv, 'in', 'customer', 'text', 'Hello, my order #' || :conv || ' has not arrived yet. Where is it?', '', '',
        'telegram', :update_id, '', '', now())
ON CONFLICT DO NOTHING RETURNING id;
UPDATE conversations SET state = 'waiting', step = '', queue = '', handed_over_at = now(), updated_at = now(),
                         last_message_at = now()
WHERE id = :conv;
INSERT INTO messages (conversation_id, direction, author, kind, text, file_id, file_name, channel, external_id,
                      delivery_state, delivery_error, created_at)
VALUES (:conv, 'out', 'bot', 'text', 'Thank you! A person will answer you soon. Your place in the queue: 3, about 15 minutes. Ticket SB-000042.',
        '', '', 'telegram', '', 'pending', '', now())
RETURNING id \gset msg_
INSERT INTO outbox (channel, chat_key, address, identity_id, conversation_id, message_id, payload, state, attempts,
                    next_attempt_at, last_error, created_at)
VALUES ('telegram', 'telegram:' || (5000000000 + :conv), (5000000000 + :conv)::text, :conv, :conv, :msg_id,
        '{"text":"Thank you! A person will answer you soon. Your place in the queue: 3, about 15 minutes. Ticket SB-000042."}',
        'pending', 0, now(), '', now());
COMMIT;
