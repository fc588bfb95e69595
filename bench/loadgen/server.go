package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/switchboardhq/switchboard/app"
	"github.com/switchboardhq/switchboard/config"
	"github.com/switchboardhq/switchboard/internal/faketelegram"
	"github.com/switchboardhq/switchboard/storage"
)

// webhookSecret is the secret the generator sends and the servers expect.
const webhookSecret = "loadgen-secret"

// prepareDatabase turns -db into the URL to run on: "sqlite" alone is a new
// file in a temporary directory; a PostgreSQL URL gets a fresh schema
// through search_path, as storage/storagetest does. drop removes what was
// made unless keep is set.
func prepareDatabase(ctx context.Context, raw string, keep bool) (dbURL string, drop func(), err error) {
	nothing := func() {}
	switch {
	case raw == "sqlite" || raw == "sqlite://":
		dir, err := os.MkdirTemp("", "loadgen-sqlite-")
		if err != nil {
			return "", nothing, err
		}
		return "sqlite://" + filepath.Join(dir, "switchboard.db"), func() {
			if !keep {
				_ = os.RemoveAll(dir)
			}
		}, nil
	case strings.HasPrefix(raw, "postgres://"), strings.HasPrefix(raw, "postgresql://"):
		b := make([]byte, 6)
		_, _ = rand.Read(b)
		schema := "bench_" + hex.EncodeToString(b)
		admin, err := storage.Open(ctx, raw)
		if err != nil {
			return "", nothing, fmt.Errorf("connect to %s: %w", raw, err)
		}
		if err := admin.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
			_ = admin.Close()
			return "", nothing, err
		}
		u, err := url.Parse(raw)
		if err != nil {
			_ = admin.Close()
			return "", nothing, err
		}
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		return u.String(), func() {
			if keep {
				fmt.Fprintf(os.Stderr, "loadgen: kept schema %s\n", schema)
			} else if err := admin.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE"); err != nil {
				fmt.Fprintf(os.Stderr, "loadgen: %v\n", err)
			}
			_ = admin.Close()
		}, nil
	}
	return raw, nothing, nil
}

// botEnv is what a server under test needs to talk to the fake Telegram
// through rec: switchboard's variables and the Bot API root for grammY.
func botEnv(rec *recorder, chatInterval time.Duration, perSecond float64) map[string]string {
	return map[string]string{
		"TELEGRAM_BOT_TOKEN":      faketelegram.Token,
		"TELEGRAM_WEBHOOK_SECRET": webhookSecret,
		"TELEGRAM_API_ENDPOINT":   rec.Endpoint(),
		"TELEGRAM_API_ROOT":       rec.URL(),
		// The fake's answers, not switchboard's politeness towards the
		// real Telegram, should be the only limit.
		"TELEGRAM_MAX_PER_SECOND": strconv.FormatFloat(perSecond, 'f', -1, 64),
		"TELEGRAM_CHAT_INTERVAL":  chatInterval.String(),
	}
}

// inProcess is switchboard built by app.New and run in this process.
type inProcess struct {
	app  *app.App
	stop context.CancelFunc
	done chan error
}

func startSwitchboard(ctx context.Context, dbURL string, rec *recorder, o options) (*inProcess, error) {
	env := botEnv(rec, o.chatInterval, o.perSecond)
	env["SWITCHBOARD_ADDR"] = "127.0.0.1:0"
	env["SWITCHBOARD_DATABASE_URL"] = dbURL
	env["SWITCHBOARD_ADMIN_PASSWORD"] = "loadgen-admin-password"
	env["SWITCHBOARD_LOG_LEVEL"] = "warn"
	cfg, err := config.LoadFrom(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		return nil, fmt.Errorf("configuration: %w", err)
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	a, err := app.New(ctx, cfg, app.Options{Logger: log, CommitWorkers: o.commitWorkers})
	if err != nil {
		return nil, fmt.Errorf("start switchboard: %w", err)
	}
	if err := a.Listen(); err != nil {
		return nil, err
	}
	runCtx, stop := context.WithCancel(context.Background())
	s := &inProcess{app: a, stop: stop, done: make(chan error, 1)}
	go func() { s.done <- a.Run(runCtx) }()
	return s, nil
}

func (s *inProcess) webhookURL() string { return "http://" + s.app.Addr() + "/webhooks/telegram" }

func (s *inProcess) shutdown() error {
	s.stop()
	return <-s.done
}

// child is a server under test run as its own process.
type child struct {
	cmd *exec.Cmd
}

// startChild runs command (split on spaces) with env added and waits until
// webhookURL's host accepts connections.
func startChild(command string, env map[string]string, webhookURL string) (*child, error) {
	args := strings.Fields(command)
	if len(args) == 0 {
		return nil, errors.New("-exec is empty")
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Env = os.Environ()
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %q: %w", command, err)
	}
	c := &child{cmd: cmd}
	u, err := url.Parse(webhookURL)
	if err != nil {
		c.stop()
		return nil, err
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		conn, err := net.DialTimeout("tcp", u.Host, time.Second)
		if err == nil {
			_ = conn.Close()
			return c, nil
		}
		if time.Now().After(deadline) {
			c.stop()
			return nil, fmt.Errorf("%q did not listen on %s within 60s", command, u.Host)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (c *child) pid() string { return strconv.Itoa(c.cmd.Process.Pid) }

// stop asks the child to end with SIGTERM and kills it after 10 seconds.
func (c *child) stop() {
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = c.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = c.cmd.Process.Kill()
		<-done
	}
}
