// Package twilio is switchboard's Twilio adapter for SMS and voice: it
// verifies X-Twilio-Signature on every webhook, turns texts, calls and key
// presses into dialog events, answers calls with TwiML built by twilio-go's
// twiml package, sends SMS through the REST API (twilio-go) from the outbox,
// and applies Twilio's status callbacks to messages and calls.
package twilio

import (
	"context"
	"log/slog"

	"github.com/labstack/echo/v4"
	twilioapi "github.com/twilio/twilio-go"
	"github.com/twilio/twilio-go/client"

	"github.com/switchboardhq/switchboard/dialog"
)

// Submitter commits one event durably and reports what it led to.
type Submitter interface {
	Submit(ctx context.Context, ev dialog.Event) (dialog.Result, error)
}

// Config is what the adapter needs from switchboard's configuration.
type Config struct {
	AccountSID  string
	AuthToken   string
	PhoneNumber string
	// APIBaseURL replaces https://api.twilio.com (tests use a local fake).
	APIBaseURL string
	// PublicURL is switchboard's external base URL: signatures are checked
	// against it plus the request path, whatever a proxy shows us.
	PublicURL string
	// DefaultRegion reads numbers written without a country code.
	DefaultRegion string
}

// Adapter serves Twilio's webhooks and sends through its REST API.
type Adapter struct {
	cfg       Config
	rest      *twilioapi.RestClient
	validator client.RequestValidator
	submitter Submitter
	log       *slog.Logger
	// deliveries applies message status callbacks (status.go).
	deliveries DeliveryTracker
	// calls words what callers hear and records how calls end (voice.go).
	calls Calls
	// callbacks connects and settles callback calls (callback_voice.go).
	callbacks Callbacks
	// files links operators' files for MMS and SMS (send_file.go).
	files FileLinks
}

// New builds the adapter; it makes no network call.
func New(cfg Config, sub Submitter, log *slog.Logger) *Adapter {
	if log == nil {
		log = slog.Default()
	}
	return &Adapter{
		cfg:       cfg,
		rest:      newRestClient(cfg),
		validator: client.NewRequestValidator(cfg.AuthToken),
		submitter: sub,
		log:       log,
	}
}

// webhooksPrefix is where every Twilio webhook lives.
const webhooksPrefix = "/webhooks/twilio"

// Paths of Twilio's webhooks.
const (
	SMSPath    = "/webhooks/twilio/sms"
	VoicePath  = "/webhooks/twilio/voice"
	StatusPath = "/webhooks/twilio/status"
)

// Register mounts every Twilio webhook on e, each behind the signature
// check.
func (a *Adapter) Register(e *echo.Echo) {
	g := e.Group(webhooksPrefix, a.verifySignature)
	a.registerSMS(g)
	a.registerVoice(g)
	a.registerCallbackSteps(g)
	a.registerStatus(g)
}
