package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/auth"
	"github.com/switchboardhq/switchboard/config"
	"github.com/switchboardhq/switchboard/internal/faketelegram"
	"github.com/switchboardhq/switchboard/storage"
)

const webhookSecret = "backup-test-secret"

// lockedBuffer is a bytes.Buffer a running server writes while a test reads.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// serveForTest runs "switchboard serve" (the command's own function, lock
// and all) on dbURL with a fake Telegram in webhook mode, and returns its
// base URL and a func that stops it and checks it exited 0.
func serveForTest(t *testing.T, dbURL string) (base string, stop func()) {
	t.Helper()
	auth.Cost = 4
	tg := faketelegram.New()
	t.Cleanup(tg.Close)
	env := map[string]string{
		"SWITCHBOARD_ADDR":           "127.0.0.1:0",
		"SWITCHBOARD_DATABASE_URL":   dbURL,
		"SWITCHBOARD_ADMIN_PASSWORD": "correct horse battery",
		"TELEGRAM_BOT_TOKEN":         faketelegram.Token,
		"TELEGRAM_WEBHOOK_SECRET":    webhookSecret,
		"TELEGRAM_API_ENDPOINT":      tg.Endpoint(),
		"TELEGRAM_CHAT_INTERVAL":     "10ms",
	}
	cfg, err := config.LoadFrom(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var out, errOut lockedBuffer
	done := make(chan int, 1)
	go func() { done <- serve(ctx, cfg, &out, &errOut, newLogger(io.Discard, "error")) }()
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(out.String(), "listening on ") {
		select {
		case code := <-done:
			t.Fatalf("serve exited %d: %s", code, errOut.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve did not listen within 30s: %q %q", out.String(), errOut.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	_, addr, _ := strings.Cut(out.String(), "listening on ")
	addr, _, _ = strings.Cut(addr, ")")
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		select {
		case code := <-done:
			if code != 0 {
				t.Errorf("serve exited %d: %s", code, errOut.String())
			}
		case <-time.After(30 * time.Second):
			t.Error("serve did not stop within 30s")
		}
	}
	t.Cleanup(stop)
	return "http://" + addr, stop
}

// acked records the updates the webhook answered 2xx, in order.
type acked struct {
	mu  sync.Mutex
	ids []int
}

func (a *acked) add(id int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.ids = append(a.ids, id)
}

func (a *acked) snapshot() []int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]int(nil), a.ids...)
}

