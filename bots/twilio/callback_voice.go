package twilio

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/twilio/twilio-go/twiml"

	"github.com/switchboardhq/switchboard/callback"
	"github.com/switchboardhq/switchboard/callback/policy"
	"github.com/switchboardhq/switchboard/dialog"
	"github.com/switchboardhq/switchboard/storage"
)

// A callback's call rings the operator first (callback.Dialer). When they
// answer, Twilio asks the connect step what to do: tell the operator whom
// they are calling and dial the customer. When the customer's leg ends,
// Twilio posts its DialCallStatus to the result step, which settles the
// callback and tells the operator how it went:
//
//	/voice/callback/connect?callback=ID  the operator answered
//	/voice/callback/result?callback=ID   the customer's leg ended

// Paths of the steps of a callback's call.
const (
	CallbackConnectPath = callback.ConnectPath
	CallbackResultPath  = callback.ResultPath
)

// customerRingSeconds is how long the customer's phone rings.
const customerRingSeconds = "30"

// operatorLanguage is the language operators are spoken to in.
const operatorLanguage = "en"

// Callbacks is what the steps of a callback's call need (callback.Dialer).
type Callbacks interface {
	// ConnectCallback is the operator answering call callSid of callback id.
	ConnectCallback(ctx context.Context, id uint64, callSid string) (callback.Connect, error)
	// FinishDial applies how the customer's leg ended.
	FinishDial(ctx context.Context, id uint64, callSid, dialStatus, answeredBy string) (storage.Callback, error)
	// RecordOperatorCall applies a status callback of the operator's leg;
	// found is false for a call that is no callback's.
	RecordOperatorCall(ctx context.Context, callSid, status string) (found, changed bool, err error)
}

// DialCallbacksWith enables the steps of callback calls, and makes call
// status callbacks of those calls settle their callbacks through c. Until
// then the steps answer 503.
func (a *Adapter) DialCallbacksWith(c Callbacks) { a.callbacks = c }

func (a *Adapter) registerCallbackSteps(g *echo.Group) {
	g.POST(strings.TrimPrefix(CallbackConnectPath, webhooksPrefix), a.connectCallback)
	g.POST(strings.TrimPrefix(CallbackResultPath, webhooksPrefix), a.callbackResult)
	g.POST(strings.TrimPrefix(CallbackAMDPath, webhooksPrefix), a.callbackMachineDetected)
}

// errCallbacksDisabled answers callback steps of an adapter without
// Callbacks.
var errCallbacksDisabled = errors.New("callback dialling is not enabled")

// callbackStep reads the callback and the call a step is about.
func (a *Adapter) callbackStep(c echo.Context) (uint64, string, error) {
	if a.callbacks == nil {
		return 0, "", errCallbacksDisabled
	}
	raw := c.QueryParam("callback")
	id, err := strconv.ParseUint(raw, 10, 64)
	if err != nil || id == 0 {
		return 0, "", fmt.Errorf("callback %q is not a callback id", raw)
	}
	sid := strings.TrimSpace(c.Request().PostForm.Get("CallSid"))
	if sid == "" {
		return 0, "", errors.New("CallSid is missing")
	}
	return id, sid, nil
}

// rejectCallbackStep answers a step that cannot be taken.
func rejectCallbackStep(c echo.Context, err error) error {
	if errors.Is(err, errCallbacksDisabled) {
		return c.JSON(http.StatusServiceUnavailable, map[string]string{"error": err.Error()})
	}
	return rejectCall(c, err)
}

// connectCallback answers POST /webhooks/twilio/voice/callback/connect:
// the operator answered. They hear whom they are calling back, then the
// customer is dialled from TWILIO_PHONE_NUMBER; if the callback was
// cancelled or settled meanwhile, they are told so and the call ends.
func (a *Adapter) connectCallback(c echo.Context) error {
	id, sid, err := a.callbackStep(c)
	if err != nil {
		return rejectCallbackStep(c, err)
	}
	conn, err := a.callbacks.ConnectCallback(c.Request().Context(), id, sid)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		return a.writeTwiML(c, tellOperator("This callback no longer exists. Goodbye."))
	case err != nil:
		a.log.Error("connect callback call", "callback_id", id, "call_sid", sid, "err", err)
		return c.JSON(http.StatusServiceUnavailable, map[string]string{"error": "callback not loaded, try again"})
	}
	return a.writeTwiML(c, a.connectTwiML(conn))
}

