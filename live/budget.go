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

// SendBudget paces one channel's sends across every process on the
// database, as outbox.Pacer describes: in any sliding second the channel
// sends at most Limits.PerSecond messages, evenly after a short burst,
// and one chat gets at most one message per Limits.ChatInterval, in order,
// however many processes deliver. The sends that ask while a booking is
// being made are booked together with one statement, and the ends
// reported together are written with one: a busy channel costs a few
// statements per batch, not per send. A send whose chat's turn its own
// write already showed clear (most replies) takes a slot of a block
// leased ahead (lease.go): a busy process books once per block.
type SendBudget struct {
	layer   *Layer
	channel string
	limits  outbox.Limits
	mu      sync.Mutex
	// paused is the end of the last pause this process asked for; sends
	// it booked before then are booked again.
	paused time.Time
	// askMu guards the sends waiting to be booked, and whether a call is
	// booking.
	askMu   sync.Mutex
	asks    []*turnAsk
	booking bool
	// endMu guards the ends waiting to be written and the timer that
	// writes them when no booking takes them first.
	endMu    sync.Mutex
	ends     []sendEnd
	endTimer *time.Timer
	// prebookMu guards the sends booked ahead of their commit (prebook.go),
	// by outbox item.
	prebookMu sync.Mutex
	prebooked map[uint64]*prebooking
	// slotMu guards the slots leased ahead (lease.go), when recent ones
	// were taken, and the lease under way, if any.
	slotMu  sync.Mutex
	slots   []leasedSlot
	took    []time.Time
	leasing chan struct{}
}

// endDelay is how long a reported end may wait for the next booking to
// carry it (live_send_turns writes it first) before it is written alone:
// a busy channel writes ends with its bookings, one statement for both,
// and an end reaches other processes at most this late, which can only
// make them wait a little longer, never send too soon.
const endDelay = 10 * time.Millisecond

// maxBookings bounds the sends booked by one statement.
const maxBookings = 256

// turnAsk is one send waiting for the database's answer.
type turnAsk struct {
	it      storage.OutboxItem
	settled []uint64
	answer  chan turnAnswer // buffered: the booking call never waits
}

// turnAnswer is what live_send_turns said of one send.
type turnAnswer struct {
	turn string
	wait time.Duration
	seq  int64
	err  error
}

// SendBudget returns the shared pacer of channel under lim.
func (l *Layer) SendBudget(channel string, lim outbox.Limits) *SendBudget {
	b := &SendBudget{layer: l, channel: channel, limits: lim}
	l.budgetsMu.Lock()
	l.budgets = append(l.budgets, b)
	l.budgetsMu.Unlock()
	return b
}

// refusedWaits are the pauses before a send held back by an older pending
// item of its chat asks again; after the last it is given back
// (outbox.ErrOutOfTurn), for a claim to deliver in order. Together they
// are shorter than a claim's poll interval.
var refusedWaits = []time.Duration{10 * time.Millisecond, 20 * time.Millisecond, 40 * time.Millisecond,
	80 * time.Millisecond, 160 * time.Millisecond}

