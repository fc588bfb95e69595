package config_test

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/config"
)

// env is an environment for LoadFrom.
type env map[string]string

func (e env) lookup(k string) (string, bool) {
	v, ok := e[k]
	return v, ok
}

func TestLoadFromEmptyEnvironmentUsesDefaults(t *testing.T) {
	c, err := config.LoadFrom(env{}.lookup)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct{ name, got, want string }{
		{"addr", c.Addr, ":8080"},
		{"database", c.DatabaseURL, "sqlite://switchboard.db"},
		{"public URL", c.PublicURL, "http://localhost:8080"},
		{"admin email", c.AdminEmail, "admin@localhost"},
		{"log level", c.LogLevel, "info"},
		{"telegram endpoint", c.Telegram.APIEndpoint, config.DefaultTelegramAPI},
	}
	for _, w := range want {
		if w.got != w.want {
			t.Errorf("%s = %q, want %q", w.name, w.got, w.want)
		}
	}
	if c.Telegram.Enabled() || c.Twilio.Enabled() {
		t.Errorf("channels enabled without credentials: telegram %v, twilio %v", c.Telegram.Enabled(), c.Twilio.Enabled())
	}
	if c.Telegram.MaxPerSecond != 30 || c.Telegram.ChatInterval != time.Second {
		t.Errorf("telegram limits = %v/s, %s per chat; want 30/s, 1s", c.Telegram.MaxPerSecond, c.Telegram.ChatInterval)
	}
	if !reflect.DeepEqual(c.Settings, config.DefaultSettings()) {
		t.Errorf("settings = %+v, want the defaults", c.Settings)
	}
}

func TestLoadFromReadsTheEnvironment(t *testing.T) {
	c, err := config.LoadFrom(env{
		"SWITCHBOARD_ADDR":           "127.0.0.1:9000",
		"SWITCHBOARD_DATABASE_URL":   "postgres://sb@db/sb",
		"SWITCHBOARD_PUBLIC_URL":     " https://help.example.org/ ",
		"TELEGRAM_BOT_TOKEN":         "123456:ABC-def",
		"TELEGRAM_WEBHOOK_SECRET":    "s3cr3t_-X",
		"TELEGRAM_CHAT_INTERVAL":     "500ms",
		"TWILIO_ACCOUNT_SID":         "AC0123456789abcdef0123456789ABCDEF",
		"TWILIO_AUTH_TOKEN":          "0123456789abcdef0123456789abcdef",
		"TWILIO_PHONE_NUMBER":        "+15550100",
		"SWITCHBOARD_LOG_LEVEL":      "debug",
		"SWITCHBOARD_COMMIT_WORKERS": "4",
	}.lookup)
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:9000" || c.DatabaseURL != "postgres://sb@db/sb" || c.LogLevel != "debug" {
		t.Errorf("got %+v", c)
	}
	if c.CommitWorkers != 4 {
		t.Errorf("commit workers = %d, want 4", c.CommitWorkers)
	}
	if c.PublicURL != "https://help.example.org" {
		t.Errorf("public URL = %q, want it trimmed of spaces and the trailing slash", c.PublicURL)
	}
	if !c.Telegram.Enabled() || c.Telegram.WebhookSecret != "s3cr3t_-X" || c.Telegram.ChatInterval != 500*time.Millisecond {
		t.Errorf("telegram = %+v", c.Telegram)
	}
	if !c.Twilio.Enabled() {
		t.Errorf("twilio = %+v, want enabled", c.Twilio)
	}
}

