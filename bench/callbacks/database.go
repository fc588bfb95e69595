package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	mrand "math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/glebarez/sqlite"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/switchboardhq/switchboard/callback/policy"
	"github.com/switchboardhq/switchboard/storage"
)

// benchDB is the database one run works on. admin is the benchmark's own
// handle, apart from the dialers' pools: it seeds, makes callbacks due and
// checks the outcome; switchboard's code never uses it.
type benchDB struct {
	url     string // what storage.Open takes
	dialect storage.Dialect
	name    string // the PostgreSQL database, for pg_stat_database
	admin   *gorm.DB
	drop    func()
}

// prepareDatabase makes a new, empty database for the run: on PostgreSQL a
// database of its own (bench_callbacks_…, dropped by drop unless keep), so
// nothing else's tables or statistics mix in; for "sqlite", a file in a
// new temporary directory.
func prepareDatabase(ctx context.Context, raw string, keep bool) (*benchDB, error) {
	gcfg := &gorm.Config{Logger: logger.Discard, SkipDefaultTransaction: true}
	if raw == "sqlite" || raw == "sqlite://" {
		dir, err := os.MkdirTemp("", "bench-callbacks-")
		if err != nil {
			return nil, fmt.Errorf("temporary directory for SQLite: %w", err)
		}
		path := filepath.Join(dir, "switchboard.db")
		db := &benchDB{url: "sqlite://" + path, dialect: storage.SQLite, drop: func() {
			if keep {
				fmt.Fprintf(os.Stderr, "callbacks: kept %s\n", dir)
			} else {
				_ = os.RemoveAll(dir)
			}
		}}
		return db, nil
	}
	if !strings.HasPrefix(raw, "postgres://") && !strings.HasPrefix(raw, "postgresql://") {
		return nil, fmt.Errorf("-db %q: want a postgres:// URL or sqlite", raw)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("-db: %w", err)
	}
	server, err := gorm.Open(postgres.Open(raw), gcfg)
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", u.Redacted(), err)
	}
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	name := "bench_callbacks_" + hex.EncodeToString(b)
	if err := server.WithContext(ctx).Exec("CREATE DATABASE " + name).Error; err != nil {
		closeGorm(server)
		return nil, fmt.Errorf("create database %s: %w", name, err)
	}
	u.Path = "/" + name
	db := &benchDB{url: u.String(), dialect: storage.Postgres, name: name, drop: func() {
		if keep {
			fmt.Fprintf(os.Stderr, "callbacks: kept database %s\n", name)
		} else if err := server.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)").Error; err != nil {
			fmt.Fprintf(os.Stderr, "callbacks: drop database %s: %v\n", name, err)
		}
		closeGorm(server)
	}}
	return db, nil
}

// openAdmin opens the benchmark's own handle, once the schema exists.
func (db *benchDB) openAdmin() error {
	gcfg := &gorm.Config{Logger: logger.Discard, SkipDefaultTransaction: true}
	var err error
	if db.dialect == storage.SQLite {
		path := strings.TrimPrefix(db.url, "sqlite://")
		db.admin, err = gorm.Open(sqlite.Open(path+"?_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_txlock=immediate"), gcfg)
	} else {
		db.admin, err = gorm.Open(postgres.Open(db.url), gcfg)
	}
	if err != nil {
		return fmt.Errorf("open the benchmark's own database handle: %w", err)
	}
	return nil
}

// close closes the admin handle and removes the database.
func (db *benchDB) close() {
	if db.admin != nil {
		closeGorm(db.admin)
	}
	db.drop()
}

func closeGorm(g *gorm.DB) {
	if sqlDB, err := g.DB(); err == nil {
		_ = sqlDB.Close()
	}
}

// seedOperators adds n active operators, online, each with a phone, as
// FreeCallbackOperators wants them.
func seedOperators(ctx context.Context, store *storage.Storage, n int) error {
	for i := range n {
		op := storage.Operator{Email: fmt.Sprintf("op%d@bench.example", i), Name: fmt.Sprintf("Operator %d", i),
			PasswordHash: "x", Role: storage.RoleOperator, Active: true, Presence: storage.PresenceOnline,
			Phone: fmt.Sprintf("+4477009%05d", i)}
		if err := store.CreateOperator(ctx, &op); err != nil {
			return fmt.Errorf("create operator %d: %w", i, err)
		}
	}
	return nil
}

