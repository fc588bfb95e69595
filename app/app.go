// Package app assembles switchboard from its parts — storage, the dialog
// engine, channel adapters, outbox delivery, the operator API — and runs
// them together until asked to stop. cmd/switchboard and end-to-end tests
// both build it here, so tests run exactly what ships.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/switchboardhq/switchboard/api"
	"github.com/switchboardhq/switchboard/auth"
	"github.com/switchboardhq/switchboard/bots/telegram"
	"github.com/switchboardhq/switchboard/bots/twilio"
	"github.com/switchboardhq/switchboard/callback"
	"github.com/switchboardhq/switchboard/config"
	"github.com/switchboardhq/switchboard/desk"
	"github.com/switchboardhq/switchboard/dialog"
	"github.com/switchboardhq/switchboard/events"
	"github.com/switchboardhq/switchboard/feedback"
	"github.com/switchboardhq/switchboard/live"
	"github.com/switchboardhq/switchboard/media"
	"github.com/switchboardhq/switchboard/metrics"
	"github.com/switchboardhq/switchboard/outbox"
	"github.com/switchboardhq/switchboard/search"
	"github.com/switchboardhq/switchboard/storage"
)

// App is a running switchboard.
type App struct {
	cfg    config.Config
	log    *slog.Logger
	Store  *storage.Storage
	Broker *events.Broker
	// Live shares events, presence, Telegram's rate budget and the
	// Telegram poller with the other processes on one PostgreSQL; nil on
	// SQLite, where switchboard runs as one process.
	Live *live.Layer
	// Bus carries events between the processes; nil on SQLite.
	Bus        *live.Bus
	Engine     *dialog.Engine
	Committer  *dialog.Committer
	Dispatcher *outbox.Dispatcher
	API        *api.API
	Telegram   *telegram.Bot
	// Twilio serves SMS and voice; nil when Twilio is not configured.
	Twilio *twilio.Adapter
	// Dialer dials due callbacks through Twilio; nil when Twilio is not
	// configured.
	Dialer *callback.Dialer
	// Notifier reminds customers of booked callbacks and tells them when
	// one runs late; nil, like Dialer, when Twilio is not configured.
	Notifier *callback.Notifier
	// Surveys sends each resolved ticket's survey when it falls due.
	Surveys *feedback.Scheduler
	// Presence keeps operators' presence in step with their event
	// streams: in process on SQLite (dialog.PresenceTracker), across
	// processes on PostgreSQL (live.Presence).
	Presence interface{ Run(context.Context) error }
	HTTP     *echo.Echo
	// AdminPassword is set when start-up generated the first supervisor's
	// password; it is shown once.
	AdminPassword string
	listener      net.Listener
	livePresence  *live.Presence
	// clock is Options.Clock: nil, the wall clock.
	clock func() time.Time
}

// OnlineOperators counts operators with an open event stream: on any
// process with PostgreSQL, in this one with SQLite. The wait estimate
// divides the queue among them.
func (a *App) OnlineOperators() int {
	if a.livePresence != nil {
		return a.livePresence.OnlineOperators()
	}
	return a.Broker.OnlineOperators()
}

// Options are the knobs tests turn; production uses the zero value.
type Options struct {
	Logger *slog.Logger
	Clock  func() time.Time
	Outbox outbox.Config
	// PresenceGrace is how long an operator keeps their presence after
	// their last event stream closes; 0 means dialog.DefaultPresenceGrace.
	PresenceGrace time.Duration
	// SMSLimits replaces twilio.SMSLimits when set (tests shorten the
	// pause between two messages to one customer).
	SMSLimits *outbox.Limits
	// CommitWorkers is how many group commits run at once; 0 means
	// cfg.CommitWorkers, or DefaultCommitWorkers when that is 0 too.
	CommitWorkers int
	// Callbacks tunes the callback dialer (tests shorten its poll interval
	// and lease, or name its owner); the rest of its configuration comes
	// from cfg.
	Callbacks callback.DialerConfig
	// Notify tunes the callback notifier (tests shorten its interval); the
	// rest of its configuration comes from cfg.
	Notify callback.NotifierConfig
	// Surveys tunes the survey scheduler (tests shorten its interval).
	Surveys feedback.Config
	// Bus tunes the event bus between processes on PostgreSQL (tests
	// shorten its retention).
	Bus live.BusConfig
	// LivePresence tunes presence across processes on PostgreSQL (tests
	// shorten the heartbeat); its Grace comes from PresenceGrace.
	LivePresence live.PresenceConfig
}