func TestLoadFromNamesTheBadVariable(t *testing.T) {
	cases := []struct {
		name    string
		env     env
		wantKey string
	}{
		{"public URL without scheme", env{"SWITCHBOARD_PUBLIC_URL": "help.example.org"}, "SWITCHBOARD_PUBLIC_URL"},
		{"public URL with another scheme", env{"SWITCHBOARD_PUBLIC_URL": "ftp://help.example.org"}, "SWITCHBOARD_PUBLIC_URL"},
		{"public URL without host", env{"SWITCHBOARD_PUBLIC_URL": "https://"}, "SWITCHBOARD_PUBLIC_URL"},
		{"public URL that does not parse", env{"SWITCHBOARD_PUBLIC_URL": "http://[::1"}, "SWITCHBOARD_PUBLIC_URL"},
		{"webhook secret with spaces", env{"TELEGRAM_WEBHOOK_SECRET": "my secret"}, "TELEGRAM_WEBHOOK_SECRET"},
		{"webhook secret with symbols", env{"TELEGRAM_WEBHOOK_SECRET": "abc$def"}, "TELEGRAM_WEBHOOK_SECRET"},
		{"webhook secret too long", env{"TELEGRAM_WEBHOOK_SECRET": strings.Repeat("a", 257)}, "TELEGRAM_WEBHOOK_SECRET"},
		{"address without port", env{"SWITCHBOARD_ADDR": "localhost"}, "SWITCHBOARD_ADDR"},
		{"unknown database", env{"SWITCHBOARD_DATABASE_URL": "mysql://db/sb"}, "SWITCHBOARD_DATABASE_URL"},
		{"admin email", env{"SWITCHBOARD_ADMIN_EMAIL": "admin"}, "SWITCHBOARD_ADMIN_EMAIL"},
		{"short admin password", env{"SWITCHBOARD_ADMIN_PASSWORD": "short"}, "SWITCHBOARD_ADMIN_PASSWORD"},
		{"short media secret", env{"SWITCHBOARD_MEDIA_SECRET": "only-20-characters.."}, "SWITCHBOARD_MEDIA_SECRET"},
		{"log level", env{"SWITCHBOARD_LOG_LEVEL": "verbose"}, "SWITCHBOARD_LOG_LEVEL"},
		{"bot token", env{"TELEGRAM_BOT_TOKEN": "not-a-token"}, "TELEGRAM_BOT_TOKEN"},
		{"bot token with a letter in its number", env{"TELEGRAM_BOT_TOKEN": "12a456:ABC-def"}, "TELEGRAM_BOT_TOKEN"},
		{"bot token pasted with quotes", env{"TELEGRAM_BOT_TOKEN": `"123456:ABC-def"`}, "TELEGRAM_BOT_TOKEN"},
		{"bot token with nothing after the colon", env{"TELEGRAM_BOT_TOKEN": "123456:"}, "TELEGRAM_BOT_TOKEN"},
		{"account SID too short", env{"TWILIO_ACCOUNT_SID": "AC1"}, "TWILIO_ACCOUNT_SID"},
		{"account SID of a subaccount key", env{"TWILIO_ACCOUNT_SID": "SK0123456789abcdef0123456789abcdef"}, "TWILIO_ACCOUNT_SID"},
		{"account SID not hex", env{"TWILIO_ACCOUNT_SID": "AC0123456789abcdef0123456789abcdeg"}, "TWILIO_ACCOUNT_SID"},
		{"auth token with a stray character", env{"TWILIO_AUTH_TOKEN": "0123456789abcdef0123456789abcdef."}, "TWILIO_AUTH_TOKEN"},
		{"auth token with a space", env{"TWILIO_AUTH_TOKEN": "0123456789abcdef 0123456789abcdef"}, "TWILIO_AUTH_TOKEN"},
		{"API endpoint", env{"TELEGRAM_API_ENDPOINT": "https://api.telegram.org/bot"}, "TELEGRAM_API_ENDPOINT"},
		{"rate limit", env{"TELEGRAM_MAX_PER_SECOND": "fast"}, "TELEGRAM_MAX_PER_SECOND"},
		{"zero rate limit", env{"TELEGRAM_MAX_PER_SECOND": "0"}, "TELEGRAM_MAX_PER_SECOND"},
		{"chat interval", env{"TELEGRAM_CHAT_INTERVAL": "1 second"}, "TELEGRAM_CHAT_INTERVAL"},
		{"no commit workers", env{"SWITCHBOARD_COMMIT_WORKERS": "0"}, "SWITCHBOARD_COMMIT_WORKERS"},
		{"commit workers not a number", env{"SWITCHBOARD_COMMIT_WORKERS": "four"}, "SWITCHBOARD_COMMIT_WORKERS"},
		{"twilio base URL", env{"TWILIO_API_BASE_URL": "localhost:4010"}, "TWILIO_API_BASE_URL"},
		{"missing config file", env{"SWITCHBOARD_CONFIG": "/nonexistent/switchboard.yaml"}, "SWITCHBOARD_CONFIG"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := config.LoadFrom(c.env.lookup)
			got := problems(err)
			if _, ok := got[c.wantKey]; !ok || len(got) != 1 {
				t.Fatalf("err = %v, want one problem, with %s", err, c.wantKey)
			}
			if !strings.Contains(err.Error(), c.wantKey+": ") {
				t.Errorf("message %q does not name %s", err, c.wantKey)
			}
		})
	}
}

func TestLoadFromReadsTheSettingsFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "switchboard.yaml")
	yaml := "default_language: ru\nqueue: {minutes_per_customer: 10}\n"
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := config.LoadFrom(env{"SWITCHBOARD_CONFIG": path}.lookup)
	if err != nil {
		t.Fatal(err)
	}
	if c.ConfigPath != path || c.Settings.DefaultLanguage != "ru" || c.Settings.Queue.MinutesPerCustomer != 10 {
		t.Errorf("config path %q, settings %+v", c.ConfigPath, c.Settings)
	}
}

func TestLoadFromReportsEnvironmentAndFileProblemsTogether(t *testing.T) {
	path := filepath.Join(t.TempDir(), "switchboard.yaml")
	if err := os.WriteFile(path, []byte("menu: []\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := config.LoadFrom(env{"SWITCHBOARD_CONFIG": path, "SWITCHBOARD_PUBLIC_URL": "example.org"}.lookup)
	got := problems(err)
	for _, k := range []string{"SWITCHBOARD_PUBLIC_URL", "menu"} {
		if _, ok := got[k]; !ok {
			t.Errorf("problems %v miss %s", keys(got), k)
		}
	}
}

func TestPublicURLDefaultsToTheListenAddress(t *testing.T) {
	cases := []struct{ addr, want string }{
		{":8080", "http://localhost:8080"},
		{"127.0.0.1:18181", "http://127.0.0.1:18181"},
		{"0.0.0.0:9000", "http://localhost:9000"},
	}
	for _, c := range cases {
		t.Run(c.addr, func(t *testing.T) {
			cfg, err := config.LoadFrom(func(k string) (string, bool) {
				if k == "SWITCHBOARD_ADDR" {
					return c.addr, true
				}
				return "", false
			})
			if err != nil || cfg.PublicURL != c.want {
				t.Fatalf("public URL %q (err %v), want %q", cfg.PublicURL, err, c.want)
			}
		})
	}
}
