package live

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/switchboardhq/switchboard/outbox"
	"github.com/switchboardhq/switchboard/storage"
)

// staleSend is how long after its start a send that never reported its end
// (its process died) stops holding others back; it then counts as ended
// that long after its start.
const staleSend = 10 * time.Second

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
	// sendTurnFunction books one send by the database's clock, under the
	// channel's row lock (a chat needs none: the first check lets only
	// its oldest pending item through, which one process holds). It
	// answers 'refused' when an older item of the chat is pending and not
	// settled (the caller gives its item back, and claims deliver both in
	// order later); 'chat' with how long to wait before asking again,
	// while the chat's last send is in flight or ended less than the chat
	// gap ago; 'busy' likewise while a send p_limit bookings back has not
	// ended; or 'slot' with the booking's number and the wait until it may
	// start. Tables are not schema-qualified: they resolve in the caller's
	// search_path, where switchboard's outbox is.
	sendTurnFunction = `CREATE OR REPLACE FUNCTION live_send_turn(p_channel text, p_chat text, p_item bigint,
		p_settled bigint[], p_limit int, p_window_us bigint, p_spacing_us bigint, p_tolerance_us bigint,
		p_chat_gap_us bigint, p_stale_us bigint, OUT turn text, OUT wait_us bigint, OUT booking bigint)
	LANGUAGE plpgsql AS $$
	DECLARE
		now_at timestamptz := clock_timestamp();
		us interval := interval '1 microsecond';
		b_seq bigint;
		b_start timestamptz;
		b_horizon timestamptz;
		b_paused timestamptz;
		c_start timestamptz;
		c_end timestamptz;
		r record;
		slot_at timestamptz;
	BEGIN
		booking := 0;
		wait_us := 0;
		IF EXISTS (SELECT 1 FROM outbox o WHERE o.chat_key = p_chat AND o.state = 'pending'
				AND o.id < p_item AND o.id <> ALL (COALESCE(p_settled, '{}'))) THEN
			turn := 'refused';
			RETURN;
		END IF;
		SELECT c.start_at, c.end_at INTO c_start, c_end FROM live_send_chats c WHERE c.chat_key = p_chat;
		IF FOUND THEN
			IF c_end IS NULL AND c_start + p_stale_us * us > now_at THEN
				turn := 'chat';
				wait_us := (extract(epoch FROM GREATEST(c_start - now_at, '0')) * 1e6)::bigint + 20000;
				RETURN;
			END IF;
			c_end := COALESCE(c_end, c_start + p_stale_us * us) + p_chat_gap_us * us;
			IF c_end > now_at THEN
				turn := 'chat';
				wait_us := ceil(extract(epoch FROM c_end - now_at) * 1e6)::bigint;
				RETURN;
			END IF;
		END IF;
		INSERT INTO live_send_budget (channel, next_seq, next_start, horizon, paused_until)
			VALUES (p_channel, 1, '-infinity', '-infinity', '-infinity') ON CONFLICT (channel) DO NOTHING;
		SELECT next_seq, next_start, horizon, paused_until INTO b_seq, b_start, b_horizon, b_paused
			FROM live_send_budget WHERE channel = p_channel FOR UPDATE;
		FOR r IN SELECT s.seq, s.start_at, s.end_at FROM live_sends s
				WHERE s.channel = p_channel AND s.seq <= b_seq - p_limit ORDER BY s.seq LOOP
			IF r.end_at IS NULL AND r.start_at + p_stale_us * us > now_at THEN
				UPDATE live_send_budget SET horizon = b_horizon WHERE channel = p_channel;
				turn := 'busy';
				wait_us := (extract(epoch FROM GREATEST(r.start_at - now_at, '0')) * 1e6)::bigint + 100000;
				RETURN;
			END IF;
			b_horizon := GREATEST(b_horizon, COALESCE(r.end_at, r.start_at + p_stale_us * us));
			DELETE FROM live_sends WHERE channel = p_channel AND seq = r.seq;
		END LOOP;
		slot_at := GREATEST(now_at, b_start - p_tolerance_us * us, b_paused, b_horizon + p_window_us * us);
		INSERT INTO live_sends (channel, seq, start_at) VALUES (p_channel, b_seq, slot_at);
		INSERT INTO live_send_chats (chat_key, seq, start_at) VALUES (p_chat, b_seq, slot_at)
			ON CONFLICT (chat_key) DO UPDATE SET seq = EXCLUDED.seq, start_at = EXCLUDED.start_at, end_at = NULL;
		UPDATE live_send_budget SET next_seq = b_seq + 1, next_start = GREATEST(b_start, slot_at) + p_spacing_us * us,
			horizon = b_horizon WHERE channel = p_channel;
		-- Every 64th booking forgets chats that have been free for a
		-- minute, up to 512: more than were added since.
		IF b_seq % 64 = 0 THEN
			DELETE FROM live_send_chats WHERE ctid = ANY (ARRAY(
				SELECT ctid FROM live_send_chats
				WHERE start_at < now_at - (p_stale_us + p_chat_gap_us) * us - interval '1 minute'
				LIMIT 512 FOR UPDATE SKIP LOCKED));
		END IF;
		turn := 'slot';
		booking := b_seq;
		wait_us := ceil(extract(epoch FROM slot_at - now_at) * 1e6)::bigint;
	END $$`
	// sendEndFunction records when bookings p_seqs ended, p_ages_us ago;
	// a negative age marks a booking never sent: it then holds no send
	// back, and its chat may have its next message from its booked start
	// on (no sooner than the chat's previous message allowed).
	sendEndFunction = `CREATE OR REPLACE FUNCTION live_send_end(p_channel text, p_chats text[], p_seqs bigint[],
		p_ages_us bigint[], p_chat_gap_us bigint) RETURNS void
	LANGUAGE plpgsql AS $$
	DECLARE
		now_at timestamptz := clock_timestamp();
		us interval := interval '1 microsecond';
	BEGIN
		UPDATE live_sends s SET end_at = CASE WHEN e.age_us < 0 THEN '-infinity' ELSE now_at - e.age_us * us END
			FROM unnest(p_seqs, p_ages_us) AS e(seq, age_us)
			WHERE s.channel = p_channel AND s.seq = e.seq;
		UPDATE live_send_chats c SET end_at = CASE WHEN e.age_us < 0
				THEN c.start_at - p_chat_gap_us * us ELSE now_at - e.age_us * us END
			FROM unnest(p_chats, p_seqs, p_ages_us) AS e(chat_key, seq, age_us)
			WHERE c.chat_key = e.chat_key AND c.seq = e.seq;
	END $$`
)

