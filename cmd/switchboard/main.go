// Command switchboard runs the switchboard customer-care server and its
// administrative subcommands (migrate, version, telegram set-webhook,
// backup, restore).
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/switchboardhq/switchboard/app"
	"github.com/switchboardhq/switchboard/auth"
	"github.com/switchboardhq/switchboard/backup"
	"github.com/switchboardhq/switchboard/bots/telegram"
	"github.com/switchboardhq/switchboard/config"
	"github.com/switchboardhq/switchboard/storage"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

const usage = `usage: switchboard [command]

commands:
  serve                  run everything (the default)
  migrate                bring the database schema up to date and exit
  version                print the version
  telegram set-webhook   register $SWITCHBOARD_PUBLIC_URL/webhooks/telegram at Telegram
  healthcheck            exit 0 when this host's /readyz answers 200
  reset-password EMAIL   give the operator EMAIL a new password ($SWITCHBOARD_ADMIN_PASSWORD,
                         else a random one, printed) and end their sessions
  backup PATH            copy the SQLite database to the new file PATH, while switchboard runs
  restore PATH           replace the SQLite database with the backup PATH (switchboard stopped)

configuration comes from the environment; see README.md.
`

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

func run(args []string, stdout, stderr io.Writer) int {
	cmd := "serve"
	if len(args) > 0 {
		cmd = args[0]
	}
	switch cmd {
	case "version", "--version", "-v":
		fmt.Fprintln(stdout, "switchboard", version)
		return 0
	case "help", "--help", "-h":
		fmt.Fprint(stdout, usage)
		return 0
	case "serve", "migrate", "telegram", "healthcheck", "reset-password", "backup", "restore":
	default:
		fmt.Fprintf(stderr, "switchboard: unknown command %q\n\n%s", cmd, usage)
		return 2
	}
	cfg, err := config.Load()
	if err != nil {
		fmt.Fprintf(stderr, "switchboard: invalid configuration:\n%v\n", err)
		return 2
	}
	log := newLogger(stderr, cfg.LogLevel)
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	switch cmd {
	case "healthcheck":
		return healthcheck(cfg, stderr)
	case "migrate":
		return migrate(ctx, cfg, stdout, stderr)
	case "reset-password":
		if len(args) != 2 || args[1] == "" {
			fmt.Fprintf(stderr, "switchboard: want \"reset-password EMAIL\"\n\n%s", usage)
			return 2
		}
		return resetPassword(ctx, cfg, args[1], stdout, stderr)
	case "backup", "restore":
		if len(args) != 2 || args[1] == "" {
			fmt.Fprintf(stderr, "switchboard: want \"%s PATH\"\n\n%s", cmd, usage)
			return 2
		}
		if cmd == "backup" {
			return backupTo(ctx, cfg, args[1], stdout, stderr)
		}
		return restoreFrom(ctx, cfg, args[1], stdout, stderr)
	case "telegram":
		if len(args) < 2 || args[1] != "set-webhook" {
			fmt.Fprintf(stderr, "switchboard: want \"telegram set-webhook\"\n\n%s", usage)
			return 2
		}
		return setWebhook(cfg, stdout, stderr, log)
	}
	return serve(ctx, cfg, stdout, stderr, log)
}

func serve(ctx context.Context, cfg config.Config, stdout, stderr io.Writer, log *slog.Logger) int {
	tuneGC()
	// Held until exit, so that "switchboard restore" is refused meanwhile.
	release, err := backup.Hold(cfg.DatabaseURL)
	if err != nil {
		return fail(stderr, &app.StartupError{Err: fmt.Errorf("SWITCHBOARD_DATABASE_URL: %w", err)})
	}
	defer release()
	a, err := app.New(ctx, cfg, app.Options{Logger: log})
	if err != nil {
		return fail(stderr, err)
	}
	if err := a.Listen(); err != nil {
		return fail(stderr, err)
	}
	fmt.Fprintf(stdout, "switchboard %s: console at %s/ (listening on %s)\n", version, cfg.PublicURL, a.Addr())
	if a.AdminPassword != "" {
		fmt.Fprintf(stdout, "first supervisor created: log in as %s with password %s (shown once; change it)\n", cfg.AdminEmail, a.AdminPassword)
	} else {
		fmt.Fprintf(stdout, "log in with your operator account; a lost password: switchboard reset-password EMAIL\n")
	}
	if err := a.Run(ctx); err != nil {
		return fail(stderr, err)
	}
	return 0
}

