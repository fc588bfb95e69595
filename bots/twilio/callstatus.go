package twilio

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/switchboardhq/switchboard/dialog"
	"github.com/switchboardhq/switchboard/metrics"
)

// callStatus takes a call's status callback (CallSid, CallStatus,
// CallDuration) from /webhooks/twilio/status: a callback's call settles its
// callback (Callbacks.RecordOperatorCall); any other records how the call
// ended in its conversation, once. Progress statuses, repeats, a status
// arriving after the call's end was recorded, and calls switchboard never
// answered are acknowledged and change nothing.
func (a *Adapter) callStatus(c echo.Context, form url.Values) error {
	s := dialog.CallStatus{CallSid: strings.TrimSpace(form.Get("CallSid")),
		Status: strings.ToLower(strings.TrimSpace(form.Get("CallStatus")))}
	if s.Status == "" {
		return rejectCall(c, fmt.Errorf("CallStatus is missing"))
	}
	if d := strings.TrimSpace(form.Get("CallDuration")); d != "" {
		n, err := strconv.Atoi(d)
		if err != nil || n < 0 {
			return rejectCall(c, fmt.Errorf("CallDuration %q is not a number of seconds", d))
		}
		s.Seconds = n
	}
	if a.calls == nil && a.callbacks == nil {
		metrics.WebhookUpdates.WithLabelValues("twilio", "ignored").Inc()
		return c.NoContent(http.StatusOK)
	}
	return a.applyStatus(c, "call status", s.CallSid, func(ctx context.Context) (bool, error) {
		if a.callbacks != nil {
			// A callback's call, placed by switchboard, settles its callback.
			found, changed, err := a.callbacks.RecordOperatorCall(ctx, s.CallSid, s.Status)
			if err != nil || found {
				return changed, err
			}
		}
		if a.calls == nil {
			return false, nil
		}
		return a.calls.RecordCallStatus(ctx, s)
	})
}
