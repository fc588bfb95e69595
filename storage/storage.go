// Package storage keeps switchboard's state — customers, conversations,
// messages, the outbox and operators — in SQLite or PostgreSQL through GORM.
// It knows nothing of channels: payloads it stores for delivery are opaque.
package storage

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/glebarez/sqlite"
	"github.com/jackc/pgx/v5/stdlib"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
	"gorm.io/gorm/logger"
)

// ErrNotFound is returned when the requested record does not exist.
var ErrNotFound = errors.New("not found")

// Dialect names the database engine behind a Storage.
type Dialect string

// Supported dialects.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// Storage is the single entry point to the database. A Storage returned by
// Tx's callback runs every call inside that transaction.
type Storage struct {
	db      *gorm.DB
	dialect Dialect
	inTx    bool
	// wb holds back a Batch's writes (batch.go); nil outside one.
	wb *writeBehind
	// pipe is a PostgreSQL Batch's connection (batch_pipe.go); nil
	// outside one.
	pipe *pipedConn
}

// DSN is a parsed SWITCHBOARD_DATABASE_URL.
type DSN struct {
	Dialect Dialect
	// Source is what the driver takes: a file path with pragmas for SQLite,
	// the URL itself for PostgreSQL.
	Source string
}

// ParseDatabaseURL understands postgres://, postgresql://, sqlite://PATH and
// a bare file path.
func ParseDatabaseURL(raw string) (DSN, error) {
	switch {
	case raw == "":
		return DSN{}, errors.New("empty database URL")
	case strings.HasPrefix(raw, "postgres://"), strings.HasPrefix(raw, "postgresql://"):
		if _, err := url.Parse(raw); err != nil {
			return DSN{}, fmt.Errorf("malformed PostgreSQL URL: %w", err)
		}
		return DSN{Dialect: Postgres, Source: raw}, nil
	case strings.HasPrefix(raw, "sqlite://"):
		path := strings.TrimPrefix(raw, "sqlite://")
		if path == "" {
			return DSN{}, errors.New("sqlite:// needs a file path, e.g. sqlite://switchboard.db")
		}
		return DSN{Dialect: SQLite, Source: path}, nil
	case strings.Contains(raw, "://"):
		return DSN{}, fmt.Errorf("unsupported scheme in %q: use postgres:// or sqlite://", raw)
	default:
		return DSN{Dialect: SQLite, Source: raw}, nil
	}
}

// DefaultMaxConns is how many PostgreSQL connections Open allows.
const DefaultMaxConns = 32

// Open connects to the database named by rawURL and checks that it answers.
// It does not migrate; call Migrate.
func Open(ctx context.Context, rawURL string) (*Storage, error) {
	return OpenMax(ctx, rawURL, DefaultMaxConns)
}