// Turn books it a start and waits for it; see outbox.Pacer. A send whose
// chat is clear by what its write found (chatClear) takes a slot leased
// ahead (lease.go) instead. Otherwise a booking made ahead by Prebook
// serves first, when fresh. Held back by an older
// pending item of its chat, it asks again a few times over about 300 ms
// before it answers ErrOutOfTurn.
func (b *SendBudget) Turn(ctx context.Context, it storage.OutboxItem, settled []uint64) (func(), error) {
	refusals := 0
	pre := b.takePrebooking(it.ID)
	if notBefore, ok := chatClear(it, settled, b.limits.ChatInterval); ok {
		if pre != nil {
			go b.giveBack(pre)
		}
		return b.turnLeased(ctx, notBefore)
	}
	for {
		if err := outbox.SleepUntil(ctx, b.pausedUntil()); err != nil {
			if pre != nil {
				go b.giveBack(pre)
			}
			return nil, err
		}
		var (
			a        turnAnswer
			answered time.Time
			ok       bool
			err      error
		)
		if pre != nil {
			a, answered, ok, err = b.usePrebooking(ctx, pre)
			pre = nil
			if err != nil {
				return nil, err
			}
		}
		if !ok {
			if a, err = b.book(ctx, it, settled); err != nil {
				return nil, err
			}
			answered = time.Now()
		}
		start := answered.Add(a.wait)
		switch a.turn {
		case "refused":
			// The older item is most often one another process has just
			// sent and is writing down: a moment later it is settled.
			if refusals == len(refusedWaits) {
				return nil, outbox.ErrOutOfTurn
			}
			if err := outbox.SleepUntil(ctx, time.Now().Add(refusedWaits[refusals])); err != nil {
				return nil, err
			}
			refusals++
			continue
		case "chat", "busy":
			if err := outbox.SleepUntil(ctx, start); err != nil {
				return nil, err
			}
			continue
		case "slot":
		default:
			return nil, fmt.Errorf("book %s send of outbox %d: unknown answer %q", b.channel, it.ID, a.turn)
		}
		if err := outbox.SleepUntil(ctx, start); err != nil {
			b.end(it.ChatKey, a.seq, time.Time{})
			return nil, err
		}
		if time.Now().Before(b.pausedUntil()) {
			b.end(it.ChatKey, a.seq, time.Time{}) // a pause came while it waited
			continue
		}
		seq := a.seq
		return func() { b.end(it.ChatKey, seq, time.Now()) }, nil
	}
}

func (b *SendBudget) pausedUntil() time.Time {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.paused
}

// book asks the database for it a turn, together with the other sends
// asking meanwhile (see enqueue). A send whose ctx ends first gives back
// the slot it may still be booked.
func (b *SendBudget) book(ctx context.Context, it storage.OutboxItem, settled []uint64) (turnAnswer, error) {
	ask := &turnAsk{it: it, settled: settled, answer: make(chan turnAnswer, 1)}
	b.enqueue(ask)
	select {
	case a := <-ask.answer:
		return a, a.err
	case <-ctx.Done():
		go func() {
			if a := <-ask.answer; a.turn == "slot" {
				b.end(it.ChatKey, a.seq, time.Time{})
			}
		}()
		return turnAnswer{}, ctx.Err()
	}
}

// enqueue adds asks to those waiting to be booked, all at once, so they
// share a call; the first caller to find no booking under way makes the
// calls until none is waiting, and each ask is answered on its channel.
func (b *SendBudget) enqueue(asks ...*turnAsk) {
	b.askMu.Lock()
	b.asks = append(b.asks, asks...)
	if !b.booking {
		b.booking = true
		for len(b.asks) > 0 {
			n := min(len(b.asks), maxBookings)
			batch := b.asks[:n:n]
			b.asks = b.asks[n:]
			b.askMu.Unlock()
			b.bookBatch(batch)
			b.askMu.Lock()
		}
		b.booking = false
	}
	b.askMu.Unlock()
}

// bookBatch runs live_send_turns for batch and answers each ask. It runs
// even when the asks' contexts have ended: the booking call serves sends
// other than its own.
func (b *SendBudget) bookBatch(batch []*turnAsk) {
	chats, items := make([]string, len(batch)), make([]int64, len(batch))
	var settled []int64
	for i, a := range batch {
		chats[i], items[i] = a.it.ChatKey, int64(a.it.ID)
		for _, id := range a.settled {
			settled = append(settled, int64(id))
		}
	}
	ends := b.takeEnds()
	answers, err := b.ask(chats, items, settled, ends)
	if err != nil && len(ends) > 0 {
		b.writeEnds(ends) // not lost with the booking that failed
	}
	for i, a := range batch {
		if err == nil && len(answers) != len(batch) {
			err = fmt.Errorf("book %d %s sends: %d answers", len(batch), b.channel, len(answers))
		}
		if err != nil {
			a.answer <- turnAnswer{err: fmt.Errorf("book %s send of outbox %d: %w", b.channel, a.it.ID, err)}
			continue
		}
		a.answer <- answers[i]
	}
}