// SendBudget paces one channel's sends across every process on the
// database, as outbox.Pacer describes: in any sliding second the channel
// sends at most Limits.PerSecond messages, evenly after a short burst,
// and one chat gets at most one message per Limits.ChatInterval, in order,
// however many processes deliver. Each send costs one statement to book
// it, and one to report its end, shared by the ends reported together.
type SendBudget struct {
	layer   *Layer
	channel string
	limits  outbox.Limits
	// full is held by the send of this process that waits for room in
	// the window.
	full chan struct{}
	mu   sync.Mutex
	// paused is the end of the last pause this process asked for; sends
	// it booked before then are booked again.
	paused time.Time
	// endMu guards the ends waiting to be written, and whether a call is
	// writing them.
	endMu       sync.Mutex
	ends        []sendEnd
	writingEnds bool
}

// SendBudget returns the shared pacer of channel under lim.
func (l *Layer) SendBudget(channel string, lim outbox.Limits) *SendBudget {
	return &SendBudget{layer: l, channel: channel, limits: lim, full: make(chan struct{}, 1)}
}

// Turn books it a start and waits for it; see outbox.Pacer.
func (b *SendBudget) Turn(ctx context.Context, it storage.OutboxItem, settled []uint64) (func(), error) {
	ids := make([]int64, len(settled))
	for i, id := range settled {
		ids[i] = int64(id)
	}
	for {
		if err := sleepUntil(ctx, b.pausedUntil()); err != nil {
			return nil, err
		}
		turn, wait, seq, err := b.book(ctx, it, ids)
		if err != nil {
			return nil, err
		}
		start := time.Now().Add(wait)
		switch turn {
		case "refused":
			return nil, outbox.ErrOutOfTurn
		case "chat":
			if err := sleepUntil(ctx, start); err != nil {
				return nil, err
			}
			continue
		case "slot":
		default:
			return nil, fmt.Errorf("book %s send of outbox %d: unknown answer %q", b.channel, it.ID, turn)
		}
		if err := sleepUntil(ctx, start); err != nil {
			b.end(it, seq, time.Time{})
			return nil, err
		}
		if time.Now().Before(b.pausedUntil()) {
			b.end(it, seq, time.Time{}) // a pause came while it waited
			continue
		}
		return func() { b.end(it, seq, time.Now()) }, nil
	}
}

func (b *SendBudget) pausedUntil() time.Time {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.paused
}

