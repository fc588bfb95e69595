//go:build unix

package backup

import (
	"errors"
	"path/filepath"
	"testing"
)

func TestServersShareTheDatabaseButExcludeARestore(t *testing.T) {
	url := "sqlite://" + filepath.Join(t.TempDir(), "sb.db")
	file, err := DatabaseFile(url)
	if err != nil {
		t.Fatal(err)
	}
	first, err := Hold(url)
	if err != nil {
		t.Fatalf("first server: %v", err)
	}
	second, err := Hold(url)
	if err != nil {
		t.Fatalf("a second server on the same file: %v", err)
	}
	if _, err := lockExclusive(file); !errors.Is(err, errLocked) {
		t.Fatalf("restore's lock while two servers run: %v; want it refused", err)
	}
	first()
	if _, err := lockExclusive(file); !errors.Is(err, errLocked) {
		t.Fatalf("restore's lock while one server still runs: %v; want it refused", err)
	}
	second()
	restore, err := lockExclusive(file)
	if err != nil {
		t.Fatalf("restore's lock once the servers stopped: %v", err)
	}
	if _, err := Hold(url); !errors.Is(err, ErrInUse) {
		t.Fatalf("a server starting during a restore: %v; want ErrInUse", err)
	}
	restore.release()
	release, err := Hold(url)
	if err != nil {
		t.Fatalf("a server starting after the restore: %v", err)
	}
	release()
}

func TestDatabaseFile(t *testing.T) {
	abs := func(p string) string { a, _ := filepath.Abs(p); return a }
	cases := []struct {
		url, want string
		err       error
	}{
		{"sqlite://switchboard.db", abs("switchboard.db"), nil},
		{"sqlite:///var/lib/sb/sb.db?_pragma=cache_size(-20000)", "/var/lib/sb/sb.db", nil},
		{"data/sb.db", abs("data/sb.db"), nil},
		{"postgres://u@localhost/sb", "", ErrPostgreSQL},
	}
	for _, c := range cases {
		got, err := DatabaseFile(c.url)
		if got != c.want || !errors.Is(err, c.err) {
			t.Errorf("DatabaseFile(%q) = %q, %v; want %q, %v", c.url, got, err, c.want, c.err)
		}
	}
}