// ask runs live_send_turns once, writing ends first.
func (b *SendBudget) ask(chats []string, items, settled []int64, ends []sendEnd) ([]turnAnswer, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	endChats, endSeqs, endAges := endArrays(ends)
	rows, err := b.layer.Pool.Query(ctx, `SELECT turn, wait_us, booking
		FROM live_send_turns($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
		b.channel, chats, items, settled, b.limits.InWindow(), outbox.Window.Microseconds(),
		b.limits.Spacing().Microseconds(), b.limits.BurstTolerance().Microseconds(),
		b.limits.ChatInterval.Microseconds(), staleSend.Microseconds(), endChats, endSeqs, endAges)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	answers := make([]turnAnswer, 0, len(items))
	for rows.Next() {
		var a turnAnswer
		var waitUS int64
		if err := rows.Scan(&a.turn, &waitUS, &a.seq); err != nil {
			return nil, err
		}
		a.wait = time.Duration(waitUS) * time.Microsecond
		answers = append(answers, a)
	}
	return answers, rows.Err()
}

// sendEnd is a booking whose end is to be reported: at is when the send
// ended, zero when it was never sent.
type sendEnd struct {
	chatKey string
	seq     int64
	at      time.Time
}

// end reports that booking seq, for chatKey ("" for a slot leased
// ahead), ended at at, or was dropped when at is zero. The next booking
// carries it; if none comes within endDelay, it is written alone, with
// whatever else was reported meanwhile.
func (b *SendBudget) end(chatKey string, seq int64, at time.Time) {
	b.endMu.Lock()
	defer b.endMu.Unlock()
	b.ends = append(b.ends, sendEnd{chatKey: chatKey, seq: seq, at: at})
	if b.endTimer == nil {
		b.endTimer = time.AfterFunc(endDelay, b.flushEnds)
	}
}

// takeEnds empties the ends waiting to be written.
func (b *SendBudget) takeEnds() []sendEnd {
	b.endMu.Lock()
	defer b.endMu.Unlock()
	batch := b.ends
	b.ends = nil
	if b.endTimer != nil {
		b.endTimer.Stop()
		b.endTimer = nil
	}
	return batch
}

// flushEnds writes the ends no booking has taken.
func (b *SendBudget) flushEnds() {
	if batch := b.takeEnds(); len(batch) > 0 {
		b.writeEnds(batch)
	}
}

// endArrays renders ends as live_send_end's arrays, in booking order (so
// concurrent writers lock rows in one order).
func endArrays(batch []sendEnd) (chats []string, seqs, ages []int64) {
	slices.SortFunc(batch, func(x, y sendEnd) int { return cmp.Compare(x.seq, y.seq) })
	chats, seqs, ages = make([]string, len(batch)), make([]int64, len(batch)), make([]int64, len(batch))
	for i, e := range batch {
		chats[i], seqs[i], ages[i] = e.chatKey, e.seq, -1
		if !e.at.IsZero() {
			ages[i] = time.Since(e.at).Microseconds()
		}
	}
	return chats, seqs, ages
}

// writeEnds runs live_send_end for batch. It runs even when the sends'
// context has ended: an end never written holds other sends back for
// staleSend.
func (b *SendBudget) writeEnds(batch []sendEnd) {
	chats, seqs, ages := endArrays(batch)
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
	b.dropSlots()
	_, err := b.layer.Pool.Exec(ctx, `INSERT INTO live_send_budget AS b (channel, next_seq, next_start, horizon, paused_until)
		VALUES ($1, 1, '-infinity', '-infinity', clock_timestamp() + $2::bigint * interval '1 microsecond')
		ON CONFLICT (channel) DO UPDATE SET paused_until = GREATEST(b.paused_until, EXCLUDED.paused_until)`,
		b.channel, time.Until(until).Microseconds())
	if err != nil {
		return fmt.Errorf("pause %s sends: %w", b.channel, err)
	}
	return nil
}