// seedCallbacks inserts one scheduled callback per due time, in that order,
// for one customer, in batches; booked for a time (not as soon as
// possible), three attempts each, as dialog books them by default.
func (db *benchDB) seedCallbacks(ctx context.Context, customerID uint64, due []time.Time) error {
	batch := 1000
	if db.dialect == storage.SQLite {
		batch = 500 // SQLite allows 32,766 parameters a statement
	}
	now := time.Now().UTC()
	for from := 0; from < len(due); from += batch {
		rows := make([]storage.Callback, 0, batch)
		for i := from; i < min(from+batch, len(due)); i++ {
			at := due[i].UTC()
			rows = append(rows, storage.Callback{CustomerID: customerID, Phone: fmt.Sprintf("+1415%07d", i%10_000_000),
				State: policy.Scheduled, RequestedAt: now, DueAt: at, NextAttemptAt: at, MaxAttempts: 3})
		}
		if err := db.admin.WithContext(ctx).Create(&rows).Error; err != nil {
			return fmt.Errorf("insert callbacks %d to %d: %w", from, from+len(rows), err)
		}
	}
	return nil
}

// seedCustomer adds the customer every callback belongs to.
func (db *benchDB) seedCustomer(ctx context.Context) (uint64, error) {
	c := storage.Customer{Name: "Bench Customer", Phone: "+14150000000"}
	if err := db.admin.WithContext(ctx).Create(&c).Error; err != nil {
		return 0, fmt.Errorf("create customer: %w", err)
	}
	return c.ID, nil
}

// analyze refreshes the planner's statistics after the bulk insert, as
// autovacuum would have long since on a running installation.
func (db *benchDB) analyze(ctx context.Context) error {
	if err := db.admin.WithContext(ctx).Exec("ANALYZE").Error; err != nil {
		return fmt.Errorf("analyze: %w", err)
	}
	return nil
}

// dueBetween returns the scheduled callbacks due in [from, to], with when
// each is due.
func (db *benchDB) dueBetween(ctx context.Context, from, to time.Time) (map[uint64]time.Time, error) {
	var rows []storage.Callback
	err := db.admin.WithContext(ctx).Model(&storage.Callback{}).Select("id, next_attempt_at").
		Where("state = ? AND next_attempt_at >= ? AND next_attempt_at <= ?", policy.Scheduled, from.UTC(), to.UTC()).
		Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("list callbacks due from %s to %s: %w", from.Format(time.RFC3339), to.Format(time.RFC3339), err)
	}
	out := make(map[uint64]time.Time, len(rows))
	for _, r := range rows {
		out[r.ID] = r.NextAttemptAt
	}
	return out, nil
}

// makeDue makes the n scheduled callbacks with the lowest ids among those
// due after after due at once, and returns their ids and when the change
// was committed (when dialers could first see them).
func (db *benchDB) makeDue(ctx context.Context, n int, after time.Time) ([]uint64, time.Time, error) {
	var ids []uint64
	err := db.admin.WithContext(ctx).Model(&storage.Callback{}).
		Where("state = ? AND next_attempt_at > ?", policy.Scheduled, after.UTC()).
		Order("id ASC").Limit(n).Pluck("id", &ids).Error
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("pick %d callbacks to make due: %w", n, err)
	}
	if len(ids) == 0 {
		return nil, time.Time{}, errors.New("make callbacks due: none scheduled after the window")
	}
	now := time.Now().UTC()
	res := db.admin.WithContext(ctx).Model(&storage.Callback{}).
		Where("id BETWEEN ? AND ? AND state = ? AND next_attempt_at > ?", ids[0], ids[len(ids)-1], policy.Scheduled, after.UTC()).
		Updates(map[string]any{"due_at": now, "next_attempt_at": now, "updated_at": now})
	if res.Error != nil {
		return nil, time.Time{}, fmt.Errorf("make %d callbacks due: %w", len(ids), res.Error)
	}
	if res.RowsAffected != int64(len(ids)) {
		return nil, time.Time{}, fmt.Errorf("make %d callbacks due: %d changed", len(ids), res.RowsAffected)
	}
	return ids, time.Now(), nil
}

