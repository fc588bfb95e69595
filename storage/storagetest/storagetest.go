// Package storagetest opens a real, empty, migrated database for a test:
// a fresh SQLite file, or — when SWITCHBOARD_TEST_DATABASE_URL names a
// PostgreSQL server — a fresh schema there, dropped when the test ends.
package storagetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/switchboardhq/switchboard/storage"
)

// EnvDatabaseURL names the variable that selects PostgreSQL for tests.
const EnvDatabaseURL = "SWITCHBOARD_TEST_DATABASE_URL"

// URL returns a database URL for one test: a new SQLite file in t's temp
// dir, or a new schema in the PostgreSQL database from EnvDatabaseURL. The
// schema is dropped at cleanup.
func URL(t testing.TB) string {
	t.Helper()
	base := os.Getenv(EnvDatabaseURL)
	if base == "" || !strings.HasPrefix(base, "postgres") {
		return "sqlite://" + filepath.Join(t.TempDir(), "switchboard.db")
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	admin, err := storage.Open(context.Background(), base)
	if err != nil {
		t.Fatalf("connect to %s: %v", EnvDatabaseURL, err)
	}
	if err := admin.Exec(context.Background(), "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create schema %s: %v", schema, err)
	}
	t.Cleanup(func() {
		_ = admin.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
		_ = admin.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("parse %s: %v", EnvDatabaseURL, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// Open returns a migrated Storage on a database of its own, closed at
// cleanup.
func Open(t testing.TB) *storage.Storage {
	t.Helper()
	return OpenURL(t, URL(t))
}

// OpenURL opens and migrates the database at rawURL, closed at cleanup.
func OpenURL(t testing.TB, rawURL string) *storage.Storage {
	t.Helper()
	s, err := storage.Open(context.Background(), rawURL)
	if err != nil {
		t.Fatalf("open test database: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	if _, err := s.Migrate(context.Background()); err != nil {
		t.Fatalf("migrate test database: %v", err)
	}
	return s
}