// DefaultCommitWorkers is how many group commits run at once on
// PostgreSQL. One commit at a time gathers every event that arrives during
// the one before; a second worker (a free worker takes the events of every
// chat no other batch holds) overlaps two batches but splits the events
// into smaller ones, and on two cores, with switchboard in a process of
// its own, it took no more updates per second and more CPU
// (BENCHMARKS.md). SQLite has one writer and always one worker. Every
// chat keeps to one batch at a time, so SWITCHBOARD_COMMIT_WORKERS may
// raise it on a machine with cores to spare.
const DefaultCommitWorkers = 1

// StartupError is a problem that should stop start-up with exit status 2.
type StartupError struct{ Err error }

func (e *StartupError) Error() string { return e.Err.Error() }
func (e *StartupError) Unwrap() error { return e.Err }

// New connects to the database, migrates it, seeds the first supervisor and
// builds every part. It does not start serving; call Run.
func New(ctx context.Context, cfg config.Config, o Options) (*App, error) {
	log := o.Logger
	if log == nil {
		log = slog.Default()
	}
	store, err := storage.OpenMax(ctx, cfg.DatabaseURL, cfg.DatabaseMaxConns)
	if err != nil {
		return nil, &StartupError{fmt.Errorf("SWITCHBOARD_DATABASE_URL: %w", err)}
	}
	a := &App{cfg: cfg, log: log, Store: store, Broker: events.NewBroker(), clock: o.Clock}
	built := false
	defer func() {
		// Every failed step below closes the store; the live layer too.
		if !built && a.Live != nil {
			a.Live.Close()
		}
	}()
	if n, err := store.Migrate(ctx); err != nil {
		store.Close()
		return nil, fmt.Errorf("migrate database: %w", err)
	} else if n > 0 {
		log.Info("database migrated", "applied", n, "schema_version", storage.SchemaVersion())
	}
	if store.Dialect() == storage.Postgres {
		a.Live, err = live.Open(ctx, live.Config{DatabaseURL: cfg.DatabaseURL, ListenURL: cfg.ListenDatabaseURL, Logger: log})
		if err != nil {
			store.Close()
			return nil, &StartupError{fmt.Errorf("SWITCHBOARD_DATABASE_URL: %w", err)}
		}
		if a.Bus, err = a.Live.NewBus(ctx, a.Broker, api.EncodeEventData, o.Bus); err != nil {
			store.Close()
			return nil, &StartupError{fmt.Errorf("SWITCHBOARD_DATABASE_URL: %w", err)}
		}
	}
	a.AdminPassword, err = auth.EnsureAdmin(ctx, store, cfg.AdminEmail, cfg.AdminPassword)
	if err != nil {
		store.Close()
		return nil, fmt.Errorf("create first supervisor: %w", err)
	}
	a.Dispatcher = outbox.New(store, o.Outbox, a.Broker, log)
	a.Engine, err = dialog.New(store, dialog.Options{
		Settings: cfg.Settings, Broker: a.Broker, Clock: o.Clock, Logger: log,
		OnlineOperators: a.OnlineOperators, OutboxWritten: a.Dispatcher.Wake,
		Handoff: a.Dispatcher.Handoff, HandoffLease: a.Dispatcher.LeaseFor(),
		TextCallers: cfg.Twilio.Enabled(),
	})
	if err != nil {
		store.Close()
		return nil, &StartupError{err}
	}
	if err := a.Engine.CheckFeedbackOwner(ctx); err != nil {
		store.Close()
		return nil, fmt.Errorf("check feedback_owner: %w", err)
	}
	workers, batch := DefaultCommitWorkers, 128
	if cfg.CommitWorkers > 0 {
		workers = cfg.CommitWorkers
	}
	if o.CommitWorkers > 0 {
		workers = o.CommitWorkers
	}
	if store.Dialect() == storage.SQLite {
		workers = 1 // one writer: a second batch would only wait for it
	}
	a.Committer = dialog.NewCommitter(a.Engine, workers, batch)
	if a.Live != nil {
		pc := o.LivePresence
		pc.Grace = o.PresenceGrace
		a.livePresence = a.Live.NewPresence(a.Engine, a.Broker, pc)
		a.Presence = a.livePresence
	} else {
		a.Presence = dialog.NewPresenceTracker(a.Engine, a.Broker, dialog.PresenceConfig{Grace: o.PresenceGrace, Logger: log})
	}
	mediaService := media.NewService(store, mediaConfig(cfg, log))
	var mediaLinks *media.Links
	if secret := cfg.MediaLinkSecret(); secret != "" {
		mediaLinks = media.NewLinks(secret, cfg.PublicURL, 0)
	}
	if cfg.Telegram.Enabled() {
		a.Telegram, err = telegram.Connect(cfg.Telegram.Token, cfg.Telegram.APIEndpoint, a.Committer, log)
		if err != nil {
			store.Close()
			return nil, &StartupError{fmt.Errorf("TELEGRAM_BOT_TOKEN: %w", err)}
		}
		a.Telegram.SendFilesFrom(mediaService)
		limits := outbox.Limits{PerSecond: cfg.Telegram.MaxPerSecond, ChatInterval: cfg.Telegram.ChatInterval}
		if a.Live != nil {
			// Telegram limits the bot, not the process: share one budget.
			a.Dispatcher.RegisterPaced(dialog.ChannelTelegram, a.Telegram, limits, a.Live.SendBudget(dialog.ChannelTelegram, limits))
		} else {
			a.Dispatcher.Register(dialog.ChannelTelegram, a.Telegram, limits)
		}
	} else {
		log.Info("telegram disabled: TELEGRAM_BOT_TOKEN is not set")
	}
	if cfg.Twilio.Enabled() {
		a.Twilio = twilio.New(twilio.Config{
			AccountSID: cfg.Twilio.AccountSID, AuthToken: cfg.Twilio.AuthToken, PhoneNumber: cfg.Twilio.PhoneNumber,
			APIBaseURL: cfg.Twilio.APIBaseURL, PublicURL: cfg.PublicURL, DefaultRegion: cfg.Settings.DefaultRegion,
		}, a.Committer, log)
		a.Twilio.TrackDeliveriesWith(a.Dispatcher)
		if mediaLinks != nil {
			a.Twilio.SendFilesWith(mediaLinks)
		}
		a.Twilio.AnswerCallsWith(a.Engine)
		limits := twilio.SMSLimits
		if o.SMSLimits != nil {
			limits = *o.SMSLimits
		}
		a.Dispatcher.Register(dialog.ChannelSMS, a.Twilio.SMSSender(), limits)
		slots, err := cfg.Settings.SlotPolicy()
		if err != nil {
			store.Close()
			return nil, &StartupError{err}
		}
		dc := o.Callbacks
		dc.PublicURL, dc.From, dc.Retry, dc.Slots = cfg.PublicURL, cfg.Twilio.PhoneNumber, cfg.Settings.Callbacks.RetryPolicy(), slots
		dc.MachineDetection = cfg.Settings.Callbacks.MachineDetection
		if dc.Clock == nil {
			dc.Clock = o.Clock
		}
		if dc.Logger == nil {
			dc.Logger = log
		}
		a.Dialer = callback.NewDialer(store, a.Engine, a.Twilio.CallPlacer(), dc)
		a.Twilio.DialCallbacksWith(a.Dialer)
		// Reminders and late notices promise a call, so they run only where
		// callbacks are dialled.
		nc := o.Notify
		nc.RemindBefore, nc.LateAfter, nc.Slots = cfg.Settings.Callbacks.RemindBefore, cfg.Settings.Callbacks.LateAfter, slots
		if nc.Clock == nil {
			nc.Clock = dc.Clock
		}
		if nc.Logger == nil {
			nc.Logger = log
		}
		a.Notifier = callback.NewNotifier(store, a.Engine, nc)
	} else {
		log.Info("twilio SMS, voice and callback dialling disabled: TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_PHONE_NUMBER are not all set")
	}
	sc := o.Surveys
	if sc.Clock == nil {
		sc.Clock = o.Clock
	}
	if sc.Logger == nil {
		sc.Logger = log
	}
	a.Surveys = feedback.NewScheduler(store, a.Engine, sc)
	apiOpts := api.Options{Store: store, Engine: a.Engine, Broker: a.Broker, Logger: log,
		Search:        search.New(store, cfg.Settings.DefaultRegion),
		SecureCookies: strings.HasPrefix(cfg.PublicURL, "https://"),
		Desk:          a.deskOptions(o.Clock)}
	if a.Dialer != nil {
		apiOpts.Dialer = a.Dialer
	}
	apiOpts.Media, apiOpts.MediaLinks = mediaService, mediaLinks
	// The hours the dialer keeps (its slot policy's business hours), for
	// the promises report; validated with the settings.
	if apiOpts.BusinessHours, err = cfg.Settings.BusinessHours.Schedule(); err != nil {
		return nil, fmt.Errorf("business hours: %w", err)
	}
	a.API = api.New(apiOpts)
	metrics.SetStateSource(a.metricsState)
	a.HTTP = a.routes()
	built = true
	return a, nil
}

