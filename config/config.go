// Package config loads switchboard's typed configuration once at start-up:
// variables from the environment (connection settings and secrets) and an
// optional YAML file (menu, texts, business hours). Every validation error
// names the variable or YAML key at fault.
package config

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/switchboardhq/switchboard/storage"
)

// Config is everything switchboard is told from outside.
type Config struct {
	// Addr is the HTTP listen address (SWITCHBOARD_ADDR).
	Addr string
	// DatabaseURL selects SQLite or PostgreSQL (SWITCHBOARD_DATABASE_URL).
	DatabaseURL string
	// ListenDatabaseURL is the direct session connection the live layer
	// LISTENs on with PostgreSQL (SWITCHBOARD_LISTEN_DATABASE_URL): needed
	// when DatabaseURL goes through a pooler in transaction mode, where
	// LISTEN does not work. Empty means DatabaseURL.
	ListenDatabaseURL string
	// DatabaseMaxConns caps the connections one process opens to
	// PostgreSQL for its engine (SWITCHBOARD_DATABASE_MAX_CONNS, default
	// 32): with N processes, max_connections must exceed N × (this + 6).
	DatabaseMaxConns int
	// CommitWorkers is how many group commits one process runs at once on
	// PostgreSQL (SWITCHBOARD_COMMIT_WORKERS, default 1): a chat's updates
	// are in one batch at a time, so order holds with any number. More
	// than one helps only with cores to spare (BENCHMARKS.md); SQLite has
	// one writer and one worker whatever it is.
	CommitWorkers int
	// PublicURL is the external base URL (SWITCHBOARD_PUBLIC_URL).
	PublicURL string
	// ConfigPath is the YAML file read, if any (SWITCHBOARD_CONFIG).
	ConfigPath string
	// AdminEmail and AdminPassword seed the first supervisor.
	AdminEmail    string
	AdminPassword string
	// LogLevel is debug, info, warn or error (SWITCHBOARD_LOG_LEVEL).
	LogLevel string
	// MediaSecret signs the public, expiring links to files operators
	// send by SMS (SWITCHBOARD_MEDIA_SECRET, at least 32 characters, the
	// same in every process). Empty means a key derived from
	// TWILIO_AUTH_TOKEN, so rotating that token ends old links.
	MediaSecret string

	Telegram Telegram
	Twilio   Twilio
	// Settings is the YAML part: menu, texts, hours, timings.
	Settings Settings
}

// Telegram holds the Telegram channel's settings.
type Telegram struct {
	// Token enables the channel (TELEGRAM_BOT_TOKEN).
	Token string
	// WebhookSecret selects webhook mode when set (TELEGRAM_WEBHOOK_SECRET).
	WebhookSecret string
	// APIEndpoint is the Bot API URL format (TELEGRAM_API_ENDPOINT).
	APIEndpoint string
	// MaxPerSecond caps messages per second across all chats
	// (TELEGRAM_MAX_PER_SECOND, default 30 as Telegram asks).
	MaxPerSecond float64
	// ChatInterval is the least time between two messages to one chat
	// (TELEGRAM_CHAT_INTERVAL, default 1s).
	ChatInterval time.Duration
}

// MinMediaSecret is the shortest SWITCHBOARD_MEDIA_SECRET accepted.
const MinMediaSecret = 32

// MediaLinkSecret is what signs public media links: MediaSecret, else the
// Twilio auth token (the links are only sent by SMS); "" when neither is
// set, and then no link is made or served.
func (c Config) MediaLinkSecret() string {
	if c.MediaSecret != "" {
		return c.MediaSecret
	}
	if c.Twilio.Enabled() {
		return c.Twilio.AuthToken
	}
	return ""
}

// Enabled reports whether a bot token is configured.
func (t Telegram) Enabled() bool { return t.Token != "" }

// Twilio holds the Twilio channel's settings.
type Twilio struct {
	AccountSID  string
	AuthToken   string
	PhoneNumber string
	APIBaseURL  string
}

// Enabled reports whether all three Twilio credentials are configured.
func (t Twilio) Enabled() bool { return t.AccountSID != "" && t.AuthToken != "" && t.PhoneNumber != "" }

// Defaults for the environment variables.
const (
	DefaultAddr        = ":8080"
	DefaultDatabaseURL = "sqlite://switchboard.db"
	DefaultPublicURL   = "http://localhost:8080"
	DefaultAdminEmail  = "admin@localhost"
	DefaultTelegramAPI = "https://api.telegram.org/bot%s/%s"
)

// Error is a configuration problem; Key names the variable or YAML key.
type Error struct {
	Key     string
	Problem string
}

func (e *Error) Error() string { return e.Key + ": " + e.Problem }

func keyErr(key, format string, args ...any) error {
	return &Error{Key: key, Problem: fmt.Sprintf(format, args...)}
}

// Load reads the configuration from the process environment.
func Load() (Config, error) { return LoadFrom(os.LookupEnv) }