// callbackResult answers POST /webhooks/twilio/voice/callback/result, the
// action of the customer's Dial: the callback is settled by DialCallStatus
// and the operator told how, then the call ends. A repeated post changes
// nothing and is answered alike.
func (a *Adapter) callbackResult(c echo.Context) error {
	id, sid, err := a.callbackStep(c)
	if err != nil {
		return rejectCallbackStep(c, err)
	}
	form := c.Request().PostForm
	status := strings.ToLower(strings.TrimSpace(form.Get("DialCallStatus")))
	if !policy.CallFinal(status) {
		return rejectCall(c, fmt.Errorf("DialCallStatus %q is not how a dial ends", status))
	}
	cb, err := a.callbacks.FinishDial(c.Request().Context(), id, sid, status, form.Get("AnsweredBy"))
	switch {
	case errors.Is(err, storage.ErrNotFound):
		return a.writeTwiML(c, tellOperator("This callback no longer exists. Goodbye."))
	case err != nil:
		a.log.Error("apply callback dial result", "callback_id", id, "call_sid", sid, "err", err)
		return c.JSON(http.StatusServiceUnavailable, map[string]string{"error": "dial result not stored, try again"})
	}
	return a.writeTwiML(c, tellOperator(resultText(cb, status)))
}

// connectTwiML tells the operator whom they call back and dials the
// customer, with the result step as the Dial's action.
func (a *Adapter) connectTwiML(conn callback.Connect) []twiml.Element {
	cb := conn.Callback
	if !conn.Live {
		if cb.State == policy.Cancelled {
			return tellOperator("This callback was cancelled. Goodbye.")
		}
		return tellOperator("This callback is no longer waiting for you. Goodbye.")
	}
	who := conn.Customer
	if who == "" {
		who = dialog.SpokenDigits(cb.Phone)
	}
	intro := "Callback"
	if cb.ConversationID != nil {
		intro += " for ticket " + dialog.SpokenTicket(*cb.ConversationID)
	}
	callerID := conn.CallerID
	if callerID == "" {
		callerID = a.cfg.PhoneNumber
	}
	return []twiml.Element{
		say(operatorLanguage, fmt.Sprintf("%s, to %s. Connecting you now.", intro, who)),
		twiml.VoiceDial{CallerId: callerID, Timeout: customerRingSeconds,
			Action:        a.voiceURL(CallbackResultPath, url.Values{"callback": {strconv.FormatUint(cb.ID, 10)}}),
			InnerElements: []twiml.Element{a.customerNumber(conn)}},
	}
}

// resultText tells the operator how the callback stands after the
// customer's leg ended with dialStatus.
func resultText(cb storage.Callback, dialStatus string) string {
	line := map[string]string{
		answeringMachine:    "An answering machine answered.",
		policy.CallBusy:     "The customer's line was busy.",
		policy.CallNoAnswer: "The customer did not answer.",
		policy.CallFailed:   "The call to the customer could not be made.",
		policy.CallCanceled: "The call to the customer was ended before they answered.",
	}[dialStatus]
	switch cb.State {
	case policy.Completed:
		return "The callback is done. Thank you. Goodbye."
	case policy.Scheduled:
		return fmt.Sprintf("%s The callback is scheduled again for %s UTC. Goodbye.", line, cb.NextAttemptAt.UTC().Format("15:04"))
	case policy.Failed:
		return fmt.Sprintf("%s That was the last attempt: the customer has been told and may book again. Goodbye.", line)
	case policy.Cancelled:
		return "This callback was cancelled. Goodbye."
	}
	return "Thank you. Goodbye."
}

// tellOperator says text to the operator and ends the call.
func tellOperator(text string) []twiml.Element {
	return []twiml.Element{say(operatorLanguage, text), twiml.VoiceHangup{}}
}