// Listen binds the HTTP address; Run then serves on it. Tests pass ":0"
// through config and read Addr.
func (a *App) Listen() error {
	ln, err := net.Listen("tcp", a.cfg.Addr)
	if err != nil {
		return &StartupError{fmt.Errorf("SWITCHBOARD_ADDR: %w", err)}
	}
	a.listener = ln
	return nil
}

// Addr is the bound listen address.
func (a *App) Addr() string {
	if a.listener == nil {
		return a.cfg.Addr
	}
	return a.listener.Addr().String()
}

// Run serves until ctx is done, then shuts down gracefully: stop taking
// requests, finish those in flight, commit what was submitted, let
// deliveries in flight finish, close the database.
func (a *App) Run(ctx context.Context) error {
	if a.listener == nil {
		if err := a.Listen(); err != nil {
			return err
		}
	}
	workCtx, stopWork := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	start := func(name string, fn func(context.Context)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn(workCtx)
			a.log.Debug("stopped", "part", name)
		}()
	}
	committerCtx, stopCommitter := context.WithCancel(context.Background())
	committerDone := make(chan struct{})
	go func() { a.Committer.Run(committerCtx); close(committerDone) }()
	if a.Bus != nil {
		start("events", func(ctx context.Context) { _ = a.Bus.Run(ctx) })
	}
	start("outbox", func(ctx context.Context) { _ = a.Dispatcher.Run(ctx) })
	start("presence", func(ctx context.Context) { _ = a.Presence.Run(ctx) })
	if a.Dialer != nil {
		start("callbacks", func(ctx context.Context) { _ = a.Dialer.Run(ctx) })
	}
	if a.Notifier != nil {
		start("callback notices", func(ctx context.Context) { _ = a.Notifier.Run(ctx) })
	}
	start("surveys", func(ctx context.Context) { _ = a.Surveys.Run(ctx) })
	// Intake (long polling) stops first, then the committer drains, then
	// delivery stops: replies committed in the drain are still handed off
	// to a running dispatcher, which releases what it cannot send.
	intakeCtx, stopIntake := context.WithCancel(context.Background())
	intakeDone := make(chan struct{})
	go func() {
		defer close(intakeDone)
		if a.Telegram != nil && a.cfg.Telegram.WebhookSecret == "" {
			poll := func(ctx context.Context) { _ = a.Telegram.Poll(ctx) }
			if a.Live != nil {
				// Telegram allows one poller: the processes on one
				// PostgreSQL elect it.
				a.Live.Lead(intakeCtx, "telegram-poller", poll)
			} else {
				poll(intakeCtx)
			}
		}
	}()
	srv := newServer(a.HTTP)
	srv.RegisterOnShutdown(a.API.CloseStreams)
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(a.listener) }()
	a.log.Info("switchboard listening", "addr", a.Addr(), "console", a.cfg.PublicURL+"/")

	var err error
	select {
	case <-ctx.Done():
	case err = <-serveErr:
	}
	shutCtx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if shErr := srv.Shutdown(shutCtx); shErr != nil {
		a.log.Warn("http shutdown", "err", shErr)
	}
	stopIntake()
	<-intakeDone
	stopCommitter()
	<-committerDone
	stopWork()
	wg.Wait()
	if a.Live != nil {
		a.Live.Close()
	}
	if cErr := a.Store.Close(); cErr != nil {
		a.log.Warn("close database", "err", cErr)
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

func (a *App) metricsState(ctx context.Context) (metrics.State, error) {
	byState, err := a.Store.CountByState(ctx)
	if err != nil {
		return metrics.State{}, err
	}
	pending, err := a.Store.CountPendingOutbox(ctx)
	if err != nil {
		return metrics.State{}, err
	}
	d := a.deskOptions(a.clock)
	snap, err := desk.Read(ctx, a.Store, d.Clock(), desk.Options{LateAfter: d.CallbackLateAfter})
	if err != nil {
		return metrics.State{}, err
	}
	st := metrics.State{ConversationsByState: byState, OutboxPending: pending, LongestWait: snap.LongestWait,
		WaitingByChannel: map[string]int64{}, OperatorsByPresence: map[string]int64{},
		CallbacksDue: int64(snap.CallbacksDue), CallbacksLate: int64(snap.CallbacksLate)}
	for ch, n := range snap.WaitingByChannel {
		st.WaitingByChannel[ch] = int64(n)
	}
	for p, n := range snap.OperatorsByPresence {
		st.OperatorsByPresence[p] = int64(n)
	}
	return st, nil
}

// deskOptions are the live view's settings: the desk's time zone and
// callbacks' late_after from the configuration, and clock (time.Now when
// nil).
func (a *App) deskOptions(clock func() time.Time) api.DeskOptions {
	if clock == nil {
		clock = time.Now
	}
	d := api.DeskOptions{CallbackLateAfter: a.cfg.Settings.Callbacks.LateAfter, Clock: clock}
	if sched, err := a.cfg.Settings.BusinessHours.Schedule(); err == nil {
		d.Zone = sched.Location()
	}
	return d
}

// mediaConfig gives the media service a fetcher for each configured
// channel that receives files.
func mediaConfig(cfg config.Config, log *slog.Logger) media.Config {
	mc := media.Config{Fetchers: map[string]media.Fetcher{}, Logger: log}
	if cfg.Telegram.Enabled() {
		mc.Fetchers[dialog.ChannelTelegram] = media.Telegram{Token: cfg.Telegram.Token, Endpoint: cfg.Telegram.APIEndpoint}
	}
	if cfg.Twilio.Enabled() {
		mc.Fetchers[dialog.ChannelSMS] = media.Twilio{AccountSID: cfg.Twilio.AccountSID, AuthToken: cfg.Twilio.AuthToken,
			APIBaseURL: cfg.Twilio.APIBaseURL}
	}
	return mc
}
