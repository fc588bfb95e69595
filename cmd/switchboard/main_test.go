package main

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/auth"
	"github.com/switchboardhq/switchboard/storage"
)

func TestCommandsExitStatus(t *testing.T) {
	cases := []struct {
		name     string
		env      map[string]string
		args     []string
		code     int
		wantText string
	}{
		{"version", nil, []string{"version"}, 0, "switchboard"},
		{"unknown command", nil, []string{"frobnicate"}, 2, "unknown command"},
		{"invalid configuration names the key", map[string]string{"SWITCHBOARD_PUBLIC_URL": "ftp://x"}, []string{"migrate"}, 2, "SWITCHBOARD_PUBLIC_URL"},
		{"set-webhook without a token", nil, []string{"telegram", "set-webhook"}, 2, "TELEGRAM_BOT_TOKEN"},
		{"set-webhook needs https", map[string]string{"TELEGRAM_BOT_TOKEN": "1:abc", "TELEGRAM_WEBHOOK_SECRET": "s3cret"}, []string{"telegram", "set-webhook"}, 2, "must be https://"},
		{"backup needs a path", nil, []string{"backup"}, 2, "backup PATH"},
		{"backup of a database not there", nil, []string{"backup", "copy.db"}, 2, "no database file"},
		{"backup on PostgreSQL names pg_dump", map[string]string{"SWITCHBOARD_DATABASE_URL": "postgres://u@127.0.0.1:1/sb"}, []string{"backup", "copy.db"}, 2, "pg_dump --format=custom"},
		{"restore on PostgreSQL names pg_restore", map[string]string{"SWITCHBOARD_DATABASE_URL": "postgres://u@127.0.0.1:1/sb"}, []string{"restore", "copy.db"}, 2, "pg_restore"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, k := range []string{"SWITCHBOARD_PUBLIC_URL", "TELEGRAM_BOT_TOKEN", "TELEGRAM_WEBHOOK_SECRET", "SWITCHBOARD_CONFIG"} {
				t.Setenv(k, "")
			}
			t.Setenv("SWITCHBOARD_DATABASE_URL", "sqlite://"+t.TempDir()+"/sb.db")
			for k, v := range c.env {
				t.Setenv(k, v)
			}
			var out, errOut bytes.Buffer
			code := run(c.args, &out, &errOut)
			if code != c.code || !strings.Contains(out.String()+errOut.String(), c.wantText) {
				t.Fatalf("exit %d, output %q %q; want %d mentioning %q", code, out.String(), errOut.String(), c.code, c.wantText)
			}
		})
	}
}

func TestMigrateAppliesThenNothing(t *testing.T) {
	t.Setenv("SWITCHBOARD_DATABASE_URL", "sqlite://"+t.TempDir()+"/sb.db")
	for i, want := range []string{fmt.Sprintf("applied %d migrations", storage.MigrationCount()), "applied 0 migrations"} {
		var out, errOut bytes.Buffer
		if code := run([]string{"migrate"}, &out, &errOut); code != 0 || !strings.Contains(out.String(), want) {
			t.Fatalf("run %d: exit %d, %q %q; want %q", i, code, out.String(), errOut.String(), want)
		}
	}
}

func TestHealthcheckFailsWhenNothingListens(t *testing.T) {
	t.Setenv("SWITCHBOARD_ADDR", "127.0.0.1:1")
	var out, errOut bytes.Buffer
	if code := run([]string{"healthcheck"}, &out, &errOut); code != 1 || !strings.Contains(errOut.String(), "healthcheck") {
		t.Fatalf("exit %d, %q", code, errOut.String())
	}
}

func TestResetPasswordLetsTheSupervisorBackIn(t *testing.T) {
	t.Setenv("SWITCHBOARD_DATABASE_URL", "sqlite://"+t.TempDir()+"/sb.db")
	t.Setenv("SWITCHBOARD_ADMIN_PASSWORD", "")
	var out, errOut bytes.Buffer
	if code := run([]string{"reset-password", "admin@localhost"}, &out, &errOut); code != 1 || !strings.Contains(errOut.String(), "no operator") {
		t.Fatalf("before any operator exists: exit %d, %q", code, errOut.String())
	}
	ctx := t.Context()
	store, err := storage.Open(ctx, os.Getenv("SWITCHBOARD_DATABASE_URL"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	if _, err := store.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := auth.EnsureAdmin(ctx, store, "admin@localhost", "first password here"); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if code := run([]string{"reset-password", "admin@localhost"}, &out, &errOut); code != 0 {
		t.Fatalf("exit %d, %q", code, errOut.String())
	}
	_, rest, _ := strings.Cut(out.String(), "reset to ")
	password, _, _ := strings.Cut(rest, " ")
	if _, _, err := auth.Login(ctx, store, "admin@localhost", password, time.Hour); err != nil || len(password) < 16 {
		t.Fatalf("log in with the printed password %q: %v (output %q)", password, err, out.String())
	}
	if code := run([]string{"reset-password"}, &out, &errOut); code != 2 {
		t.Fatalf("without an email: exit %d", code)
	}
}