// book runs live_send_turn for it until the window has room. While the
// window is full, one send of this process asks again and again until it
// has room, and the others wait for it rather than ask too.
func (b *SendBudget) book(ctx context.Context, it storage.OutboxItem, settled []int64) (string, time.Duration, int64, error) {
	select {
	case b.full <- struct{}{}:
		<-b.full
	case <-ctx.Done():
		return "", 0, 0, ctx.Err()
	}
	turn, wait, seq, err := b.ask(ctx, it, settled)
	if err != nil || turn != "busy" {
		return turn, wait, seq, err
	}
	select {
	case b.full <- struct{}{}:
	case <-ctx.Done():
		return "", 0, 0, ctx.Err()
	}
	defer func() { <-b.full }()
	for turn == "busy" && err == nil {
		if err := sleepUntil(ctx, time.Now().Add(wait)); err != nil {
			return "", 0, 0, err
		}
		turn, wait, seq, err = b.ask(ctx, it, settled)
	}
	return turn, wait, seq, err
}

// ask runs live_send_turn for it once.
func (b *SendBudget) ask(ctx context.Context, it storage.OutboxItem, settled []int64) (string, time.Duration, int64, error) {
	var turn string
	var waitUS, seq int64
	err := b.layer.Pool.QueryRow(ctx, `SELECT turn, wait_us, booking FROM live_send_turn($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		b.channel, it.ChatKey, int64(it.ID), settled, b.limits.InWindow(), outbox.Window.Microseconds(),
		b.limits.Spacing().Microseconds(), b.limits.BurstTolerance().Microseconds(),
		b.limits.ChatInterval.Microseconds(), staleSend.Microseconds()).Scan(&turn, &waitUS, &seq)
	if err != nil {
		return "", 0, 0, fmt.Errorf("book %s send of outbox %d: %w", b.channel, it.ID, err)
	}
	return turn, time.Duration(waitUS) * time.Microsecond, seq, nil
}

// sendEnd is a booking whose end is to be reported: at is when the send
// ended, zero when it was never sent.
type sendEnd struct {
	chatKey string
	seq     int64
	at      time.Time
}

// end reports that booking seq of it ended at at, or was dropped when at
// is zero. Ends reported while another is being written are written
// together next, by whichever call is writing: so a busy channel costs one
// statement per batch of ends, not per send.
func (b *SendBudget) end(it storage.OutboxItem, seq int64, at time.Time) {
	b.endMu.Lock()
	b.ends = append(b.ends, sendEnd{chatKey: it.ChatKey, seq: seq, at: at})
	if b.writingEnds {
		b.endMu.Unlock()
		return
	}
	b.writingEnds = true
	for len(b.ends) > 0 {
		batch := b.ends
		b.ends = nil
		b.endMu.Unlock()
		b.writeEnds(batch)
		b.endMu.Lock()
	}
	b.writingEnds = false
	b.endMu.Unlock()
}

// writeEnds runs live_send_end for batch. It runs even when the sends'
// context has ended: an end never written holds other sends back for
// staleSend.
func (b *SendBudget) writeEnds(batch []sendEnd) {
	slices.SortFunc(batch, func(x, y sendEnd) int { return cmp.Compare(x.seq, y.seq) })
	chats, seqs, ages := make([]string, len(batch)), make([]int64, len(batch)), make([]int64, len(batch))
	for i, e := range batch {
		chats[i], seqs[i], ages[i] = e.chatKey, e.seq, -1
		if !e.at.IsZero() {
			ages[i] = time.Since(e.at).Microseconds()
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := b.layer.Pool.Exec(ctx, `SELECT live_send_end($1, $2, $3, $4, $5)`,
		b.channel, chats, seqs, ages, b.limits.ChatInterval.Microseconds())
	if err != nil {
		b.layer.log.Warn("report the end of sends; later sends wait longer", "channel", b.channel, "count", len(batch), "err", err)
	}
}

// Pause holds the channel's sends in every process until until; sends this
// process booked before then are booked again.
func (b *SendBudget) Pause(ctx context.Context, until time.Time) error {
	b.mu.Lock()
	if until.After(b.paused) {
		b.paused = until
	}
	b.mu.Unlock()
	_, err := b.layer.Pool.Exec(ctx, `INSERT INTO live_send_budget AS b (channel, next_seq, next_start, horizon, paused_until)
		VALUES ($1, 1, '-infinity', '-infinity', clock_timestamp() + $2::bigint * interval '1 microsecond')
		ON CONFLICT (channel) DO UPDATE SET paused_until = GREATEST(b.paused_until, EXCLUDED.paused_until)`,
		b.channel, time.Until(until).Microseconds())
	if err != nil {
		return fmt.Errorf("pause %s sends: %w", b.channel, err)
	}
	return nil
}

// sleepUntil waits until t, or returns ctx's error if it ends first.
func sleepUntil(ctx context.Context, t time.Time) error {
	wait := time.Until(t)
	if wait <= 0 {
		return ctx.Err()
	}
	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}
