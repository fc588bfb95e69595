package live

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/switchboardhq/switchboard/events"
	"github.com/switchboardhq/switchboard/metrics"
	"github.com/switchboardhq/switchboard/outbox"
)

// Defaults of BusConfig.
const (
	// DefaultRetention is how long events are kept for streams that
	// reconnect: a day, as the issue asks.
	DefaultRetention = 24 * time.Hour
	// MaxQueued bounds the events waiting for the database while it is
	// out of reach; beyond it the oldest are dropped (streams that miss
	// them are told to reload).
	MaxQueued = 100000
	// DefaultListenerGrace is how long the listener connection may be
	// down before Ready reports the process not ready.
	DefaultListenerGrace = 10 * time.Second
	// listenPing is how often an idle listener checks its connection.
	listenPing = 5 * time.Second
	// fetchPage is how many events one read of the table returns.
	fetchPage = 1000
	// purgedMark names the highest event id purged in live_marks.
	purgedMark = "events_purged_through"
)

// BusConfig tunes a Bus; zero fields take the defaults.
type BusConfig struct {
	// Retention is how long events stay replayable.
	Retention time.Duration
	// PurgeEvery is how often a process deletes events older than
	// Retention; a minute when zero.
	PurgeEvery time.Duration
	// ListenerGrace is how long the listener may be down before Ready
	// fails; DefaultListenerGrace when zero.
	ListenerGrace time.Duration
}

// Bus carries events between the processes on one PostgreSQL, as the
// broker's Transport. Each process writes the events it publishes to
// live_events in batches, taking ids from one sequence under an advisory
// lock so that ids commit in order, and NOTIFYs the newest id; each
// process LISTENs on a connection of its own and hands every new event to
// its broker. The table keeps a day of events, so a stream that reopens
// with Last-Event-ID on any process replays what it missed.
type Bus struct {
	l      *Layer
	broker *events.Broker
	encode func(any) ([]byte, error)
	cfg    BusConfig

	mu    sync.Mutex
	queue []events.Event
	wake  chan struct{}

	// delivered is the newest id handed to the broker. Only the listener
	// goroutine changes it; a write reads it to skip remembering events
	// the listener has already read back.
	delivered atomic.Uint64
	// own holds the events this process wrote that its listener has not
	// delivered yet, by id, as they read back: a notification whose new
	// ids are all here is delivered from memory, without a read.
	ownMu sync.Mutex
	own   map[uint64]events.Event
	// writing is closed when the write in flight, if any, has returned
	// and remembered its events: a notification often arrives first.
	writing chan struct{}
	// downSince is when the listener connection was last lost (unix
	// nanoseconds), 0 while it is up.
	downSince atomic.Int64
}

// NewBus makes b's events travel through the database: encode renders an
// event's data as JSON (the API's shapes), once, for every process. It
// starts at the newest event stored, so this process's streams get every
// event from now on.
func (l *Layer) NewBus(ctx context.Context, b *events.Broker, encode func(any) ([]byte, error), cfg BusConfig) (*Bus, error) {
	if cfg.Retention <= 0 {
		cfg.Retention = DefaultRetention
	}
	if cfg.PurgeEvery <= 0 {
		cfg.PurgeEvery = time.Minute
	}
	if cfg.ListenerGrace <= 0 {
		cfg.ListenerGrace = DefaultListenerGrace
	}
	bus := &Bus{l: l, broker: b, encode: encode, cfg: cfg, wake: make(chan struct{}, 1), own: map[uint64]events.Event{}}
	var newest int64
	if err := l.Pool.QueryRow(ctx, "SELECT COALESCE(max(id), 0) FROM live_events").Scan(&newest); err != nil {
		return nil, fmt.Errorf("live bus: read newest event: %w", err)
	}
	bus.delivered.Store(uint64(newest))
	bus.downSince.Store(time.Now().UnixNano())
	b.UseTransport(bus)
	return bus, nil
}

// Send queues ev for writing; it never blocks.
func (b *Bus) Send(ev events.Event) {
	b.mu.Lock()
	b.queue = append(b.queue, ev)
	if over := len(b.queue) - MaxQueued; over > 0 {
		b.queue = append(b.queue[:0:0], b.queue[over:]...)
		metrics.EventsDropped.Add(float64(over))
	}
	b.mu.Unlock()
	select {
	case b.wake <- struct{}{}:
	default:
	}
}

