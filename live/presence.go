package live

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/switchboardhq/switchboard/dialog"
	"github.com/switchboardhq/switchboard/events"
	"github.com/switchboardhq/switchboard/storage"
)

// Defaults of PresenceConfig.
const (
	// DefaultHeartbeat is how often a process renews the rows of the
	// operators streaming through it, and looks for expired ones.
	DefaultHeartbeat = 5 * time.Second
	// DefaultStreamTTL is how long a row outlives its last heartbeat: a
	// process killed without a word loses its operators' presence within
	// it plus one heartbeat.
	DefaultStreamTTL = 15 * time.Second
)

// PresenceConfig tunes Presence; zero fields take the defaults.
type PresenceConfig struct {
	Heartbeat time.Duration
	StreamTTL time.Duration
	// Grace is how long an operator whose last stream closed keeps their
	// presence (a page reload, a process restarting under them);
	// dialog.DefaultPresenceGrace when zero.
	Grace time.Duration
}

// Presence keeps operators' presence right across processes. An operator
// is online while any process holds an event stream of theirs: each
// process keeps a row per operator streaming through it in live_presence,
// renewed by a heartbeat; a stream's close leaves the row for the grace
// period, and a process that dies stops renewing its rows. Every process
// looks for operators who are present with no live row and sets them
// offline, which returns their unanswered conversations to the queue and
// tells every console (operator.changed).
type Presence struct {
	l      *Layer
	engine *dialog.Engine
	broker *events.Broker
	cfg    PresenceConfig

	// renewed is when the heartbeat last succeeded; only Run uses it.
	renewed time.Time

	mu      sync.Mutex
	pending map[uint64]bool
	wake    chan struct{}
	// elsewhere holds the operators streaming through other processes, as
	// of the last count.
	elsewhere atomic.Pointer[map[uint64]bool]
}

// NewPresence watches b's streams for e's operators. Nothing is written
// until Run.
func (l *Layer) NewPresence(e *dialog.Engine, b *events.Broker, cfg PresenceConfig) *Presence {
	if cfg.Heartbeat <= 0 {
		cfg.Heartbeat = DefaultHeartbeat
	}
	if cfg.StreamTTL <= 0 {
		cfg.StreamTTL = DefaultStreamTTL
	}
	if cfg.Grace <= 0 {
		cfg.Grace = dialog.DefaultPresenceGrace
	}
	p := &Presence{l: l, engine: e, broker: b, cfg: cfg, pending: map[uint64]bool{}, wake: make(chan struct{}, 1)}
	b.OnOperatorStreams(p.streamsChanged)
	return p
}

// OnlineOperators counts operators with an open stream on any process —
// this one's as they are now, the others' as of the last heartbeat or
// stream change here: what the wait estimate divides the queue among.
func (p *Presence) OnlineOperators() int {
	here := p.broker.StreamingOperators()
	n := len(here)
	if others := p.elsewhere.Load(); others != nil {
		for id := range *others {
			if _, ok := here[id]; !ok {
				n++
			}
		}
	}
	return n
}

