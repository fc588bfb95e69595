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
	openapi "github.com/twilio/twilio-go/rest/api/v2010"
	"github.com/twilio/twilio-go/twiml"

	"github.com/switchboardhq/switchboard/callback"
	"github.com/switchboardhq/switchboard/callback/policy"
	"github.com/switchboardhq/switchboard/storage"
)

// With callbacks.machine_detection on, the customer's <Number> asks Twilio
// for answering machine detection, and Twilio posts its verdict
// (AnsweredBy) on the customer's leg to
//
//	/voice/callback/amd?callback=ID&call=SID  SID is the operator's call

// CallbackAMDPath is where Twilio posts who answered a callback's
// customer leg.
const CallbackAMDPath = "/webhooks/twilio/voice/callback/amd"

// answeringMachine is how resultText names a dial a machine answered.
const answeringMachine = "machine"

// customerNumber is the <Number> the connect step dials the customer at;
// when conn asks for machine detection, Twilio listens for a person or a
// machine and posts the verdict to the AMD step of this callback and this
// operator's call.
func (a *Adapter) customerNumber(conn callback.Connect) twiml.VoiceNumber {
	cb := conn.Callback
	n := twiml.VoiceNumber{PhoneNumber: cb.Phone}
	if conn.MachineDetection {
		n.MachineDetection = "Enable"
		n.AmdStatusCallback = a.voiceURL(CallbackAMDPath, url.Values{
			"callback": {strconv.FormatUint(cb.ID, 10)}, "call": {cb.CallSid}})
		n.AmdStatusCallbackMethod = http.MethodPost
	}
	return n
}

// callbackMachineDetected answers POST /webhooks/twilio/voice/callback/amd,
// Twilio's verdict on who answered the customer's leg. A person (human,
// or unknown) changes nothing: the call goes on. A machine counts as no
// answer: the callback is tried again or fails as after a dial nobody
// answered (Callbacks.FinishDial, which the Dial's own result then finds
// settled), and the operator's call is redirected out of its Dial, which
// ends the customer's leg before the operator talks to a voicemail, to
// hear how the callback stands. A repeated verdict changes nothing more.
func (a *Adapter) callbackMachineDetected(c echo.Context) error {
	id, _, err := a.callbackStep(c)
	if err != nil {
		return rejectCallbackStep(c, err)
	}
	operatorCall := strings.TrimSpace(c.QueryParam("call"))
	if operatorCall == "" {
		return rejectCall(c, errors.New("call is missing: the operator's call the verdict belongs to"))
	}
	answeredBy := c.Request().PostForm.Get("AnsweredBy")
	if policy.Outcome(policy.CallCompleted, answeredBy) == policy.CallCompleted {
		return c.NoContent(http.StatusOK)
	}
	ctx := c.Request().Context()
	cb, err := a.callbacks.FinishDial(ctx, id, operatorCall, policy.CallCompleted, answeredBy)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		return c.NoContent(http.StatusOK)
	case err != nil:
		a.log.Error("apply answering machine verdict", "callback_id", id, "call_sid", operatorCall, "err", err)
		return c.JSON(http.StatusServiceUnavailable, map[string]string{"error": "verdict not stored, try again"})
	}
	if cb.CallSid != operatorCall || (cb.State != policy.Scheduled && cb.State != policy.Failed) {
		return c.NoContent(http.StatusOK) // another call's, or completed or cancelled meanwhile
	}
	a.log.Info("callback answered by a machine", "callback_id", id, "answered_by", answeredBy, "state", cb.State)
	if err := a.redirectCall(ctx, operatorCall, tellOperator(resultText(cb, answeringMachine))); err != nil {
		a.log.Warn("redirect the operator away from an answering machine", "callback_id", id, "call_sid", operatorCall, "err", err)
	}
	return c.NoContent(http.StatusOK)
}

// redirectCall has call callSid leave what it is doing (a Dial: its other
// leg ends) and follow verbs instead.
func (a *Adapter) redirectCall(ctx context.Context, callSid string, verbs []twiml.Element) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	doc, err := twiml.Voice(verbs)
	if err != nil {
		return fmt.Errorf("render TwiML for call %s: %w", callSid, err)
	}
	if _, err := a.rest.Api.UpdateCall(callSid, (&openapi.UpdateCallParams{}).SetTwiml(doc)); err != nil {
		return fmt.Errorf("twilio: redirect call %s: %w", callSid, err)
	}
	return nil
}
