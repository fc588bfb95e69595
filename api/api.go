// Package api serves the operator JSON API under /api/v1: login, the
// conversation queue, replies, callbacks and the live event stream.
// Handlers only parse the request, call storage or the dialog engine, and
// render JSON; errors become status codes in one place (errors.go).
package api

import (
	"log/slog"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/switchboardhq/switchboard/dialog"
	"github.com/switchboardhq/switchboard/events"
	"github.com/switchboardhq/switchboard/hours"
	"github.com/switchboardhq/switchboard/media"
	"github.com/switchboardhq/switchboard/search"
	"github.com/switchboardhq/switchboard/storage"
)

// Prefix is where the API is mounted.
const Prefix = "/api/v1"

// DefaultSessionTTL is how long a login lasts when Options.SessionTTL is 0.
const DefaultSessionTTL = 12 * time.Hour

// DefaultPingInterval is how often an idle event stream gets a comment, so
// proxies and browsers keep it open.
const DefaultPingInterval = 15 * time.Second

// attachmentsPath takes operators' files, with a larger body limit.
const attachmentsPath = "/conversations/:id/attachments"

// MaxBodyBytes is the largest request body accepted (but see
// maxUploadBody).
const MaxBodyBytes = 1 << 20

// Options wires the API to the rest of switchboard.
type Options struct {
	Store  *storage.Storage
	Engine *dialog.Engine
	// Broker feeds GET /events.
	Broker *events.Broker
	// SessionTTL is how long a login token stays valid; 0 means
	// DefaultSessionTTL.
	SessionTTL time.Duration
	// PingInterval spaces keep-alive comments on event streams; 0 means
	// DefaultPingInterval.
	PingInterval time.Duration
	// Logger is slog.Default() when nil.
	Logger *slog.Logger
	// SecureCookies marks session cookies Secure: set it when
	// SWITCHBOARD_PUBLIC_URL is https.
	SecureCookies bool
	// Dialer is woken by "dial now"; nil when callbacks are not dialled
	// (Twilio is not configured), and "dial now" answers 503.
	Dialer CallbackDialer
	// Media opens messages' files for GET /media/{id}; nil answers 503.
	Media MediaOpener
	// MediaLinks checks the signed links of GET /media/public/{id}; nil
	// answers 404 there.
	MediaLinks *media.Links
	// Search serves GET /search; nil searches Store reading phone numbers
	// only with their country code.
	Search *search.Searcher
	// BusinessHours are the hours callbacks are dialled in (the configured
	// business_hours); the promises report judges callbacks promised
	// outside them by their next opening. Nil is always open.
	BusinessHours *hours.Schedule
	// Desk tunes GET /live.
	Desk DeskOptions
}

// DeskOptions tune the supervisor's live view, GET /live.
type DeskOptions struct {
	// Zone is the desk's time zone (business_hours.time_zone), in which
	// "today" begins when the request names no tz; UTC when nil.
	Zone *time.Location
	// CallbackLateAfter is callbacks.late_after; desk.DefaultLateAfter
	// when zero.
	CallbackLateAfter time.Duration
	// Clock reads the time; time.Now when nil (tests fix it).
	Clock func() time.Time
}

// CallbackDialer is the callback dialer as the API needs it.
type CallbackDialer interface {
	// Wake has the dialer look for due callbacks at once.
	Wake()
}

// API is the operator API. Build it with New and mount it with Register.
type API struct {
	store  *storage.Storage
	engine *dialog.Engine
	broker *events.Broker
	dialer CallbackDialer
	media  MediaOpener
	links  *media.Links
	search *search.Searcher
	hours  *hours.Schedule
	desk   DeskOptions
	ttl    time.Duration
	ping   time.Duration
	log    *slog.Logger
	// secureCookies marks session cookies Secure.
	secureCookies bool

	closeOnce sync.Once
	// closing is closed by CloseStreams to end every event stream.
	closing chan struct{}
}

// New builds the API from o, filling defaults.
func New(o Options) *API {
	a := &API{store: o.Store, engine: o.Engine, broker: o.Broker, dialer: o.Dialer, media: o.Media, ttl: o.SessionTTL, ping: o.PingInterval,
		log: o.Logger, closing: make(chan struct{}), secureCookies: o.SecureCookies}
	a.search, a.links, a.hours, a.desk = o.Search, o.MediaLinks, o.BusinessHours, o.Desk
	if a.desk.Clock == nil {
		a.desk.Clock = time.Now
	}
	if a.desk.Zone == nil {
		a.desk.Zone = time.UTC
	}
	if a.search == nil {
		a.search = search.New(o.Store, "")
	}
	if a.ttl <= 0 {
		a.ttl = DefaultSessionTTL
	}
	if a.ping <= 0 {
		a.ping = DefaultPingInterval
	}
	if a.log == nil {
		a.log = slog.Default()
	}
	return a
}