// LoadFrom reads the configuration through lookup (os.LookupEnv in
// production, a map in tests) and validates it.
func LoadFrom(lookup func(string) (string, bool)) (Config, error) {
	get := func(k, def string) string {
		if v, ok := lookup(k); ok && strings.TrimSpace(v) != "" {
			return strings.TrimSpace(v)
		}
		return def
	}
	c := Config{
		Addr:              get("SWITCHBOARD_ADDR", DefaultAddr),
		DatabaseURL:       get("SWITCHBOARD_DATABASE_URL", DefaultDatabaseURL),
		PublicURL:         strings.TrimRight(get("SWITCHBOARD_PUBLIC_URL", ""), "/"),
		ListenDatabaseURL: get("SWITCHBOARD_LISTEN_DATABASE_URL", ""),
		ConfigPath:        get("SWITCHBOARD_CONFIG", ""),
		AdminEmail:        get("SWITCHBOARD_ADMIN_EMAIL", DefaultAdminEmail),
		AdminPassword:     get("SWITCHBOARD_ADMIN_PASSWORD", ""),
		LogLevel:          get("SWITCHBOARD_LOG_LEVEL", "info"),
		MediaSecret:       get("SWITCHBOARD_MEDIA_SECRET", ""),
		Telegram: Telegram{
			Token:         get("TELEGRAM_BOT_TOKEN", ""),
			WebhookSecret: get("TELEGRAM_WEBHOOK_SECRET", ""),
			APIEndpoint:   get("TELEGRAM_API_ENDPOINT", DefaultTelegramAPI),
		},
		Twilio: Twilio{
			AccountSID:  get("TWILIO_ACCOUNT_SID", ""),
			AuthToken:   get("TWILIO_AUTH_TOKEN", ""),
			PhoneNumber: get("TWILIO_PHONE_NUMBER", ""),
			APIBaseURL:  get("TWILIO_API_BASE_URL", ""),
		},
	}
	if c.PublicURL == "" {
		c.PublicURL = localURL(c.Addr)
	}
	var errs []error
	add := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	var err error
	c.Telegram.MaxPerSecond, err = parseFloat("TELEGRAM_MAX_PER_SECOND", get("TELEGRAM_MAX_PER_SECOND", "30"))
	add(err)
	c.Telegram.ChatInterval, err = parseDuration("TELEGRAM_CHAT_INTERVAL", get("TELEGRAM_CHAT_INTERVAL", "1s"))
	add(err)
	c.DatabaseMaxConns, err = parseCount("SWITCHBOARD_DATABASE_MAX_CONNS", get("SWITCHBOARD_DATABASE_MAX_CONNS", strconv.Itoa(storage.DefaultMaxConns)), 2, 1000)
	add(err)
	c.CommitWorkers, err = parseCount("SWITCHBOARD_COMMIT_WORKERS", get("SWITCHBOARD_COMMIT_WORKERS", "1"), 1, 64)
	add(err)
	add(c.validateEnv())

	settings := DefaultSettings()
	if c.ConfigPath != "" {
		settings, err = LoadSettingsFile(c.ConfigPath)
		add(err)
	}
	c.Settings = settings
	return c, errors.Join(errs...)
}

