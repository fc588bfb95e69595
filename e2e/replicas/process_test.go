// Package replicas_test runs switchboard as real processes — the binary
// built from cmd/switchboard — three at a time on one PostgreSQL, and kills
// them with SIGKILL, to show that several processes behave as one service.
// It needs PostgreSQL (SWITCHBOARD_TEST_DATABASE_URL) and skips otherwise.
package replicas_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/internal/faketelegram"
	"github.com/switchboardhq/switchboard/internal/ssetest"
	"github.com/switchboardhq/switchboard/storage/storagetest"
)

const (
	secret        = "replica-secret"
	adminEmail    = "lead@example.com"
	adminPassword = "correct horse battery"
)

var (
	// urls maps each test to its database URL.
	urls      sync.Map
	buildOnce sync.Once
	binary    string
	buildErr  error
)

// build compiles cmd/switchboard once for the package's tests.
func build(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "switchboard-replicas")
		if err != nil {
			buildErr = err
			return
		}
		binary = filepath.Join(dir, "switchboard")
		out, err := exec.Command("go", "build", "-o", binary, "../../cmd/switchboard").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binary
}

// process is one running switchboard binary.
type process struct {
	t    *testing.T
	cmd  *exec.Cmd
	base string
	log  *bytes.Buffer
	mu   *sync.Mutex
	done chan struct{}
}

// cluster starts n processes on one fresh PostgreSQL schema and one fake
// Telegram (webhook mode), and waits until each answers /readyz.
func cluster(t *testing.T, n int, env ...string) ([]*process, *faketelegram.Server) {
	t.Helper()
	if !strings.HasPrefix(os.Getenv(storagetest.EnvDatabaseURL), "postgres") {
		t.Skipf("several processes share PostgreSQL only: set %s", storagetest.EnvDatabaseURL)
	}
	bin := build(t)
	url := storagetest.URL(t)
	urls.Store(t, url)
	tg := faketelegram.New()
	t.Cleanup(tg.Close)
	procs := make([]*process, n)
	for i := range procs {
		procs[i] = startProcess(t, bin, append([]string{
			"SWITCHBOARD_DATABASE_URL=" + url,
			"TELEGRAM_BOT_TOKEN=" + faketelegram.Token,
			"TELEGRAM_WEBHOOK_SECRET=" + secret,
			// Each process calls through its own label, so the fake
			// tells processes apart, not connections.
			"TELEGRAM_API_ENDPOINT=" + tg.EndpointAs(fmt.Sprintf("process-%d", i)),
		}, env...))
	}
	for _, p := range procs {
		p.waitReady()
	}
	return procs, tg
}

func startProcess(t *testing.T, bin string, env []string) *process {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(bin, "serve")
	cmd.Env = append(os.Environ(), "SWITCHBOARD_ADDR="+addr, "SWITCHBOARD_ADMIN_EMAIL="+adminEmail,
		"SWITCHBOARD_ADMIN_PASSWORD="+adminPassword, "SWITCHBOARD_LOG_LEVEL=warn",
		// Three processes share the test server's 100 connections with
		// the other packages' tests.
		"SWITCHBOARD_DATABASE_MAX_CONNS=8")
	cmd.Env = append(cmd.Env, env...)
	p := &process{t: t, cmd: cmd, base: "http://" + addr, log: &bytes.Buffer{}, mu: &sync.Mutex{}, done: make(chan struct{})}
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			p.mu.Lock()
			p.log.WriteString(sc.Text() + "\n")
			p.mu.Unlock()
		}
	}()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = cmd.Wait(); pw.Close(); close(p.done) }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(20 * time.Second):
			_ = cmd.Process.Kill()
		}
		if t.Failed() {
			p.mu.Lock()
			t.Logf("log of %s:\n%s", p.base, p.log.String())
			p.mu.Unlock()
		}
	})
	return p
}

// dbURL is the database the test's cluster runs on.
func dbURL(t *testing.T) string {
	u, ok := urls.Load(t)
	if !ok {
		t.Fatal("no cluster started")
	}
	return u.(string)
}

// kill ends the process with SIGKILL: no shutdown, no goodbye.
func (p *process) kill() {
	p.t.Helper()
	if err := p.cmd.Process.Kill(); err != nil {
		p.t.Fatal(err)
	}
	<-p.done
}

func (p *process) waitReady() {
	p.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if res, err := http.Get(p.base + "/readyz"); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return
			}
		}
		select {
		case <-p.done:
			p.t.Fatalf("%s exited before it was ready:\n%s", p.base, p.log.String())
		case <-time.After(100 * time.Millisecond):
		}
	}
	p.t.Fatalf("%s not ready within 30s", p.base)
}

// call makes an API request and decodes the JSON answer into out.
func (p *process) call(method, path, token string, body any, out any) int {
	p.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, p.base+path, rd)
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		p.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if out != nil && len(raw) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
			p.t.Fatalf("%s %s: decode %q: %v", method, path, raw, err)
		}
	}
	return res.StatusCode
}

func (p *process) login(email, password string) string {
	p.t.Helper()
	var out struct {
		Token string `json:"token"`
	}
	if code := p.call(http.MethodPost, "/api/v1/auth/login", "", map[string]string{"email": email, "password": password}, &out); code != http.StatusOK {
		p.t.Fatalf("login %s: status %d", email, code)
	}
	return out.Token
}

// update posts a Telegram update to the process's webhook and returns the
// status code, or 0 when the process did not answer.
func (p *process) update(raw []byte) int {
	req, _ := http.NewRequest(http.MethodPost, p.base+"/webhooks/telegram", bytes.NewReader(raw))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(faketelegram.SecretTokenHeader, secret)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0
	}
	res.Body.Close()
	return res.StatusCode
}

// frame is one Server-Sent Events frame.
type frame struct {
	id, event string
	data      map[string]any
}

// openStream opens GET /api/v1/events; frames arrive on the channel until
// the stream ends, when it closes.
func (p *process) openStream(token string) <-chan frame {
	p.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	p.t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, p.base+"/api/v1/events", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil || res.StatusCode != http.StatusOK {
		p.t.Fatalf("GET /events on %s: %v %v", p.base, res, err)
	}
	raw := make(chan ssetest.Frame, 4096)
	go func() {
		defer res.Body.Close()
		ssetest.Read(res.Body, raw)
	}()
	out := make(chan frame, 4096)
	go func() {
		defer close(out)
		for f := range raw {
			out <- frame{id: f.ID, event: f.Event, data: f.Data()}
		}
	}()
	return out
}

// waitFrame waits up to d for a frame that match accepts.
func waitFrame(t *testing.T, frames <-chan frame, d time.Duration, what string, match func(frame) bool) frame {
	t.Helper()
	deadline := time.After(d)
	for {
		select {
		case f, ok := <-frames:
			if !ok {
				t.Fatalf("stream ended before %s", what)
			}
			if match(f) {
				return f
			}
		case <-deadline:
			t.Fatalf("no %s within %s", what, d)
		}
	}
}
