package twilio

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/twilio/twilio-go/twiml"

	"github.com/switchboardhq/switchboard/dialog"
	"github.com/switchboardhq/switchboard/metrics"
)

// queueResult answers POST /webhooks/twilio/voice/queue-result, the action
// of the call queue's Enqueue: Twilio requests it when the call leaves the
// queue (for a call put through to a person, when that conversation ends)
// with QueueResult and QueueTime, the seconds spent in the queue. The
// waits told to the caller are settled by it (Calls.RecordQueueResult) and
// the call, whose TwiML continues here, hangs up. QueueTime may be absent
// only when the call never reached a person (Twilio leaves it out of a call
// that could not be queued).
func (a *Adapter) queueResult(c echo.Context) error {
	r, err := a.parseQueueResult(c)
	if err != nil {
		return rejectCall(c, err)
	}
	ctx, cancel := context.WithTimeout(c.Request().Context(), submitTimeout)
	defer cancel()
	settled, err := a.calls.RecordQueueResult(ctx, r)
	switch {
	case err != nil:
		metrics.WebhookUpdates.WithLabelValues("twilio", "error").Inc()
		a.log.Error("store twilio queue result", "sid", r.CallSid, "err", err)
		return c.JSON(http.StatusServiceUnavailable, map[string]string{"error": "queue result not stored"})
	case settled:
		metrics.WebhookUpdates.WithLabelValues("twilio", "handled").Inc()
	default:
		metrics.WebhookUpdates.WithLabelValues("twilio", "ignored").Inc()
	}
	return a.writeTwiML(c, []twiml.Element{twiml.VoiceHangup{}})
}

// parseQueueResult reads CallSid, QueueResult and QueueTime.
func (a *Adapter) parseQueueResult(c echo.Context) (dialog.QueueResult, error) {
	if a.calls == nil {
		return dialog.QueueResult{}, errVoiceDisabled
	}
	form := c.Request().PostForm
	r := dialog.QueueResult{CallSid: strings.TrimSpace(form.Get("CallSid")),
		Result: strings.ToLower(strings.TrimSpace(form.Get("QueueResult")))}
	switch {
	case r.CallSid == "":
		return r, errors.New("CallSid is missing")
	case r.Result == "":
		return r, errors.New("QueueResult is missing")
	}
	raw := strings.TrimSpace(form.Get("QueueTime"))
	if raw == "" && !dialog.QueueAnswered(r.Result) {
		return r, nil
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < 0 {
		return r, fmt.Errorf("QueueTime %q is not a number of seconds", raw)
	}
	r.Seconds = n
	return r, nil
}