// sendUntil posts text updates from one customer to the webhook until stop
// closes, recording those acknowledged.
func sendUntil(stop <-chan struct{}, base string, customer int64, into *acked) error {
	user := faketelegram.User{ID: customer, FirstName: "Load" + strconv.FormatInt(customer, 10), LanguageCode: "en"}
	for i := 1; ; i++ {
		select {
		case <-stop:
			return nil
		default:
		}
		id := int(customer)*1_000_000 + i
		req, _ := http.NewRequest(http.MethodPost, base+"/webhooks/telegram", bytes.NewReader(faketelegram.TextUpdate(id, user, fmt.Sprintf("message %d", i))))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set(faketelegram.SecretTokenHeader, webhookSecret)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return fmt.Errorf("post update %d: %w", id, err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode/100 == 2 {
			into.add(id)
		}
	}
}

func waitAcked(t *testing.T, a *acked, n int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for len(a.snapshot()) < n {
		if time.Now().After(deadline) {
			t.Fatalf("only %d updates acknowledged, want %d", len(a.snapshot()), n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func runCmd(args ...string) (code int, stdout, stderr string) {
	var out, errOut bytes.Buffer
	code = run(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestBackupUnderLoadKeepsEveryAcknowledgedUpdate(t *testing.T) {
	dir := t.TempDir()
	live := "sqlite://" + filepath.Join(dir, "live.db")
	dest := filepath.Join(dir, "backup.db")
	t.Setenv("SWITCHBOARD_CONFIG", "")
	t.Setenv("SWITCHBOARD_PUBLIC_URL", "")
	t.Setenv("TELEGRAM_BOT_TOKEN", "")
	t.Setenv("SWITCHBOARD_DATABASE_URL", live)
	base, stopServer := serveForTest(t, live)

	var got acked
	stopSending := make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan error, 3)
	for customer := int64(1); customer <= 3; customer++ {
		wg.Go(func() { errs <- sendUntil(stopSending, base, customer, &got) })
	}
	waitAcked(t, &got, 200)

	before := got.snapshot()
	if code, out, errOut := runCmd("backup", dest); code != 0 || !strings.Contains(out, "backed up") {
		t.Fatalf("backup under load: exit %d, %q %q", code, out, errOut)
	}
	waitAcked(t, &got, len(got.snapshot())+100)

	// While the server holds the database, a restore is refused and a
	// second backup never overwrites the first.
	code, _, errOut := runCmd("restore", dest)
	if code != 2 || !strings.Contains(errOut, "is using it") {
		t.Fatalf("restore while serving: exit %d, %q; want 2 saying a server is using the database", code, errOut)
	}
	stat, _ := os.Stat(dest)
	code, _, errOut = runCmd("backup", dest)
	if code != 2 || !strings.Contains(errOut, "already exists") {
		t.Fatalf("backup to an existing path: exit %d, %q", code, errOut)
	}
	if again, _ := os.Stat(dest); !again.ModTime().Equal(stat.ModTime()) || again.Size() != stat.Size() {
		t.Fatal("the refused backup changed the existing file")
	}

	close(stopSending)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	stopServer()

	restored := "sqlite://" + filepath.Join(dir, "restored.db")
	t.Setenv("SWITCHBOARD_DATABASE_URL", restored)
	if code, out, errOut := runCmd("restore", dest); code != 0 || !strings.Contains(out, "restored") {
		t.Fatalf("restore: exit %d, %q %q", code, out, errOut)
	}
	store, err := storage.Open(t.Context(), restored)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	var integrity []string
	if err := store.Select(t.Context(), &integrity, "PRAGMA integrity_check"); err != nil || len(integrity) != 1 || integrity[0] != "ok" {
		t.Fatalf("integrity_check of the restored database: %v %v", integrity, err)
	}
	var ids []string
	if err := store.Select(t.Context(), &ids, "SELECT external_id FROM messages WHERE channel = 'telegram' AND external_id <> ''"); err != nil {
		t.Fatal(err)
	}
	have := make(map[string]bool, len(ids))
	for _, id := range ids {
		have[id] = true
	}
	for _, id := range before {
		if !have[strconv.Itoa(id)] {
			t.Errorf("update %d was acknowledged before the backup began but is not in the restored database", id)
		}
	}
	t.Logf("%d updates acknowledged before the backup, %d in total, %d messages restored", len(before), len(got.snapshot()), len(ids))
}

// migrated makes a switchboard SQLite database at path, with the first
// supervisor email when email is not empty.
func migrated(t *testing.T, path, email string) {
	t.Helper()
	store, err := storage.Open(t.Context(), "sqlite://"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	if _, err := store.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	if email != "" {
		if _, err := auth.EnsureAdmin(t.Context(), store, email, "first password here"); err != nil {
			t.Fatal(err)
		}
	}
}

func operatorEmails(t *testing.T, path string) []string {
	t.Helper()
	store, err := storage.Open(t.Context(), "sqlite://"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	var emails []string
	if err := store.Select(t.Context(), &emails, "SELECT email FROM operators ORDER BY email"); err != nil {
		t.Fatal(err)
	}
	return emails
}

func TestRestoreReplacesTheDatabaseAndItsWAL(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("SWITCHBOARD_CONFIG", "")
	old := filepath.Join(dir, "old.db")
	migrated(t, old, "kept@example.com")
	t.Setenv("SWITCHBOARD_DATABASE_URL", "sqlite://"+old)
	bak := filepath.Join(dir, "old.backup")
	if code, _, errOut := runCmd("backup", bak); code != 0 {
		t.Fatalf("backup: exit %d, %q", code, errOut)
	}

	live := filepath.Join(dir, "live.db")
	migrated(t, live, "replaced@example.com")
	for _, suffix := range []string{"-wal", "-shm"} {
		if err := os.WriteFile(live+suffix, []byte("stale"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("SWITCHBOARD_DATABASE_URL", "sqlite://"+live)
	if code, _, errOut := runCmd("restore", bak); code != 0 {
		t.Fatalf("restore: exit %d, %q", code, errOut)
	}
	for _, suffix := range []string{"-wal", "-shm"} {
		if _, err := os.Stat(live + suffix); !os.IsNotExist(err) {
			t.Errorf("the old database's %s is still there (%v)", suffix, err)
		}
	}
	if got := operatorEmails(t, live); len(got) != 1 || got[0] != "kept@example.com" {
		t.Fatalf("operators after restore: %v; want those of the backup", got)
	}
	if leftovers, _ := filepath.Glob(filepath.Join(dir, "*.restore-*")); len(leftovers) != 0 {
		t.Errorf("restore left %v behind", leftovers)
	}
}

func TestRestoreRefusesWhatIsNotASwitchboardBackup(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("SWITCHBOARD_CONFIG", "")
	live := filepath.Join(dir, "live.db")
	migrated(t, live, "still@example.com")
	t.Setenv("SWITCHBOARD_DATABASE_URL", "sqlite://"+live)

	text := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(text, []byte("not a database at all"), 0o600); err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(dir, "other.db")
	store, err := storage.Open(t.Context(), "sqlite://"+other)
	if err != nil {
		t.Fatal(err)
	}
	if err := store.Exec(t.Context(), "CREATE TABLE things (id INTEGER)"); err != nil {
		t.Fatal(err)
	}
	store.Close()

	cases := []struct {
		name, path, want string
	}{
		{"a text file", text, "not an SQLite database file"},
		{"another application's SQLite file", other, "schema_migrations"},
		{"a missing file", filepath.Join(dir, "missing.db"), "no such file"},
		{"the database itself", live, "the database itself"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, _, errOut := runCmd("restore", c.path)
			if code == 0 || !strings.Contains(errOut, c.want) {
				t.Fatalf("exit %d, %q; want a refusal mentioning %q", code, errOut, c.want)
			}
			if got := operatorEmails(t, live); len(got) != 1 || got[0] != "still@example.com" {
				t.Fatalf("operators after the refused restore: %v", got)
			}
		})
	}
}
