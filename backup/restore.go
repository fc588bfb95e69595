package backup

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/switchboardhq/switchboard/storage"
)

// sqliteHeader opens every SQLite database file.
var sqliteHeader = []byte("SQLite format 3\x00")

// Restore replaces the SQLite database rawURL names with the backup at src.
// It is refused while a server or a backup uses the database. The backup is
// copied beside the database and checked (integrity, switchboard's schema)
// before it takes the database's name in one rename; the old database's
// -wal and -shm files go with it.
func Restore(ctx context.Context, rawURL, src string) error {
	file, err := DatabaseFile(rawURL)
	if errors.Is(err, ErrPostgreSQL) {
		return fmt.Errorf("%w: restore a pg_dump archive with %s", ErrPostgreSQL, PgRestoreCommand)
	}
	if err != nil {
		return err
	}
	src, err = filepath.Abs(src)
	if err != nil {
		return err
	}
	if src == file {
		return fmt.Errorf("restore %s: %w: it is the database itself", src, ErrNotBackup)
	}
	if err := checkHeader(src); err != nil {
		return err
	}
	lock, err := lockExclusive(file)
	if errors.Is(err, errLocked) {
		return fmt.Errorf("restore %s: %w: a switchboard server (or a backup) is using it; stop it, then restore", file, ErrInUse)
	}
	if err != nil {
		return err
	}
	defer lock.release()

	tmp, err := copyBeside(src, file)
	if err != nil {
		return err
	}
	defer removeDatabase(tmp) // a no-op once renamed
	if err := check(ctx, tmp); err != nil {
		return fmt.Errorf("restore %s: %w: %w", src, ErrNotBackup, err)
	}
	// The old database's WAL must not be replayed onto the new file.
	for _, suffix := range []string{"-wal", "-shm", "-journal"} {
		if err := os.Remove(file + suffix); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("restore: remove %s%s: %w", file, suffix, err)
		}
	}
	if err := os.Rename(tmp, file); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	return syncDir(filepath.Dir(file))
}

func checkHeader(src string) error {
	f, err := os.Open(src)
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	defer f.Close()
	head := make([]byte, len(sqliteHeader))
	if _, err := io.ReadFull(f, head); err != nil || !bytes.Equal(head, sqliteHeader) {
		return fmt.Errorf("restore %s: %w: not an SQLite database file", src, ErrNotBackup)
	}
	return nil
}

// copyBeside copies src to a new file in file's directory, so that the
// final rename stays on one file system, and returns its path.
func copyBeside(src, file string) (string, error) {
	in, err := os.Open(src)
	if err != nil {
		return "", fmt.Errorf("restore: %w", err)
	}
	defer in.Close()
	out, err := os.CreateTemp(filepath.Dir(file), filepath.Base(file)+".restore-*")
	if err != nil {
		return "", fmt.Errorf("restore: %w", err)
	}
	_, err = io.Copy(out, in)
	if err == nil {
		err = out.Sync()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		removeDatabase(out.Name())
		return "", fmt.Errorf("restore: copy %s to %s: %w", src, out.Name(), err)
	}
	return out.Name(), nil
}

// check opens the copy and asks SQLite whether it is whole and switchboard's.
func check(ctx context.Context, path string) error {
	store, err := storage.Open(ctx, "sqlite://"+path)
	if err != nil {
		return err
	}
	err = store.CheckSQLiteCopy(ctx)
	if cerr := store.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	// Only read: the WAL opening it left (normally removed on close) is empty.
	for _, suffix := range []string{"-wal", "-shm"} {
		_ = os.Remove(path + suffix)
	}
	return nil
}

func removeDatabase(path string) {
	for _, suffix := range []string{"", "-wal", "-shm", "-journal"} {
		_ = os.Remove(path + suffix)
	}
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}