// Since returns up to limit stored events after id, oldest first;
// events.ErrExpired when some were purged, or when id was never given out
// here (a stream from another database or before a reset).
func (b *Bus) Since(ctx context.Context, id uint64, limit int) ([]events.Event, error) {
	var purged, issued int64
	err := b.l.Pool.QueryRow(ctx, `SELECT COALESCE((SELECT value FROM live_marks WHERE name = $1), 0),
		(SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM live_event_ids)`, purgedMark).Scan(&purged, &issued)
	if err != nil {
		return nil, fmt.Errorf("replay events after %d: %w", id, err)
	}
	if int64(id) < purged || int64(id) > issued {
		return nil, events.ErrExpired
	}
	rows, err := b.l.Pool.Query(ctx, `SELECT id, type, conversation_id, at, data FROM live_events
		WHERE id > $1 ORDER BY id LIMIT $2`, int64(id), limit)
	if err != nil {
		return nil, fmt.Errorf("replay events after %d: %w", id, err)
	}
	return scanEvents(rows)
}

// Ready reports an error while the listener connection has been down for
// longer than the grace period: this process's streams are missing events.
func (b *Bus) Ready() error {
	since := b.downSince.Load()
	if since == 0 {
		return nil
	}
	if down := time.Since(time.Unix(0, since)); down > b.cfg.ListenerGrace {
		return fmt.Errorf("event listener disconnected for %s", down.Round(time.Second))
	}
	return nil
}

// Run writes, listens and purges until ctx is done, then writes what is
// still queued.
func (b *Bus) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	wg.Add(3)
	go func() { defer wg.Done(); b.runWriter(ctx) }()
	go func() { defer wg.Done(); b.runListener(ctx) }()
	go func() { defer wg.Done(); b.runPurger(ctx) }()
	wg.Wait()
	return nil
}

// gatherWindow is how long the writer waits after the first event of a
// write for others to join it: at one update in flight that halves the
// writes, for 2 ms more on an event's way to the consoles.
const gatherWindow = 2 * time.Millisecond

func (b *Bus) runWriter(ctx context.Context) {
	failures := 0
	for {
		select {
		case <-ctx.Done():
			// Events of the last moments still reach the other processes.
			flushCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if batch := b.take(); len(batch) > 0 {
				if err := b.write(flushCtx, batch); err != nil {
					b.l.log.Warn("live bus: events lost at shutdown", "count", len(batch), "err", err)
				}
			}
			return
		case <-b.wake:
			// What a commit publishes (its messages, the conversation,
			// moments later the delivery) goes in one write.
			sleepCtx(ctx, gatherWindow)
		}
		batch := b.take()
		if len(batch) == 0 {
			continue
		}
		if err := b.write(ctx, batch); err != nil {
			if ctx.Err() != nil {
				b.requeue(batch)
				continue
			}
			failures++
			b.l.log.Warn("live bus: write events; retrying", "count", len(batch), "failures", failures, "err", err)
			b.requeue(batch)
			sleepCtx(ctx, reconnectWait(failures))
			continue
		}
		failures = 0
	}
}

// take empties the queue.
func (b *Bus) take() []events.Event {
	b.mu.Lock()
	defer b.mu.Unlock()
	batch := b.queue
	b.queue = nil
	return batch
}

// requeue puts a batch that could not be written back in front.
func (b *Bus) requeue(batch []events.Event) {
	b.mu.Lock()
	b.queue = append(batch, b.queue...)
	b.mu.Unlock()
	select {
	case b.wake <- struct{}{}:
	default:
	}
}