// OpenMax is Open with at most maxConns PostgreSQL connections (SQLite
// always has one); DefaultMaxConns when maxConns is not positive.
func OpenMax(ctx context.Context, rawURL string, maxConns int) (*Storage, error) {
	if maxConns <= 0 {
		maxConns = DefaultMaxConns
	}
	dsn, err := ParseDatabaseURL(rawURL)
	if err != nil {
		return nil, err
	}
	cfg := &gorm.Config{
		Logger:                 logger.Discard,
		SkipDefaultTransaction: true,
		// No PrepareStmt: GORM's cache ties a statement to the transaction
		// it was prepared in, so every transaction prepared (and planned)
		// it again — more server time than executing. pgx's own statement
		// cache per connection does the job.
		NowFunc: func() time.Time { return time.Now().UTC() },
	}
	var db *gorm.DB
	switch dsn.Dialect {
	case SQLite:
		src := dsn.Source
		sep := "?"
		if strings.Contains(src, "?") {
			sep = "&"
		}
		// WAL with synchronous=FULL keeps every commit durable; a busy
		// timeout lets the single writer queue instead of failing.
		src += sep + "_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_txlock=immediate"
		db, err = gorm.Open(sqlite.Open(src), cfg)
	case Postgres:
		db, err = gorm.Open(postgres.New(postgres.Config{DSN: dsn.Source,
			OptionOpenDB: []stdlib.OptionOpenDB{stdlib.OptionResetSession(replanStale)}}), cfg)
	}
	if err != nil {
		return nil, fmt.Errorf("open %s database: %w", dsn.Dialect, err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, fmt.Errorf("open %s database: %w", dsn.Dialect, err)
	}
	if dsn.Dialect == SQLite {
		// SQLite has one writer; one connection avoids SQLITE_BUSY storms.
		sqlDB.SetMaxOpenConns(1)
	} else {
		sqlDB.SetMaxOpenConns(maxConns)
		sqlDB.SetMaxIdleConns(maxConns)
	}
	s := &Storage{db: db, dialect: dsn.Dialect}
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := s.Ping(pingCtx); err != nil {
		_ = sqlDB.Close()
		return nil, fmt.Errorf("connect to %s database: %w", dsn.Dialect, err)
	}
	return s, nil
}

// Dialect tells which engine this Storage runs on.
func (s *Storage) Dialect() Dialect { return s.dialect }

// Ping checks that the database answers.
func (s *Storage) Ping(ctx context.Context) error {
	sqlDB, err := s.db.DB()
	if err != nil {
		return err
	}
	return sqlDB.PingContext(ctx)
}

// Close releases the connection pool.
func (s *Storage) Close() error {
	sqlDB, err := s.db.DB()
	if err != nil {
		return err
	}
	return sqlDB.Close()
}

// Tx runs fn in one transaction: everything fn writes lands together or not
// at all. Nested calls reuse the outer transaction.
func (s *Storage) Tx(ctx context.Context, fn func(tx *Storage) error) error {
	if s.inTx {
		return fn(s)
	}
	return s.db.WithContext(ctx).Transaction(func(gtx *gorm.DB) error {
		return fn(&Storage{db: gtx, dialect: s.dialect, inTx: true})
	})
}

func (s *Storage) q(ctx context.Context) *gorm.DB { return s.db.WithContext(ctx) }

// forUpdate adds a row lock on PostgreSQL; SQLite's single writer needs none.
func (s *Storage) forUpdate(db *gorm.DB) *gorm.DB {
	if s.dialect == Postgres && s.inTx {
		return db.Clauses(clause.Locking{Strength: clause.LockingStrengthUpdate})
	}
	return db
}

func notFound(err error) error {
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return ErrNotFound
	}
	return err
}

func skipLocked() clause.Locking {
	return clause.Locking{Strength: clause.LockingStrengthUpdate, Options: clause.LockingOptionsSkipLocked}
}

// Exists runs "SELECT EXISTS (query)": for a layer beside storage (the live
// layer's presence) that must ask inside a storage transaction.
func (s *Storage) Exists(ctx context.Context, query string, args ...any) (bool, error) {
	var found bool
	if err := s.q(ctx).Raw("SELECT EXISTS ("+query+")", args...).Scan(&found).Error; err != nil {
		return false, fmt.Errorf("exists %q: %w", truncate(query, 60), err)
	}
	return found, nil
}

// Select runs a raw query and scans its rows into dest (a pointer to a
// slice of structs): for a domain package that keeps its own SQL beside
// storage (search), inside a storage transaction or not.
func (s *Storage) Select(ctx context.Context, dest any, query string, args ...any) error {
	if err := s.q(ctx).Raw(query, args...).Scan(dest).Error; err != nil {
		return fmt.Errorf("select %q: %w", truncate(query, 60), err)
	}
	return nil
}

// Exec runs a raw statement; for administration and tests, not the hot path.
func (s *Storage) Exec(ctx context.Context, sql string, args ...any) error {
	if err := s.q(ctx).Exec(sql, args...).Error; err != nil {
		return fmt.Errorf("exec %q: %w", truncate(sql, 60), err)
	}
	return nil
}