func migrate(ctx context.Context, cfg config.Config, stdout, stderr io.Writer) int {
	store, err := storage.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return fail(stderr, &app.StartupError{Err: fmt.Errorf("SWITCHBOARD_DATABASE_URL: %w", err)})
	}
	defer store.Close()
	n, err := store.Migrate(ctx)
	if err != nil {
		return fail(stderr, err)
	}
	fmt.Fprintf(stdout, "applied %d migrations; schema version %d\n", n, storage.SchemaVersion())
	return 0
}

func resetPassword(ctx context.Context, cfg config.Config, email string, stdout, stderr io.Writer) int {
	store, err := storage.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return fail(stderr, &app.StartupError{Err: fmt.Errorf("SWITCHBOARD_DATABASE_URL: %w", err)})
	}
	defer store.Close()
	if _, err := store.Migrate(ctx); err != nil {
		return fail(stderr, err)
	}
	password, err := auth.ResetPassword(ctx, store, email, cfg.AdminPassword)
	if errors.Is(err, storage.ErrNotFound) {
		fmt.Fprintf(stderr, "switchboard: no operator has the email %q\n", email)
		return 1
	}
	if err != nil {
		return fail(stderr, err)
	}
	if cfg.AdminPassword != "" {
		fmt.Fprintf(stdout, "password of %s set from SWITCHBOARD_ADMIN_PASSWORD; their sessions are ended\n", email)
	} else {
		fmt.Fprintf(stdout, "password of %s reset to %s (shown once; change it); their sessions are ended\n", email, password)
	}
	return 0
}

func setWebhook(cfg config.Config, stdout, stderr io.Writer, log *slog.Logger) int {
	if !cfg.Telegram.Enabled() {
		fmt.Fprintln(stderr, "switchboard: TELEGRAM_BOT_TOKEN: not set")
		return 2
	}
	if cfg.Telegram.WebhookSecret == "" {
		fmt.Fprintln(stderr, "switchboard: TELEGRAM_WEBHOOK_SECRET: not set (webhook mode needs it; without it switchboard long-polls)")
		return 2
	}
	if !strings.HasPrefix(cfg.PublicURL, "https://") {
		fmt.Fprintf(stderr, "switchboard: SWITCHBOARD_PUBLIC_URL: %q must be https:// for a Telegram webhook (Telegram posts only to HTTPS); without a webhook, unset TELEGRAM_WEBHOOK_SECRET and switchboard long-polls\n", cfg.PublicURL)
		return 2
	}
	bot, err := telegram.Connect(cfg.Telegram.Token, cfg.Telegram.APIEndpoint, nil, log)
	if err != nil {
		return fail(stderr, &app.StartupError{Err: fmt.Errorf("TELEGRAM_BOT_TOKEN: %w", err)})
	}
	url, err := bot.SetWebhook(cfg.PublicURL, cfg.Telegram.WebhookSecret)
	if err != nil {
		return fail(stderr, err)
	}
	fmt.Fprintf(stdout, "webhook set: Telegram will post updates for @%s to %s\n", bot.Username(), url)
	return 0
}

func fail(stderr io.Writer, err error) int {
	fmt.Fprintf(stderr, "switchboard: %v\n", err)
	var se *app.StartupError
	if errors.As(err, &se) {
		return 2
	}
	return 1
}

func newLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	_ = l.UnmarshalText([]byte(level))
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l}))
}

// healthcheck asks this host's /readyz, for container health checks where
// the image has no curl.
func healthcheck(cfg config.Config, stderr io.Writer) int {
	port := cfg.Addr[strings.LastIndex(cfg.Addr, ":")+1:]
	client := &http.Client{Timeout: 5 * time.Second}
	resp, err := client.Get("http://127.0.0.1:" + port + "/readyz")
	if err != nil {
		fmt.Fprintf(stderr, "switchboard: healthcheck: %v\n", err)
		return 1
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintf(stderr, "switchboard: healthcheck: /readyz answered %d\n", resp.StatusCode)
		return 1
	}
	return 0
}