// streamsChanged is the broker's hook; it must not block.
func (p *Presence) streamsChanged(operatorID uint64, _ bool) {
	p.mu.Lock()
	p.pending[operatorID] = true
	p.mu.Unlock()
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// Run keeps the rows and presences until ctx is done; then this
// process's rows keep only the grace period, so operators who reconnect
// to another process stay online.
func (p *Presence) Run(ctx context.Context) error {
	t := time.NewTicker(p.cfg.Heartbeat)
	defer t.Stop()
	defer p.leave()
	p.tick(ctx, 0)
	for n := 1; ; n++ {
		select {
		case <-ctx.Done():
			return nil
		case <-p.wake:
			p.apply(ctx)
		case <-t.C:
			p.tick(ctx, n)
		}
	}
}

// apply writes the rows of operators whose streams here opened or closed,
// and brings those who connected online.
func (p *Presence) apply(ctx context.Context) {
	p.mu.Lock()
	work := p.pending
	p.pending = map[uint64]bool{}
	p.mu.Unlock()
	for id := range work {
		n := p.broker.OperatorStreams(id)
		if n == 0 {
			if _, err := p.l.Pool.Exec(ctx, `UPDATE live_presence SET streams = 0, expires_at = now() + $3::float8 * interval '1 second'
				WHERE process = $1 AND operator_id = $2`, p.l.Process, int64(id), p.cfg.Grace.Seconds()); err != nil {
				p.l.log.ErrorContext(ctx, "presence: stream closed", "operator_id", id, "err", err)
			}
			continue
		}
		if err := p.renew(ctx, map[uint64]int{id: n}); err != nil {
			p.l.log.ErrorContext(ctx, "presence: stream opened", "operator_id", id, "err", err)
			continue
		}
		if _, err := p.engine.ComeOnline(ctx, id); err != nil {
			p.l.log.ErrorContext(ctx, "presence: come online", "operator_id", id, "err", err)
		}
	}
	p.count(ctx)
}

// tick renews this process's rows, expires operators without any, and
// now and then runs automatic assignment in case a trigger was missed.
func (p *Presence) tick(ctx context.Context, n int) {
	streaming := p.broker.StreamingOperators()
	if err := p.renew(ctx, streaming); err != nil {
		p.l.log.WarnContext(ctx, "presence: heartbeat", "err", err)
	} else {
		// Heartbeats lost for longer than a row lives let other processes
		// set this process's operators offline: bring them back.
		if !p.renewed.IsZero() && time.Since(p.renewed) > p.cfg.StreamTTL {
			for id := range streaming {
				if _, err := p.engine.ComeOnline(ctx, id); err != nil {
					p.l.log.WarnContext(ctx, "presence: come online", "operator_id", id, "err", err)
				}
			}
		}
		p.renewed = time.Now()
	}
	if err := p.expire(ctx); err != nil {
		p.l.log.WarnContext(ctx, "presence: expire", "err", err)
	}
	p.count(ctx)
	if n%6 == 0 {
		if _, err := p.engine.AssignWaiting(ctx); err != nil {
			p.l.log.ErrorContext(ctx, "automatic assignment failed", "err", err)
		}
	}
}

// renew writes a fresh row for each operator streaming here.
func (p *Presence) renew(ctx context.Context, streaming map[uint64]int) error {
	if len(streaming) == 0 {
		return nil
	}
	ids := make([]int64, 0, len(streaming))
	counts := make([]int32, 0, len(streaming))
	for id, n := range streaming {
		ids, counts = append(ids, int64(id)), append(counts, int32(n))
	}
	_, err := p.l.Pool.Exec(ctx, `INSERT INTO live_presence (process, operator_id, streams, expires_at)
		SELECT $1, id, n, now() + $4::float8 * interval '1 second' FROM unnest($2::bigint[], $3::int[]) AS u(id, n)
		ON CONFLICT (process, operator_id) DO UPDATE SET streams = EXCLUDED.streams, expires_at = EXCLUDED.expires_at`,
		p.l.Process, ids, counts, p.cfg.StreamTTL.Seconds())
	if err != nil {
		return fmt.Errorf("renew presence of %d operators: %w", len(ids), err)
	}
	return nil
}

// expire sets offline every operator who is present, has had no live row
// anywhere, and whose presence was not set within a stream's time to live
// (one who went online through the API alone keeps it that long).
func (p *Presence) expire(ctx context.Context) error {
	if _, err := p.l.Pool.Exec(ctx, `DELETE FROM live_presence WHERE expires_at < now() - interval '1 minute'`); err != nil {
		return fmt.Errorf("delete old presence rows: %w", err)
	}
	rows, err := p.l.Pool.Query(ctx, `SELECT o.id FROM operators o
		WHERE o.presence <> $1 AND o.updated_at < now() - $2::float8 * interval '1 second'
		AND NOT EXISTS (SELECT 1 FROM live_presence lp WHERE lp.operator_id = o.id AND lp.expires_at > now())`,
		storage.PresenceOffline, p.cfg.StreamTTL.Seconds())
	if err != nil {
		return fmt.Errorf("find operators without a stream: %w", err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return fmt.Errorf("find operators without a stream: %w", err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("find operators without a stream: %w", err)
	}
	for _, id := range ids {
		if _, err := p.engine.ExpirePresence(ctx, uint64(id), streamingSomewhere); err != nil {
			return err
		}
	}
	return nil
}

// streamingSomewhere is the last word, inside the transaction that would
// set the operator offline: a live row of any process.
func streamingSomewhere(ctx context.Context, tx *storage.Storage, operatorID uint64) (bool, error) {
	return tx.Exists(ctx, "SELECT 1 FROM live_presence WHERE operator_id = ? AND expires_at > now()", operatorID)
}

// count refreshes which operators stream through other processes.
func (p *Presence) count(ctx context.Context) {
	rows, err := p.l.Pool.Query(ctx, `SELECT DISTINCT operator_id FROM live_presence
		WHERE process <> $1 AND streams > 0 AND expires_at > now()`, p.l.Process)
	if err != nil {
		p.l.log.WarnContext(ctx, "presence: count online operators", "err", err)
		return
	}
	defer rows.Close()
	others := map[uint64]bool{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			p.l.log.WarnContext(ctx, "presence: count online operators", "err", err)
			return
		}
		others[uint64(id)] = true
	}
	if rows.Err() == nil {
		p.elsewhere.Store(&others)
	}
}

// leave gives this process's rows the grace period at shutdown.
func (p *Presence) leave() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := p.l.Pool.Exec(ctx, `UPDATE live_presence SET streams = 0, expires_at = LEAST(expires_at, now() + $2::float8 * interval '1 second')
		WHERE process = $1`, p.l.Process, p.cfg.Grace.Seconds()); err != nil {
		p.l.log.Warn("presence: leave", "err", err)
	}
}
