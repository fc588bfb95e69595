-- Everything switchboard asks of PostgreSQL for one message from a returning
-- customer when nothing is batched, statement for statement as GORM sends
-- them (captured with log_statement=all): the inbound transaction, then the
-- outbox claim and the delivery record — three durable commits. One update
-- in three is a handover, which also counts the queue ahead, as in
-- bench/loadgen's journey (/start, a menu button, a question).
--
-- Under load switchboard batches all three transactions (group commit of
-- inbound updates, claims and records of many items at once), so this is
-- the unbatched cost. Two liberties: the claim's SELECT does not lock
-- (FOR UPDATE SKIP LOCKED would make clients that each then update their
-- own row deadlock, which switchboard's single dispatcher cannot), and
-- the claimed row is this client's own.
\set conv random(1, :convs)
\set update_id random(1, 2000000000)
\set handover random(1, 3)
BEGIN;
SELECT * FROM identities WHERE channel = 'telegram' AND external_id = (5000000000 + :conv)::text LIMIT 1;
SELECT * FROM customers WHERE customers.id = :conv LIMIT 1;
SELECT * FROM conversations WHERE identity_id = :conv ORDER BY created_at DESC, id DESC LIMIT 1 FOR UPDATE;
INSERT INTO messages (conversation_id, direction, author, operator_id, kind, text, file_id, file_name, channel,
                      external_id, delivery_state, delivery_error, created_at, delivered_at)
VALUES (:conv, 'in', 'customer', NULL, 'text', 'Hello, my order #' || :conv || ' has not arrived yet. Where is it?', '', '',
        'telegram', :update_id, '', '', now(), NULL)
ON CONFLICT DO NOTHING RETURNING id;
\if :handover = 1
SELECT count(*) FROM conversations WHERE state = 'waiting' AND (handed_over_at < now() OR (handed_over_at = now() AND id < :conv));
\endif
INSERT INTO messages (conversation_id, direction, author, operator_id, kind, text, file_id, file_name, channel,
                      external_id, delivery_state, delivery_error, created_at, delivered_at)
VALUES (:conv, 'out', 'bot', NULL, 'text', 'Thank you! A person will answer you soon. Your place in the queue: 3, about 15 minutes. Ticket SB-000042.',
        '', '', 'telegram', '', 'pending', '', now(), NULL)
RETURNING id \gset msg_
INSERT INTO outbox (channel, chat_key, address, identity_id, conversation_id, message_id, payload, state, attempts,
                    next_attempt_at, locked_until, last_error, created_at, sent_at)
VALUES ('telegram', 'telegram:' || (5000000000 + :conv), (5000000000 + :conv)::text, :conv, :conv, :msg_id,
        '{"text":"Thank you! A person will answer you soon. Your place in the queue: 3, about 15 minutes. Ticket SB-000042."}',
        'pending', 0, now(), NULL, '', now(), NULL)
RETURNING id \gset out_
UPDATE conversations SET customer_id = :conv, identity_id = :conv, channel = 'telegram',
                         state = CASE WHEN :handover = 1 THEN 'waiting' ELSE state END, step = '',
                         queue = '', operator_id = NULL, language = 'en', first_text = '', created_at = created_at,
                         updated_at = now(), handed_over_at = CASE WHEN :handover = 1 THEN now() ELSE handed_over_at END,
                         claimed_at = NULL, resolved_at = NULL, last_message_at = now()
WHERE id = :conv;
COMMIT;
BEGIN;
SELECT * FROM outbox WHERE (state = 'pending' AND next_attempt_at <= now() AND (locked_until IS NULL OR locked_until < now()))
  AND (NOT EXISTS (SELECT 1 FROM outbox p WHERE p.state = 'pending' AND p.chat_key = outbox.chat_key AND p.id < outbox.id))
  ORDER BY id ASC LIMIT 64;
UPDATE outbox SET locked_until = now() + interval '30 seconds' WHERE id IN (:out_id);
COMMIT;
BEGIN;
UPDATE outbox SET attempts = attempts + 1, locked_until = NULL, sent_at = now(), state = 'sent' WHERE id IN (:out_id);
UPDATE messages SET delivered_at = now(), delivery_state = 'sent' WHERE id IN (:msg_id);
COMMIT;
