package storage

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"gorm.io/gorm"
)

// pipedConn is a PostgreSQL Batch's one connection. Its transaction begins
// in the same round trip as the batch's first statement, and commits in
// the same round trip as its write: a batch waits for the database twice
// (its prefetch, its write) where BEGIN and COMMIT each cost one more
// round trip. GORM's statements in between run on it as on a transaction.
type pipedConn struct {
	conn  *sql.Conn
	begun bool
}

// begin opens the transaction on its own, for a statement that is not
// the batch's prefetch.
func (p *pipedConn) begin(ctx context.Context) error {
	if p.begun {
		return nil
	}
	if _, err := p.conn.ExecContext(ctx, "BEGIN"); err != nil {
		return fmt.Errorf("begin the batch: %w", err)
	}
	p.begun = true
	return nil
}

// PrepareContext is GORM's ConnPool: in the transaction.
func (p *pipedConn) PrepareContext(ctx context.Context, query string) (*sql.Stmt, error) {
	if err := p.begin(ctx); err != nil {
		return nil, err
	}
	return p.conn.PrepareContext(ctx, query)
}

// ExecContext is GORM's ConnPool: in the transaction.
func (p *pipedConn) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if err := p.begin(ctx); err != nil {
		return nil, err
	}
	return p.conn.ExecContext(ctx, query, args...)
}

// QueryContext is GORM's ConnPool: in the transaction.
func (p *pipedConn) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if err := p.begin(ctx); err != nil {
		return nil, err
	}
	return p.conn.QueryContext(ctx, query, args...)
}

// QueryRowContext is GORM's ConnPool: in the transaction. A row cannot
// carry the error of a failed BEGIN, so the query then runs on a context
// already cancelled, and fails.
func (p *pipedConn) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if err := p.begin(ctx); err != nil {
		cancelled, cancel := context.WithCancel(ctx)
		cancel()
		return p.conn.QueryRowContext(cancelled, query, args...)
	}
	return p.conn.QueryRowContext(ctx, query, args...)
}

// withPgx runs fn on the connection's pgx connection.
func (p *pipedConn) withPgx(fn func(c *pgx.Conn) error) error {
	return p.conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("a pipelined batch needs pgx, not %T", dc)
		}
		return fn(c.Conn())
	})
}

// pipelined sends statements in one round trip on the connection and
// hands their results to read, which must read them in order.
func (p *pipedConn) pipelined(ctx context.Context, b *pgx.Batch, read func(pgx.BatchResults) error) error {
	return p.withPgx(func(c *pgx.Conn) error {
		br := c.SendBatch(ctx, b)
		err := read(br)
		if cerr := br.Close(); err == nil {
			err = cerr
		}
		return err
	})
}

// beginAndQueryRow begins the transaction and runs query (placeholders $n)
// in one round trip, scanning its one row into dest.
func (p *pipedConn) beginAndQueryRow(ctx context.Context, query string, args []any, dest ...any) error {
	if p.begun {
		return p.conn.QueryRowContext(ctx, query, args...).Scan(dest...)
	}
	b := &pgx.Batch{}
	b.Queue("BEGIN")
	b.Queue(query, args...)
	return p.pipelined(ctx, b, func(br pgx.BatchResults) error {
		if _, err := br.Exec(); err != nil {
			return fmt.Errorf("begin the batch: %w", err)
		}
		p.begun = true
		return br.QueryRow().Scan(dest...)
	})
}

// queryRowAndCommit runs prelude (a statement without arguments, such as
// one setting the transaction's planner settings), then query
// (placeholders $n), scanning its one row into dest, and commits, in one
// round trip. When a statement fails the server skips the rest and the
// transaction is left failed, for finish to roll back.
func (p *pipedConn) queryRowAndCommit(ctx context.Context, prelude, query string, args []any, dest ...any) error {
	if err := p.begin(ctx); err != nil {
		return err
	}
	b := &pgx.Batch{}
	b.Queue(prelude)
	b.Queue(query, args...)
	b.Queue("COMMIT")
	return p.pipelined(ctx, b, func(br pgx.BatchResults) error {
		if _, err := br.Exec(); err != nil {
			return err
		}
		if err := br.QueryRow().Scan(dest...); err != nil {
			return err
		}
		return commandCommitted(br.Exec())
	})
}

// commit commits the transaction on its own: a batch that wrote nothing.
func (p *pipedConn) commit(ctx context.Context) error {
	if !p.begun {
		return nil
	}
	return p.withPgx(func(c *pgx.Conn) error {
		return commandCommitted(c.Exec(ctx, "COMMIT"))
	})
}

// commandCommitted checks that COMMIT committed: PostgreSQL answers
// ROLLBACK, with no error, to the COMMIT of a failed transaction.
func commandCommitted(tag interface{ String() string }, err error) error {
	if err != nil {
		return fmt.Errorf("commit the batch: %w", err)
	}
	if tag.String() != "COMMIT" {
		return fmt.Errorf("commit the batch: the transaction had failed (%s)", tag.String())
	}
	return nil
}

// finish hands the connection back; for a batch that did not commit, it
// first rolls back whatever transaction is open, so the pool keeps the
// connection (pgx's database/sql driver drops one handed back inside a
// transaction), and drops it when even that fails.
func (p *pipedConn) finish(committed bool) {
	defer p.conn.Close()
	if committed {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), rollbackTimeout)
	defer cancel()
	err := p.withPgx(func(c *pgx.Conn) error {
		if c.PgConn().TxStatus() == 'I' {
			return nil
		}
		_, err := c.Exec(ctx, "ROLLBACK")
		return err
	})
	if err != nil {
		// Returning ErrBadConn from Raw makes database/sql drop it.
		_ = p.conn.Raw(func(any) error { return driver.ErrBadConn })
	}
}

// batchPiped is Batch on PostgreSQL, on one connection whose transaction
// begins with the prefetch and commits with the write.
func (s *Storage) batchPiped(ctx context.Context, fn func(tx *Storage) error) (err error) {
	sqlDB, err := s.db.DB()
	if err != nil {
		return fmt.Errorf("batch: %w", err)
	}
	conn, err := sqlDB.Conn(ctx)
	if err != nil {
		return fmt.Errorf("batch: take a connection: %w", err)
	}
	p := &pipedConn{conn: conn}
	committed := false
	defer func() {
		if r := recover(); r != nil {
			p.finish(false)
			panic(r)
		}
		p.finish(committed)
	}()
	gdb := s.db.Session(&gorm.Session{NewDB: true, Context: ctx})
	gdb.Statement.ConnPool = p
	tx := &Storage{db: gdb, dialect: s.dialect, inTx: true, pipe: p, wb: newWriteBehind()}
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.flush(ctx, true); err != nil {
		return err
	}
	committed = true
	return nil
}