// write stores a batch with one statement (live_publish_numbered,
// schema.go). Its advisory lock makes ids commit in the order they are
// taken, across processes, so a listener that has read up to id N never
// later finds an event below N. The batch's events are remembered as
// they will read back, under the consecutive ids the statement gave them.
func (b *Bus) write(ctx context.Context, batch []events.Event) error {
	types := make([]string, len(batch))
	convs := make([]int64, len(batch))
	ats := make([]time.Time, len(batch))
	datas := make([]string, len(batch))
	for i, ev := range batch {
		// The database keeps microseconds; pgx drops the rest.
		types[i], convs[i], ats[i] = ev.Type, int64(ev.ConversationID), ev.At.UTC().Truncate(time.Microsecond)
		if ev.Data != nil {
			raw, err := b.encode(ev.Data)
			if err != nil {
				b.l.log.Error("live bus: encode event", "type", ev.Type, "err", err)
				continue
			}
			datas[i] = string(raw)
		}
	}
	done := make(chan struct{})
	b.ownMu.Lock()
	b.writing = done
	b.ownMu.Unlock()
	defer close(done)
	var newest int64
	err := b.l.Pool.QueryRow(ctx, "SELECT live_publish_numbered($1, $2, $3, $4, $5, $6)", b.l.LockKey("events"),
		b.l.Channel("events"), types, convs, ats, datas).Scan(&newest)
	if err != nil {
		return fmt.Errorf("publish %d events: %w", len(batch), err)
	}
	b.ownMu.Lock()
	defer b.ownMu.Unlock()
	if len(b.own)+len(batch) > MaxQueued {
		return nil // the listener is behind: it reads them back
	}
	first := uint64(newest) - uint64(len(batch)) + 1
	for i := range batch {
		if first+uint64(i) <= b.delivered.Load() {
			// Read back and delivered already: this write's answer came
			// later than ownWait.
			continue
		}
		ev := events.Event{ID: first + uint64(i), Type: types[i], ConversationID: uint64(convs[i]), At: ats[i]}
		if datas[i] != "" {
			ev.Data = json.RawMessage(datas[i])
		}
		b.own[ev.ID] = ev
	}
	return nil
}

// ownWait bounds how long the listener waits for this process's write in
// flight before it reads a notification's events back instead.
const ownWait = 20 * time.Millisecond

// takeOwn returns the events after the last delivered up to newest when
// this process wrote them all, forgetting them; nil when any is not its
// own (or not remembered yet), and the listener reads them. A write still
// in flight (its notification came before its answer) is waited for.
func (b *Bus) takeOwn(ctx context.Context, newest uint64) []events.Event {
	b.ownMu.Lock()
	writing := b.writing
	b.ownMu.Unlock()
	if writing != nil {
		t := time.NewTimer(ownWait)
		select {
		case <-writing:
		case <-t.C:
		case <-ctx.Done():
		}
		t.Stop()
	}
	b.ownMu.Lock()
	defer b.ownMu.Unlock()
	delivered := b.delivered.Load()
	if newest <= delivered || newest-delivered > uint64(len(b.own)) {
		return nil
	}
	for id := delivered + 1; id <= newest; id++ {
		if _, ok := b.own[id]; !ok {
			return nil
		}
	}
	evs := make([]events.Event, 0, newest-delivered)
	for id := delivered + 1; id <= newest; id++ {
		evs = append(evs, b.own[id])
		delete(b.own, id)
	}
	return evs
}

// forgetOwn drops the remembered events the listener has delivered.
func (b *Bus) forgetOwn() {
	b.ownMu.Lock()
	defer b.ownMu.Unlock()
	delivered := b.delivered.Load()
	for id := range b.own {
		if id <= delivered {
			delete(b.own, id)
		}
	}
}

// runListener keeps a LISTEN connection, reconnecting with back-off, and
// delivers new events on every notification; after each (re)connect it
// first delivers whatever was stored while it was away.
func (b *Bus) runListener(ctx context.Context) {
	failures := 0
	for ctx.Err() == nil {
		err := b.listen(ctx, func() { failures = 0 })
		if ctx.Err() != nil {
			return
		}
		if b.downSince.Load() == 0 {
			b.downSince.Store(time.Now().UnixNano())
		}
		failures++
		b.l.log.Warn("live bus: listener disconnected; reconnecting", "failures", failures, "err", err)
		sleepCtx(ctx, reconnectWait(failures))
	}
}

