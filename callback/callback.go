// Package callback is the durable callback scheduler and dialer.
//
// A customer who asked to be called back keeps their place; when their
// callback is due and an operator is free, the Dialer calls the operator
// first, and only once the operator has answered does the call go on to
// the customer (the connect step, served by bots/twilio). The customer
// therefore never answers into silence or a hold queue: a person is on
// the line when they pick up. Callbacks live in the database and are
// leased while dialing, so several switchboard processes share the work
// and one killed mid-dial neither loses a callback nor dials it twice
// (ExpiredDialing and the call's status fetched from the provider).
//
// A customer is never dialled in their quiet hours or outside business
// hours: a callback due then is put off, keeping its place. While a
// callback waits, the Notifier reminds its customer ahead of a booked time
// and tells them, once, when it runs late.
//
// What may be booked and when a failed dial is retried is package
// callback/policy; this package applies it.
package callback

import "context"

// Webhook paths of a callback's call. The provider requests ConnectPath
// when the operator answers and posts call statuses to StatusPath;
// bots/twilio serves both, and the customer's leg reports to ResultPath.
const (
	ConnectPath = "/webhooks/twilio/voice/callback/connect"
	ResultPath  = "/webhooks/twilio/voice/callback/result"
	StatusPath  = "/webhooks/twilio/status"
)

// Placer places and ends the calls of callbacks through the telephony
// provider (bots/twilio implements it with Twilio's REST API).
type Placer interface {
	// PlaceCall calls to (the operator); when answered, the provider
	// requests twimlURL for what to do, and posts the call's statuses to
	// statusURL. It returns the provider's id of the call.
	PlaceCall(ctx context.Context, to, twimlURL, statusURL string) (callSid string, err error)
	// CallStatus fetches the call's status now (queued, ringing,
	// in-progress, completed, busy, no-answer, failed or canceled).
	CallStatus(ctx context.Context, callSid string) (string, error)
	// HangUp ends the call, whatever it is doing.
	HangUp(ctx context.Context, callSid string) error
}