// Register mounts every route under Prefix on e. Event streams end when
// e.Server shuts down; with a server of your own, call CloseStreams from
// its RegisterOnShutdown. When e has no IPExtractor it gets ClientIP, so
// the addresses in logs and the audit trail cannot be forged.
func (a *API) Register(e *echo.Echo) {
	e.Server.RegisterOnShutdown(a.CloseStreams)
	if e.IPExtractor == nil {
		e.IPExtractor = ClientIP
	}
	g := e.Group(Prefix, a.renderErrors, limitBody)
	g.RouteNotFound("", noRoute)
	g.RouteNotFound("/*", noRoute)
	g.POST("/auth/login", a.login)

	// Per-route, not a sub-group: a sub-group with middleware would take
	// over the not-found route and ask unknown paths for a token.
	authed := a.requireOperator
	g.POST("/auth/logout", a.logout, authed)
	g.GET("/me", a.me, authed)
	g.GET("/conversations", a.listConversations, authed)
	g.GET("/conversations/:id", a.getConversation, authed)
	g.GET("/search", a.searchConversations, authed)
	g.POST("/conversations/:id/claim", a.claim, authed)
	g.POST("/conversations/:id/messages", a.reply, authed)
	g.POST(attachmentsPath, a.sendAttachment, authed)
	g.POST("/conversations/:id/resolve", a.resolve, authed)
	g.POST("/conversations/:id/read", a.markRead, authed)
	g.POST("/conversations/:id/notes", a.addNote, authed)
	g.POST("/conversations/:id/transfer", a.transfer, authed)
	g.PATCH("/messages/:id", a.relabelMessage, authed)
	g.GET("/followups", a.listFollowUps, authed)
	g.POST("/followups/:id/close", a.closeFollowUp, authed)
	g.GET("/customers/:id", a.customerProfile, authed)
	g.GET("/customers/:id/history", a.customerHistory, authed)
	g.PATCH("/customers/:id", a.updateCustomer, authed)
	g.POST("/customers/:id/merge", a.mergeCustomer, authed, onlySupervisors)
	g.POST("/customers/:id/erase", a.eraseCustomer, authed, onlySupervisors)
	g.GET("/callbacks", a.listCallbacks, authed)
	g.POST("/callbacks", a.bookCallback, authed)
	g.PATCH("/callbacks/:id", a.updateCallback, authed)
	g.POST("/callbacks/:id/cancel", a.cancelCallback, authed)
	g.POST("/callbacks/:id/dial", a.dialCallback, authed)
	g.GET("/menu", a.menu, authed)
	g.GET("/canned", a.listCanned, authed)
	g.POST("/canned", a.createCanned, authed, onlySupervisors)
	g.PATCH("/canned/:id", a.updateCanned, authed, onlySupervisors)
	g.DELETE("/canned/:id", a.deleteCanned, authed, onlySupervisors)
	g.POST("/me/presence", a.setPresence, authed)
	g.POST("/me/password", a.changePassword, authed)
	g.GET("/operators", a.listOperators, authed)
	g.POST("/operators", a.createOperator, authed, onlySupervisors)
	g.PATCH("/operators/:id", a.updateOperator, authed, onlySupervisors)
	g.POST("/operators/:id/password", a.resetPassword, authed, onlySupervisors)
	g.GET("/reports/feedback", a.feedbackReport, authed)
	g.GET("/reports/promises", a.promisesReport, authed)
	g.GET("/live", a.liveDesk, authed, onlySupervisors)
	g.GET("/audit", a.listAudit, authed, onlySupervisors)
	g.GET("/events", a.streamEvents, authed)
	g.GET("/media/:id", a.getMedia, authed)
	e.GET(publicMediaRoute, a.getPublicMedia, a.renderErrors)
}

// CloseStreams ends every open event stream, for a graceful shutdown:
// http.Server.Shutdown waits for active requests, and a stream never ends
// by itself.
func (a *API) CloseStreams() {
	a.closeOnce.Do(func() { close(a.closing) })
}
