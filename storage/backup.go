package storage

import (
	"context"
	"errors"
	"fmt"
)

// ErrNotSQLite is returned by the SQLite-only file operations on PostgreSQL.
var ErrNotSQLite = errors.New("not an SQLite database")

// VacuumInto writes a consistent copy of the whole SQLite database to path
// (VACUUM INTO) while others read and write it. path must not exist.
func (s *Storage) VacuumInto(ctx context.Context, path string) error {
	if s.dialect != SQLite {
		return fmt.Errorf("vacuum into %s: %w", path, ErrNotSQLite)
	}
	if err := s.q(ctx).Exec("VACUUM INTO ?", path).Error; err != nil {
		return fmt.Errorf("vacuum into %s: %w", path, err)
	}
	return nil
}

// CheckSQLiteCopy tells whether this SQLite database is whole (PRAGMA
// integrity_check) and is switchboard's (it has schema_migrations): what a
// restore asks of a backup before it replaces the database with it.
func (s *Storage) CheckSQLiteCopy(ctx context.Context) error {
	if s.dialect != SQLite {
		return ErrNotSQLite
	}
	var problems []string
	if err := s.q(ctx).Raw("PRAGMA integrity_check").Scan(&problems).Error; err != nil {
		return fmt.Errorf("integrity check: %w", err)
	}
	if len(problems) != 1 || problems[0] != "ok" {
		return fmt.Errorf("integrity check failed: %v", problems)
	}
	found, err := s.Exists(ctx, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'")
	if err != nil {
		return err
	}
	if !found {
		return errors.New("no schema_migrations table: not a switchboard database")
	}
	return nil
}
