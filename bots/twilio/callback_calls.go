package twilio

import (
	"context"
	"errors"
	"fmt"

	openapi "github.com/twilio/twilio-go/rest/api/v2010"
)

// callEvents are the progress events of a callback's call that Twilio
// posts to its StatusCallback.
var callEvents = []string{"initiated", "ringing", "answered", "completed"}

// CallPlacer places, watches and ends the calls of callbacks through
// Twilio's REST API (it is a callback.Placer): calls come from
// TWILIO_PHONE_NUMBER and report every step to their status callback.
type CallPlacer struct{ a *Adapter }

// CallPlacer returns the adapter's placer of callback calls.
func (a *Adapter) CallPlacer() *CallPlacer { return &CallPlacer{a: a} }

// PlaceCall creates a call to to; when it is answered Twilio requests
// twimlURL, and it posts the call's statuses to statusURL.
func (p *CallPlacer) PlaceCall(ctx context.Context, to, twimlURL, statusURL string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	params := (&openapi.CreateCallParams{}).SetTo(to).SetFrom(p.a.cfg.PhoneNumber).SetUrl(twimlURL).
		SetStatusCallback(statusURL).SetStatusCallbackEvent(callEvents)
	call, err := p.a.rest.Api.CreateCall(params)
	if err != nil {
		return "", fmt.Errorf("twilio: create call: %w", err)
	}
	if call.Sid == nil || *call.Sid == "" {
		return "", errors.New("twilio: create call: the answer has no call sid")
	}
	return *call.Sid, nil
}

// CallStatus fetches the call's status from Twilio.
func (p *CallPlacer) CallStatus(ctx context.Context, callSid string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	call, err := p.a.rest.Api.FetchCall(callSid, &openapi.FetchCallParams{})
	if err != nil {
		return "", fmt.Errorf("twilio: fetch call %s: %w", callSid, err)
	}
	if call.Status == nil {
		return "", fmt.Errorf("twilio: fetch call %s: the answer has no status", callSid)
	}
	return *call.Status, nil
}

// HangUp ends the call, ringing or in progress.
func (p *CallPlacer) HangUp(ctx context.Context, callSid string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if _, err := p.a.rest.Api.UpdateCall(callSid, (&openapi.UpdateCallParams{}).SetStatus("completed")); err != nil {
		return fmt.Errorf("twilio: hang up call %s: %w", callSid, err)
	}
	return nil
}