func (c *Config) validateEnv() error {
	var errs []error
	if _, _, err := splitHostPort(c.Addr); err != nil {
		errs = append(errs, keyErr("SWITCHBOARD_ADDR", "%v (want host:port or :port)", err))
	}
	if _, err := storage.ParseDatabaseURL(c.DatabaseURL); err != nil {
		errs = append(errs, keyErr("SWITCHBOARD_DATABASE_URL", "%v", err))
	}
	if c.ListenDatabaseURL != "" {
		if dsn, err := storage.ParseDatabaseURL(c.ListenDatabaseURL); err != nil || dsn.Dialect != storage.Postgres {
			errs = append(errs, keyErr("SWITCHBOARD_LISTEN_DATABASE_URL", "must be a postgres:// URL: the direct session connection LISTEN needs"))
		} else if main, err := storage.ParseDatabaseURL(c.DatabaseURL); err == nil && main.Dialect != storage.Postgres {
			errs = append(errs, keyErr("SWITCHBOARD_LISTEN_DATABASE_URL", "is only used with PostgreSQL, but SWITCHBOARD_DATABASE_URL is %s", main.Dialect))
		}
	}
	if err := checkBaseURL(c.PublicURL); err != nil {
		errs = append(errs, keyErr("SWITCHBOARD_PUBLIC_URL", "%v", err))
	}
	if !strings.Contains(c.AdminEmail, "@") {
		errs = append(errs, keyErr("SWITCHBOARD_ADMIN_EMAIL", "%q is not an email address", c.AdminEmail))
	}
	if c.AdminPassword != "" && len(c.AdminPassword) < 8 {
		errs = append(errs, keyErr("SWITCHBOARD_ADMIN_PASSWORD", "must be at least 8 characters"))
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, keyErr("SWITCHBOARD_LOG_LEVEL", "%q is not one of debug, info, warn, error", c.LogLevel))
	}
	if c.MediaSecret != "" && len(c.MediaSecret) < MinMediaSecret {
		errs = append(errs, keyErr("SWITCHBOARD_MEDIA_SECRET", "must be at least %d characters (try: openssl rand -hex 32)", MinMediaSecret))
	}
	if s := c.Telegram.WebhookSecret; s != "" && !validSecretToken(s) {
		errs = append(errs, keyErr("TELEGRAM_WEBHOOK_SECRET", "must be 1-256 characters of A-Z, a-z, 0-9, _ and - (Telegram's rule for secret_token)"))
	}
	if c.Telegram.Token != "" && !botToken.MatchString(c.Telegram.Token) {
		errs = append(errs, keyErr("TELEGRAM_BOT_TOKEN", "does not look like a bot token: want the bot's number, a colon and letters, digits, _ or - (123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11 as BotFather gives it), with no spaces or quotes"))
	}
	if sid := c.Twilio.AccountSID; sid != "" && !accountSID.MatchString(sid) {
		errs = append(errs, keyErr("TWILIO_ACCOUNT_SID", "does not look like an Account SID: want AC and 32 hexadecimal digits (Twilio Console, Account Info), with no spaces or quotes"))
	}
	if tok := c.Twilio.AuthToken; tok != "" && !authToken.MatchString(tok) {
		errs = append(errs, keyErr("TWILIO_AUTH_TOKEN", "must be only letters and digits (Twilio Console, Account Info): a stray character, space or quote would fail every send"))
	}
	if strings.Count(c.Telegram.APIEndpoint, "%s") != 2 {
		errs = append(errs, keyErr("TELEGRAM_API_ENDPOINT", "must contain %%s twice (token, then method), e.g. %s", DefaultTelegramAPI))
	} else if err := checkBaseURL(strings.ReplaceAll(c.Telegram.APIEndpoint, "%s", "x")); err != nil {
		errs = append(errs, keyErr("TELEGRAM_API_ENDPOINT", "%v", err))
	}
	if c.Telegram.MaxPerSecond <= 0 {
		errs = append(errs, keyErr("TELEGRAM_MAX_PER_SECOND", "must be above 0"))
	}
	if c.Twilio.APIBaseURL != "" {
		if err := checkBaseURL(c.Twilio.APIBaseURL); err != nil {
			errs = append(errs, keyErr("TWILIO_API_BASE_URL", "%v", err))
		}
	}
	return errors.Join(errs...)
}

func checkBaseURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("%q is not a URL: %v", raw, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("%q must start with http:// or https://", raw)
	}
	if u.Host == "" {
		return fmt.Errorf("%q has no host", raw)
	}
	return nil
}

func splitHostPort(addr string) (string, int, error) {
	i := strings.LastIndex(addr, ":")
	if i < 0 {
		return "", 0, fmt.Errorf("%q has no port", addr)
	}
	p, err := strconv.Atoi(addr[i+1:])
	if err != nil || p < 0 || p > 65535 {
		return "", 0, fmt.Errorf("%q has no valid port", addr)
	}
	return addr[:i], p, nil
}

func validSecretToken(s string) bool {
	if len(s) < 1 || len(s) > 256 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}

func parseFloat(key, v string) (float64, error) {
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return 0, keyErr(key, "%q is not a number", v)
	}
	return f, nil
}

// parseCount reads a whole number from lo to hi.
func parseCount(key, v string, lo, hi int) (int, error) {
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, keyErr(key, "%q is not a whole number from %d to %d", v, lo, hi)
	}
	return n, nil
}

func parseDuration(key, v string) (time.Duration, error) {
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		return 0, keyErr(key, "%q is not a duration such as 1s or 500ms", v)
	}
	return d, nil
}

// localURL is the public URL when none is configured: this machine at the
// listen port, so the printed console address is one that works.
func localURL(addr string) string {
	host, port, err := splitHostPort(addr)
	if err != nil {
		return DefaultPublicURL
	}
	if host == "" || host == "0.0.0.0" || host == "::" || host == "[::]" {
		host = "localhost"
	}
	return fmt.Sprintf("http://%s:%d", host, port)
}

// The shapes of the providers' credentials, checked at start so a value
// pasted wrong fails there, naming the variable, and not at every send.
var (
	// botToken is BotFather's token: the bot's id, a colon, a secret.
	botToken = regexp.MustCompile(`^[0-9]{1,20}:[A-Za-z0-9_-]{1,100}$`)
	// accountSID is a Twilio Account SID.
	accountSID = regexp.MustCompile(`^AC[0-9a-fA-F]{32}$`)
	// authToken is a Twilio auth token; twilio-go refuses any other at
	// every request.
	authToken = regexp.MustCompile(`^[A-Za-z0-9]{1,128}$`)
)
