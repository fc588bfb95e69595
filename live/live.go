package live

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"hash/fnv"
	"log/slog"
	"os"
	"sync"

	"github.com/jackc/pgx/v5/pgxpool"
)

// Config says where the live layer finds PostgreSQL.
type Config struct {
	// DatabaseURL is SWITCHBOARD_DATABASE_URL: the small pool for the
	// live tables.
	DatabaseURL string
	// ListenURL is the direct session connection LISTEN needs
	// (SWITCHBOARD_LISTEN_DATABASE_URL); DatabaseURL when empty.
	ListenURL string
	// Logger is slog.Default() when nil.
	Logger *slog.Logger
}

// Layer is one process's part of the live layer: its name among the
// processes sharing the database and the pool its parts query with.
type Layer struct {
	// Process names this process in the live tables: host, pid and a
	// random suffix, unique across restarts.
	Process string
	// Pool is a small pool of its own, apart from storage's, so the live
	// layer keeps working when the engine's pool is busy.
	Pool *pgxpool.Pool
	// schema is the PostgreSQL schema the tables live in. Channels and
	// advisory locks are database-wide, so their names carry it: two
	// deployments (or two tests) in one database never share them.
	schema    string
	listenURL string
	log       *slog.Logger

	// budgets are the send budgets made here, whose pending ends Close
	// writes.
	budgetsMu sync.Mutex
	budgets   []*SendBudget
}

// PoolSize is how many connections the live layer's pool holds.
const PoolSize = 4

// Open connects the live layer and creates its tables.
func Open(ctx context.Context, cfg Config) (*Layer, error) {
	pc, err := pgxpool.ParseConfig(cfg.DatabaseURL)
	if err != nil {
		return nil, fmt.Errorf("live layer: parse database URL: %w", err)
	}
	pc.MaxConns = PoolSize
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return nil, fmt.Errorf("live layer: connect: %w", err)
	}
	if err := Migrate(ctx, pool); err != nil {
		pool.Close()
		return nil, err
	}
	var schema string
	if err := pool.QueryRow(ctx, "SELECT current_schema()").Scan(&schema); err != nil {
		pool.Close()
		return nil, fmt.Errorf("live layer: read current schema: %w", err)
	}
	l := &Layer{Process: processName(), Pool: pool, schema: schema, listenURL: cfg.ListenURL, log: cfg.Logger}
	if l.listenURL == "" {
		l.listenURL = cfg.DatabaseURL
	}
	if l.log == nil {
		l.log = slog.Default()
	}
	return l, nil
}

// Close writes the send ends still waiting (endDelay) and releases the pool.
func (l *Layer) Close() {
	l.budgetsMu.Lock()
	budgets := l.budgets
	l.budgetsMu.Unlock()
	for _, b := range budgets {
		b.dropSlots()
		b.flushEnds()
	}
	l.Pool.Close()
}

// LockKey is the advisory lock key for name (such as "telegram-poller")
// in this deployment's schema.
func (l *Layer) LockKey(name string) int64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte(l.schema + "\x00" + name))
	return int64(h.Sum64())
}

// Channel is the NOTIFY channel for name in this deployment's schema, a
// valid identifier of at most 63 bytes.
func (l *Layer) Channel(name string) string {
	h := fnv.New32a()
	_, _ = h.Write([]byte(l.schema))
	return fmt.Sprintf("switchboard_%s_%08x", name, h.Sum32())
}

func processName() string {
	host, _ := os.Hostname()
	var b [4]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b[:]))
}
