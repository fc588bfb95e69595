package live

// The budget's tables and functions, in schema (schema.go). The tables are
// unlogged: a send budget is worth nothing after a crash, and writing it
// then costs no WAL flush.
const (
	// sendBudgetTable holds, per channel, what the next booking needs: its
	// number, its evenly spaced start (GCRA's theoretical arrival time),
	// the latest end of the sends that left the window, and the end of the
	// pause the provider asked for.
	sendBudgetTable = `CREATE UNLOGGED TABLE IF NOT EXISTS live_send_budget (
		channel text PRIMARY KEY,
		next_seq bigint NOT NULL,
		next_start timestamptz NOT NULL,
		horizon timestamptz NOT NULL,
		paused_until timestamptz NOT NULL
	)`
	// sendBudgetGone adds the number of the newest send deleted from the
	// window: reads of live_sends start after it, not at the dead index
	// entries of the sends deleted before vacuum comes.
	sendBudgetGone = `ALTER TABLE live_send_budget ADD COLUMN IF NOT EXISTS gone_seq bigint NOT NULL DEFAULT 0`
	// sendsTable holds the channel's sends still in the window: when each
	// was to start and, once reported, when it ended.
	sendsTable = `CREATE UNLOGGED TABLE IF NOT EXISTS live_sends (
		channel text NOT NULL,
		seq bigint NOT NULL,
		start_at timestamptz NOT NULL,
		end_at timestamptz,
		PRIMARY KEY (channel, seq)
	)`
	// sendChatsTable holds each chat's last send, as in live_sends.
	sendChatsTable = `CREATE UNLOGGED TABLE IF NOT EXISTS live_send_chats (
		chat_key text PRIMARY KEY,
		seq bigint NOT NULL,
		start_at timestamptz NOT NULL,
		end_at timestamptz
	)`
	sendChatsIndex = `CREATE INDEX IF NOT EXISTS live_send_chats_start ON live_send_chats (start_at)`
	// sendTurnsFunction books a batch of sends by the database's clock,
	// under the channel's row lock, one after another in the order given,
	// as if each asked alone: one statement for the batch instead of one
	// per send. It answers, for each in order (ord), 'refused' when an
	// older item of its chat is pending and not settled (the caller gives
	// its item back, and claims deliver both in order later); 'chat' with
	// how long to wait before asking again, while the chat's last send is
	// in flight (booked earlier in this batch included) or ended less than
	// the chat gap ago; 'busy' likewise while a send p_limit bookings back
	// has not ended, for it and every one after it; or 'slot' with the
	// booking's number and the wait until it may start. A chat needs no
	// lock: the first check lets only its oldest pending item through,
	// which one process holds. A chat's gap runs from its last send as
	// live_send_chats has it, or as the outbox has it for the item before
	// (its sent_at), whichever is later: sends on leased slots leave no
	// chat row. An ask with an empty chat is a slot leased ahead
	// (lease.go): only the channel's window applies to it.
	// p_settled lists the settled items of every
	// chat in the batch together. p_end_* are ends of earlier bookings, as
	// live_send_end takes them, written first (after the channel's lock, so
	// that two calls never wait for each other's rows). Tables are not schema-qualified: they
	// resolve in the caller's search_path, where switchboard's outbox is.
	sendTurnsFunction = `CREATE OR REPLACE FUNCTION live_send_turns(p_channel text, p_chats text[], p_items bigint[],
		p_settled bigint[], p_limit int, p_window_us bigint, p_spacing_us bigint, p_tolerance_us bigint,
		p_chat_gap_us bigint, p_stale_us bigint, p_end_chats text[], p_end_seqs bigint[], p_end_ages_us bigint[])
	RETURNS TABLE (ord int, turn text, wait_us bigint, booking bigint)
	LANGUAGE plpgsql AS $$
	DECLARE
		now_at timestamptz := clock_timestamp();
		us interval := interval '1 microsecond';
		n int := COALESCE(array_length(p_items, 1), 0);
		turns text[] := array_fill('busy'::text, ARRAY[n]);
		waits bigint[] := array_fill(0::bigint, ARRAY[n]);
		bookings bigint[] := array_fill(0::bigint, ARRAY[n]);
		refused bigint[];
		b_first bigint;
		b_seq bigint;
		b_start timestamptz;
		b_horizon timestamptz;
		b_paused timestamptz;
		b_gone bigint;
		gone bigint;
		w_seq bigint[];
		w_start timestamptz[];
		w_end timestamptz[];
		w int := 1;
		busy_wait bigint := -1;
		c_start timestamptz;
		c_end timestamptz;
		prior_sent timestamptz;
		slot_at timestamptz;
		new_seq bigint[] := '{}';
		new_start timestamptz[] := '{}';
		new_chat text[] := '{}';
		k int;
	BEGIN
		SELECT array_agg(u.item) INTO refused FROM unnest(p_chats, p_items) AS u(chat, item)
		WHERE u.chat <> '' AND EXISTS (SELECT 1 FROM outbox o WHERE o.chat_key = u.chat AND o.state = 'pending'
			AND o.id < u.item AND o.id <> ALL (COALESCE(p_settled, '{}')));
		SELECT next_seq, next_start, horizon, paused_until, gone_seq INTO b_seq, b_start, b_horizon, b_paused, b_gone
			FROM live_send_budget WHERE channel = p_channel FOR UPDATE;
		IF NOT FOUND THEN
			INSERT INTO live_send_budget (channel, next_seq, next_start, horizon, paused_until)
				VALUES (p_channel, 1, '-infinity', '-infinity', '-infinity') ON CONFLICT (channel) DO NOTHING;
			SELECT next_seq, next_start, horizon, paused_until, gone_seq INTO b_seq, b_start, b_horizon, b_paused, b_gone
				FROM live_send_budget WHERE channel = p_channel FOR UPDATE;
		END IF;
		-- Ends this process reported since its last call ride along, under
		-- the channel's lock, so they count for the bookings below.
		IF COALESCE(array_length(p_end_seqs, 1), 0) > 0 THEN
			PERFORM live_send_end(p_channel, p_end_chats, p_end_seqs, p_end_ages_us, p_chat_gap_us);
			now_at := clock_timestamp();
		END IF;
		b_first := b_seq;
		gone := b_gone;
		-- The sends that bookings of this batch may find p_limit back.
		SELECT array_agg(s.seq ORDER BY s.seq), array_agg(s.start_at ORDER BY s.seq), array_agg(s.end_at ORDER BY s.seq)
			INTO w_seq, w_start, w_end
			FROM live_sends s WHERE s.channel = p_channel AND s.seq > b_gone AND s.seq <= b_seq + n - 1 - p_limit;
		FOR i IN 1..n LOOP
			CONTINUE WHEN busy_wait >= 0;
			IF p_chats[i] <> '' THEN
				IF p_items[i] = ANY (COALESCE(refused, '{}')) THEN
					turns[i] := 'refused';
					CONTINUE;
				END IF;
				k := array_position(new_chat, p_chats[i]);
				IF k IS NOT NULL THEN
					turns[i] := 'chat';
					waits[i] := (extract(epoch FROM GREATEST(new_start[k] - now_at, '0')) * 1e6)::bigint + 20000;
					CONTINUE;
				END IF;
				SELECT c.start_at, c.end_at INTO c_start, c_end FROM live_send_chats c WHERE c.chat_key = p_chats[i];
				IF FOUND THEN
					IF c_end IS NULL AND c_start + p_stale_us * us > now_at THEN
						turns[i] := 'chat';
						waits[i] := (extract(epoch FROM GREATEST(c_start - now_at, '0')) * 1e6)::bigint + 20000;
						CONTINUE;
					END IF;
					c_end := COALESCE(c_end, c_start + p_stale_us * us) + p_chat_gap_us * us;
					IF c_end > now_at THEN
						turns[i] := 'chat';
						waits[i] := ceil(extract(epoch FROM c_end - now_at) * 1e6)::bigint;
						CONTINUE;
					END IF;
				END IF;
				-- A send on a leased slot leaves no row above: its chat's
				-- last message is the item before this one, once sent.
				SELECT o.sent_at INTO prior_sent FROM outbox o WHERE o.chat_key = p_chats[i] AND o.id < p_items[i]
					ORDER BY o.id DESC LIMIT 1;
				IF prior_sent + p_chat_gap_us * us > now_at THEN
					turns[i] := 'chat';
					waits[i] := ceil(extract(epoch FROM prior_sent + p_chat_gap_us * us - now_at) * 1e6)::bigint;
					CONTINUE;
				END IF;
			END IF;
			WHILE w <= COALESCE(array_length(w_seq, 1), 0) AND w_seq[w] <= b_seq - p_limit LOOP
				IF w_end[w] IS NULL AND w_start[w] + p_stale_us * us > now_at THEN
					busy_wait := (extract(epoch FROM GREATEST(w_start[w] - now_at, '0')) * 1e6)::bigint + 100000;
					EXIT;
				END IF;
				b_horizon := GREATEST(b_horizon, COALESCE(w_end[w], w_start[w] + p_stale_us * us));
				gone := w_seq[w];
				w := w + 1;
			END LOOP;
			IF busy_wait < 0 AND b_seq - p_limit >= b_first THEN
				-- The send p_limit back was booked by this batch: not ended.
				busy_wait := (extract(epoch FROM GREATEST(new_start[b_seq - p_limit - b_first + 1] - now_at, '0')) * 1e6)::bigint + 100000;
			END IF;
			CONTINUE WHEN busy_wait >= 0;
			slot_at := GREATEST(now_at, b_start - p_tolerance_us * us, b_paused, b_horizon + p_window_us * us);
			new_seq := new_seq || b_seq;
			new_start := new_start || slot_at;
			new_chat := new_chat || p_chats[i];
			turns[i] := 'slot';
			bookings[i] := b_seq;
			waits[i] := ceil(extract(epoch FROM slot_at - now_at) * 1e6)::bigint;
			b_start := GREATEST(b_start, slot_at) + p_spacing_us * us;
			b_seq := b_seq + 1;
		END LOOP;
		IF gone > b_gone THEN
			DELETE FROM live_sends WHERE channel = p_channel AND seq > b_gone AND seq <= gone;
		END IF;
		IF b_seq > b_first THEN
			INSERT INTO live_sends (channel, seq, start_at) SELECT p_channel, x.seq, x.start_at FROM unnest(new_seq, new_start) AS x(seq, start_at);
			INSERT INTO live_send_chats (chat_key, seq, start_at) SELECT x.chat, x.seq, x.start_at FROM unnest(new_chat, new_seq, new_start) AS x(chat, seq, start_at)
				WHERE x.chat <> ''
				ON CONFLICT (chat_key) DO UPDATE SET seq = EXCLUDED.seq, start_at = EXCLUDED.start_at, end_at = NULL;
		END IF;
		UPDATE live_send_budget SET next_seq = b_seq, next_start = b_start, horizon = b_horizon, gone_seq = gone
			WHERE channel = p_channel;
		-- Every 64 bookings, forget chats that have been free for a
		-- minute, up to 512: more than were added since.
		IF b_seq / 64 > b_first / 64 THEN
			DELETE FROM live_send_chats WHERE ctid = ANY (ARRAY(
				SELECT ctid FROM live_send_chats
				WHERE start_at < now_at - (p_stale_us + p_chat_gap_us) * us - interval '1 minute'
				LIMIT 512 FOR UPDATE SKIP LOCKED));
		END IF;
		IF busy_wait >= 0 THEN
			FOR i IN 1..n LOOP
				IF turns[i] = 'busy' THEN
					waits[i] := busy_wait;
				END IF;
			END LOOP;
		END IF;
		RETURN QUERY SELECT x.ord::int, x.turn, x.wait_us, x.booking
			FROM unnest(turns, waits, bookings) WITH ORDINALITY AS x(turn, wait_us, booking, ord) ORDER BY x.ord;
	END $$`
	// sendEndFunction records when bookings p_seqs ended, p_ages_us ago;
	// a negative age marks a booking never sent: it then holds no send
	// back, and its chat may have its next message from its booked start
	// on (no sooner than the chat's previous message allowed). Each row is
	// updated by its key, one statement per end, so each keeps one cached
	// plan (a join against the arrays was planned afresh at every call and
	// could scan the window); the chats' rows are taken in key order, so
	// two callers never wait for each other in a circle.
	sendEndFunction = `CREATE OR REPLACE FUNCTION live_send_end(p_channel text, p_chats text[], p_seqs bigint[],
		p_ages_us bigint[], p_chat_gap_us bigint) RETURNS void
	LANGUAGE plpgsql AS $$
	DECLARE
		now_at timestamptz := clock_timestamp();
		us interval := interval '1 microsecond';
		n int := COALESCE(array_length(p_seqs, 1), 0);
		e record;
	BEGIN
		FOR i IN 1..n LOOP
			UPDATE live_sends SET end_at = CASE WHEN p_ages_us[i] < 0 THEN '-infinity' ELSE now_at - p_ages_us[i] * us END
				WHERE channel = p_channel AND seq = p_seqs[i];
		END LOOP;
		IF n = 1 THEN
			-- A leased slot's send (no chat) has no chat row.
			IF p_chats[1] <> '' THEN
				UPDATE live_send_chats SET end_at = CASE WHEN p_ages_us[1] < 0
						THEN start_at - p_chat_gap_us * us ELSE now_at - p_ages_us[1] * us END
					WHERE chat_key = p_chats[1] AND seq = p_seqs[1];
			END IF;
			RETURN;
		END IF;
		FOR e IN SELECT x.chat_key, x.seq, x.age_us FROM unnest(p_chats, p_seqs, p_ages_us) AS x(chat_key, seq, age_us)
			WHERE x.chat_key <> '' ORDER BY x.chat_key LOOP
			UPDATE live_send_chats SET end_at = CASE WHEN e.age_us < 0
					THEN start_at - p_chat_gap_us * us ELSE now_at - e.age_us * us END
				WHERE chat_key = e.chat_key AND seq = e.seq;
		END LOOP;
	END $$`
)
