package live

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
)

// The timings of an election. A winner waits LeaderGrace before it acts:
// a predecessor whose connection died under a live process (a terminated
// backend, a database restart) notices within LeaderPingInterval +
// LeaderPingTimeout and stops, so two leaders never act at once. A
// process that dies outright loses its connection with it; a follower's
// next try wins, so the takeover takes at most LeaderTryInterval +
// LeaderGrace.
const (
	// LeaderTryInterval is how often a process that does not lead tries
	// to take the lock.
	LeaderTryInterval = 2 * time.Second
	// LeaderPingInterval is how often the leader checks that its
	// connection, and so its lock, is still there.
	LeaderPingInterval = time.Second
	// LeaderPingTimeout is how long that check may take before the
	// leader gives up.
	LeaderPingTimeout = time.Second
	// LeaderGrace is how long a new leader waits before it acts.
	LeaderGrace = LeaderPingInterval + LeaderPingTimeout + time.Second
	// leaderStatementTimeout bounds trying and releasing the lock.
	leaderStatementTimeout = 5 * time.Second
)

// Lead runs fn in this process only while it leads the election called
// name among every process on the database, until ctx ends. Leading is
// holding a session-level advisory lock (LockKey(name)) on a connection
// of its own; fn's context is cancelled as soon as that connection fails
// its ping, and fn must then return promptly. When fn returns on its own
// the lock is released and tried again later. On ctx's end the lock is
// released after fn returns, so a follower takes over at its next try.
//
// The connection is made to the listen URL: a session lock, like LISTEN,
// does not survive a pooler in transaction mode.
func (l *Layer) Lead(ctx context.Context, name string, fn func(ctx context.Context)) {
	e := &elector{l: l, name: name, key: l.LockKey(name), log: l.log.With("election", name, "process", l.Process)}
	defer e.disconnect()
	failures := 0
	for ctx.Err() == nil {
		won, err := e.try(ctx)
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			failures++
			e.log.Warn("leader election: try the lock", "err", err, "failures", failures)
			e.disconnect()
			sleepCtx(ctx, reconnectWait(failures))
		case won:
			failures = 0
			e.serve(ctx, fn)
			sleepCtx(ctx, LeaderTryInterval) // give the others their turn
		default:
			failures = 0
			sleepCtx(ctx, LeaderTryInterval)
		}
	}
}

// elector is one process's part in one election.
type elector struct {
	l    *Layer
	name string
	key  int64
	log  *slog.Logger
	// conn holds the lock while leading; kept between tries; nil when
	// not connected.
	conn *pgx.Conn
}

// try connects if need be and tries to take the lock.
func (e *elector) try(ctx context.Context) (bool, error) {
	if e.conn == nil || e.conn.IsClosed() {
		if err := e.connect(ctx); err != nil {
			return false, err
		}
	}
	tryCtx, cancel := context.WithTimeout(ctx, leaderStatementTimeout)
	defer cancel()
	var won bool
	if err := e.conn.QueryRow(tryCtx, "SELECT pg_try_advisory_lock($1)", e.key).Scan(&won); err != nil {
		return false, fmt.Errorf("try advisory lock %q: %w", e.name, err)
	}
	return won, nil
}

// connect opens the election's own connection, named after the process
// (pg_stat_activity shows who leads), with TCP keepalives short enough
// that PostgreSQL drops a lock whose holder's network went away within
// seconds rather than hours.
func (e *elector) connect(ctx context.Context) error {
	cfg, err := pgx.ParseConfig(e.l.listenURL)
	if err != nil {
		return fmt.Errorf("leader election: parse database URL: %w", err)
	}
	cfg.RuntimeParams["application_name"] = e.l.Process
	cfg.RuntimeParams["tcp_keepalives_idle"] = "5"
	cfg.RuntimeParams["tcp_keepalives_interval"] = "2"
	cfg.RuntimeParams["tcp_keepalives_count"] = "3"
	connectCtx, cancel := context.WithTimeout(ctx, leaderStatementTimeout)
	defer cancel()
	conn, err := pgx.ConnectConfig(connectCtx, cfg)
	if err != nil {
		return fmt.Errorf("leader election: connect: %w", err)
	}
	e.conn = conn
	return nil
}

// disconnect closes the connection, which also drops the lock if held.
func (e *elector) disconnect() {
	if e.conn == nil {
		return
	}
	closeCtx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_ = e.conn.Close(closeCtx)
	e.conn = nil
}

// serve is one term: it holds the lock, pinging the connection, runs fn
// once the grace period is over, and returns when fn has returned and the
// lock is released (or lost with its connection).
func (e *elector) serve(ctx context.Context, fn func(context.Context)) {
	e.log.Info("leader elected", "starts_in", LeaderGrace)
	termCtx, endTerm := context.WithCancel(ctx)
	defer endTerm()
	var done chan struct{} // closed when fn returns; nil until it starts
	stop := func() {
		endTerm()
		if done != nil {
			<-done
		}
	}
	grace := time.NewTimer(LeaderGrace)
	defer grace.Stop()
	ping := time.NewTicker(LeaderPingInterval)
	defer ping.Stop()
	for {
		select {
		case <-grace.C:
			done = make(chan struct{})
			go func() {
				defer close(done)
				fn(termCtx)
			}()
		case <-ping.C:
			pingCtx, cancel := context.WithTimeout(ctx, LeaderPingTimeout)
			err := e.conn.Ping(pingCtx)
			cancel()
			if err != nil && ctx.Err() == nil {
				// The lock may be someone else's already: stop first.
				stop()
				e.log.Warn("leadership lost with the connection", "err", err)
				e.disconnect()
				return
			}
		case <-done:
			e.log.Info("leader's work ended; giving up leadership")
			e.release(ctx)
			return
		case <-ctx.Done():
			stop()
			e.release(ctx)
			e.log.Info("leadership given up")
			return
		}
	}
}

// release gives the lock up at once, even after ctx's end; when that
// fails it closes the connection, which gives it up too.
func (e *elector) release(ctx context.Context) {
	unlockCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), leaderStatementTimeout)
	defer cancel()
	if _, err := e.conn.Exec(unlockCtx, "SELECT pg_advisory_unlock($1)", e.key); err != nil {
		e.log.Warn("leader election: release the lock; closing its connection instead", "err", err)
		e.disconnect()
	}
}