// listen runs one listener connection until it fails or ctx ends.
func (b *Bus) listen(ctx context.Context, connected func()) error {
	conn, err := pgx.Connect(ctx, b.l.listenURL)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer func() {
		closeCtx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = conn.Close(closeCtx)
	}()
	channel := b.l.Channel("events")
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{channel}.Sanitize()); err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	if err := b.catchUp(ctx, conn); err != nil {
		return err
	}
	b.downSince.Store(0)
	connected()
	for {
		waitCtx, cancel := context.WithTimeout(ctx, listenPing)
		n, err := conn.WaitForNotification(waitCtx)
		cancel()
		switch {
		case ctx.Err() != nil:
			return nil
		case errors.Is(err, context.DeadlineExceeded):
			pingCtx, cancel := context.WithTimeout(ctx, 3*time.Second)
			err = conn.Ping(pingCtx)
			cancel()
			if err != nil {
				return fmt.Errorf("ping: %w", err)
			}
			continue
		case err != nil:
			return fmt.Errorf("wait for notification: %w", err)
		}
		newest, perr := strconv.ParseUint(n.Payload, 10, 64)
		if perr == nil && newest <= b.delivered.Load() {
			continue // already read with an earlier notification
		}
		if perr == nil {
			if evs := b.takeOwn(ctx, newest); evs != nil {
				b.broker.Deliver(evs...)
				b.delivered.Store(newest)
				continue
			}
		}
		if err := b.catchUp(ctx, conn); err != nil {
			return err
		}
	}
}

// catchUp delivers every stored event after the last one delivered.
func (b *Bus) catchUp(ctx context.Context, conn *pgx.Conn) error {
	for {
		rows, err := conn.Query(ctx, `SELECT id, type, conversation_id, at, data FROM live_events
			WHERE id > $1 ORDER BY id LIMIT $2`, int64(b.delivered.Load()), fetchPage)
		if err != nil {
			return fmt.Errorf("read events after %d: %w", b.delivered.Load(), err)
		}
		evs, err := scanEvents(rows)
		if err != nil {
			return err
		}
		if len(evs) == 0 {
			return nil
		}
		b.broker.Deliver(evs...)
		b.delivered.Store(evs[len(evs)-1].ID)
		b.forgetOwn()
		if len(evs) < fetchPage {
			return nil
		}
	}
}

// runPurger deletes events older than the retention and remembers the
// highest id deleted, so Since can tell a stream what it can no longer
// replay. Any process may do it; they do the same thing.
func (b *Bus) runPurger(ctx context.Context) {
	t := time.NewTicker(b.cfg.PurgeEvery)
	defer t.Stop()
	for {
		if err := b.Purge(ctx, time.Now().Add(-b.cfg.Retention)); err != nil && ctx.Err() == nil {
			b.l.log.Warn("live bus: purge old events", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Purge deletes events stamped before cutoff.
func (b *Bus) Purge(ctx context.Context, cutoff time.Time) error {
	_, err := b.l.Pool.Exec(ctx, `WITH d AS (DELETE FROM live_events WHERE at < $1 RETURNING id)
		INSERT INTO live_marks (name, value) SELECT $2, max(id) FROM d HAVING max(id) IS NOT NULL
		ON CONFLICT (name) DO UPDATE SET value = GREATEST(live_marks.value, EXCLUDED.value)`, cutoff.UTC(), purgedMark)
	if err != nil {
		return fmt.Errorf("purge events before %s: %w", cutoff.UTC().Format(time.RFC3339), err)
	}
	return nil
}

func scanEvents(rows pgx.Rows) ([]events.Event, error) {
	defer rows.Close()
	var out []events.Event
	for rows.Next() {
		var (
			id, conv int64
			ev       events.Event
			data     string
		)
		if err := rows.Scan(&id, &ev.Type, &conv, &ev.At, &data); err != nil {
			return nil, fmt.Errorf("read event: %w", err)
		}
		ev.ID, ev.ConversationID, ev.At = uint64(id), uint64(conv), ev.At.UTC()
		if data != "" {
			ev.Data = json.RawMessage(data)
		}
		out = append(out, ev)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read events: %w", err)
	}
	return out, nil
}

// reconnectWait waits 100 ms, doubling per failure up to 5 s.
func reconnectWait(failures int) time.Duration {
	d := 100 * time.Millisecond << min(failures-1, 6)
	return min(d, 5*time.Second)
}

func sleepCtx(ctx context.Context, d time.Duration) { _ = outbox.SleepUntil(ctx, time.Now().Add(d)) }
