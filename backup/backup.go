// Package backup copies switchboard's embedded SQLite database while the
// server runs, and puts such a copy back while no server uses the file.
// PostgreSQL has its own tools (pg_dump, pg_restore); this package only
// says so. A server holds a shared lock on "<database>.lock" for its whole
// life (Hold); a restore takes it exclusively, so the two never meet.
package backup

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/switchboardhq/switchboard/storage"
)

// Refusals: the operation did not start, and nothing was changed.
var (
	// ErrPostgreSQL: the database is PostgreSQL; use pg_dump / pg_restore.
	ErrPostgreSQL = errors.New("the database is PostgreSQL")
	// ErrExists: the backup's path exists already.
	ErrExists = errors.New("already exists")
	// ErrNoDatabase: there is no SQLite database file to back up.
	ErrNoDatabase = errors.New("no database file")
	// ErrInUse: a server (or a backup) uses the database a restore would
	// replace, or a restore is replacing the one a server would use.
	ErrInUse = errors.New("in use")
	// ErrNotBackup: the file to restore is not a whole switchboard SQLite
	// database.
	ErrNotBackup = errors.New("not a switchboard SQLite backup")
)

// PgDumpCommand and PgRestoreCommand are what to run instead on PostgreSQL.
const (
	PgDumpCommand    = `pg_dump --format=custom --file=switchboard.dump "$SWITCHBOARD_DATABASE_URL"`
	PgRestoreCommand = `pg_restore --clean --if-exists --no-owner --dbname="$SWITCHBOARD_DATABASE_URL" switchboard.dump`
)

// Refused tells whether err is one of the refusals above.
func Refused(err error) bool {
	for _, r := range []error{ErrPostgreSQL, ErrExists, ErrNoDatabase, ErrInUse, ErrNotBackup} {
		if errors.Is(err, r) {
			return true
		}
	}
	return false
}

// DatabaseFile is the SQLite file a SWITCHBOARD_DATABASE_URL names.
func DatabaseFile(rawURL string) (string, error) {
	dsn, err := storage.ParseDatabaseURL(rawURL)
	if err != nil {
		return "", err
	}
	if dsn.Dialect != storage.SQLite {
		return "", ErrPostgreSQL
	}
	path, _, _ := strings.Cut(strings.TrimPrefix(dsn.Source, "file:"), "?")
	if path == "" || path == ":memory:" {
		return "", fmt.Errorf("%q names no database file", rawURL)
	}
	return filepath.Abs(path)
}

// Hold takes the shared lock a server keeps while it uses the database, so
// that a restore is refused meanwhile; release it with the returned func.
// On PostgreSQL it does nothing.
func Hold(rawURL string) (release func(), err error) {
	file, err := DatabaseFile(rawURL)
	if errors.Is(err, ErrPostgreSQL) {
		return func() {}, nil
	}
	if err != nil {
		return nil, err
	}
	lock, err := lockShared(file)
	if errors.Is(err, errLocked) {
		return nil, fmt.Errorf("%s: %w: a restore is replacing it; start switchboard when it is done", file, ErrInUse)
	}
	if err != nil {
		return nil, err
	}
	return lock.release, nil
}

// Backup writes a consistent copy of the SQLite database rawURL names to
// dest, which must not exist, while servers go on reading and writing it.
// Every transaction committed before Backup is called is in the copy.
func Backup(ctx context.Context, rawURL, dest string) error {
	file, err := DatabaseFile(rawURL)
	if errors.Is(err, ErrPostgreSQL) {
		return fmt.Errorf("%w: back it up with %s (and restore with %s)", ErrPostgreSQL, PgDumpCommand, PgRestoreCommand)
	}
	if err != nil {
		return err
	}
	dest, err = filepath.Abs(dest)
	if err != nil {
		return err
	}
	if _, err := os.Lstat(dest); err == nil {
		return fmt.Errorf("backup to %s: %w; choose a new path (a backup never overwrites a file)", dest, ErrExists)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("backup to %s: %w", dest, err)
	}
	if _, err := os.Stat(file); errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("back up %s: %w there (check SWITCHBOARD_DATABASE_URL)", file, ErrNoDatabase)
	}
	lock, err := lockShared(file)
	if errors.Is(err, errLocked) {
		return fmt.Errorf("back up %s: %w: a restore is replacing it", file, ErrInUse)
	}
	if err != nil {
		return err
	}
	defer lock.release()
	store, err := storage.Open(ctx, rawURL)
	if err != nil {
		return fmt.Errorf("back up %s: %w", file, err)
	}
	defer store.Close()
	if err := store.VacuumInto(ctx, dest); err != nil {
		return fmt.Errorf("back up %s: %w", file, err)
	}
	return syncFile(dest)
}

func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("sync %s: %w", path, err)
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", path, err)
	}
	return nil
}