// earliestDue is when the first scheduled callback is due (through
// idx_callback_due), for the wake experiment; ok is false with none.
func (db *benchDB) earliestDue(ctx context.Context) (at time.Time, ok bool, err error) {
	var cb storage.Callback
	err = db.admin.WithContext(ctx).Model(&storage.Callback{}).Select("next_attempt_at").
		Where("state = ?", policy.Scheduled).Order("next_attempt_at ASC").Limit(1).Take(&cb).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return time.Time{}, false, nil
	} else if err != nil {
		return time.Time{}, false, fmt.Errorf("earliest due callback: %w", err)
	}
	return cb.NextAttemptAt, true, nil
}

// outcome is what the database holds after a run.
type outcome struct {
	byState      map[string]int
	multiAttempt int // callbacks with more than one attempt counted
}

func (db *benchDB) outcome(ctx context.Context) (outcome, error) {
	var rows []struct {
		State string
		N     int
	}
	o := outcome{byState: map[string]int{}}
	q := db.admin.WithContext(ctx).Model(&storage.Callback{})
	if err := q.Select("state, count(*) AS n").Group("state").Scan(&rows).Error; err != nil {
		return o, fmt.Errorf("count callbacks by state: %w", err)
	}
	for _, r := range rows {
		o.byState[r.State] = r.N
	}
	var n int64
	if err := db.admin.WithContext(ctx).Model(&storage.Callback{}).Where("attempts > 1").Count(&n).Error; err != nil {
		return o, fmt.Errorf("count callbacks dialled more than once: %w", err)
	}
	o.multiAttempt = int(n)
	return o, nil
}

// transactions is how many transactions PostgreSQL has counted in the
// run's database (commits and rollbacks; statistics are flushed about once
// a second, so a phase's count is good to a second's worth); NaN on SQLite.
func (db *benchDB) transactions(ctx context.Context) float64 {
	if db.dialect != storage.Postgres {
		return math.NaN()
	}
	var n int64
	err := db.admin.WithContext(ctx).Raw("SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = ?", db.name).Scan(&n).Error
	if err != nil {
		return math.NaN()
	}
	return float64(n)
}

// callbackUpdates is how many row updates PostgreSQL has counted on the
// callbacks table (pg_stat_user_tables.n_tup_upd); NaN on SQLite.
func (db *benchDB) callbackUpdates(ctx context.Context) float64 {
	if db.dialect != storage.Postgres {
		return math.NaN()
	}
	var n int64
	err := db.admin.WithContext(ctx).Raw("SELECT n_tup_upd FROM pg_stat_user_tables WHERE relname = 'callbacks'").Scan(&n).Error
	if err != nil {
		return math.NaN()
	}
	return float64(n)
}

// explainClaim prints PostgreSQL's plan of the claim query as storage's
// ClaimDueCallbacks sends it (without its row locks, and with its order
// copied from storage's claimOrder as of this tree).
func (db *benchDB) explainClaim(ctx context.Context, limit int) (string, error) {
	const order = "dial_now DESC, CASE WHEN dial_now THEN next_attempt_at END ASC, " +
		"asap DESC, CASE WHEN asap THEN requested_at ELSE due_at END ASC, id ASC"
	var lines []string
	now := time.Now().UTC()
	err := db.admin.WithContext(ctx).Raw("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT * FROM callbacks "+
		"WHERE state = ? AND next_attempt_at <= ? AND (locked_until IS NULL OR locked_until < ?) ORDER BY "+order+" LIMIT ?",
		policy.Scheduled, now, now, limit).Pluck("QUERY PLAN", &lines).Error
	if err != nil {
		return "", fmt.Errorf("explain the claim query: %w", err)
	}
	return strings.Join(lines, "\n"), nil
}

// uniformDue returns n due times drawn uniformly from [start, start+window),
// sorted: the scheduled phase's callbacks, arriving as bookings do, with
// bursts and gaps rather than evenly.
func uniformDue(rng *mrand.Rand, start time.Time, window time.Duration, n int) []time.Time {
	out := make([]time.Time, n)
	for i := range out {
		out[i] = start.Add(time.Duration(rng.Int64N(int64(window))))
	}
	slices.SortFunc(out, time.Time.Compare)
	return out
}

// evenlyDue returns n due times spaced evenly over [start, start+span).
func evenlyDue(start time.Time, span time.Duration, n int) []time.Time {
	out := make([]time.Time, n)
	for i := range out {
		out[i] = start.Add(time.Duration(float64(span) * float64(i) / float64(n)))
	}
	return out
}
