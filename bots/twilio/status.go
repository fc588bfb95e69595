package twilio

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/switchboardhq/switchboard/dialog"
	"github.com/switchboardhq/switchboard/metrics"
	"github.com/switchboardhq/switchboard/outbox"
	"github.com/switchboardhq/switchboard/storage"
)

// DeliveryTracker applies what Twilio later says about a message it
// accepted (outbox.Dispatcher does).
type DeliveryTracker interface {
	TrackDelivery(ctx context.Context, r outbox.DeliveryReport) (bool, error)
}

// TrackDeliveriesWith makes message status callbacks update messages
// through t.
func (a *Adapter) TrackDeliveriesWith(t DeliveryTracker) { a.deliveries = t }

func (a *Adapter) registerStatus(g *echo.Group) {
	g.POST("/status", a.receiveStatus)
}

// receiveStatus answers POST /webhooks/twilio/status, where Twilio posts
// both message (MessageSid) and call (CallSid) status callbacks.
func (a *Adapter) receiveStatus(c echo.Context) error {
	form := c.Request().PostForm
	switch {
	case form.Get("MessageSid") != "":
		return a.messageStatus(c, form)
	case form.Get("CallSid") != "":
		return a.callStatus(c, form)
	}
	metrics.WebhookUpdates.WithLabelValues("twilio", "rejected").Inc()
	return c.JSON(http.StatusBadRequest, map[string]string{"error": "MessageSid or CallSid is missing"})
}

// messageStates maps Twilio's MessageStatus to delivery states; statuses
// not listed (receiving, received, partially_delivered) change nothing.
var messageStates = map[string]string{
	"accepted":    storage.DeliveryQueued,
	"scheduled":   storage.DeliveryQueued,
	"queued":      storage.DeliveryQueued,
	"sending":     storage.DeliveryQueued,
	"sent":        storage.DeliverySent,
	"delivered":   storage.DeliveryDelivered,
	"read":        storage.DeliveryDelivered,
	"undelivered": storage.DeliveryUndelivered,
	"failed":      storage.DeliveryFailed,
	"canceled":    storage.DeliveryFailed,
}

// messageStatus moves the message Twilio names forward (never back: the
// callbacks repeat and arrive out of order) and marks the customer opted
// out on error 21610. An unknown MessageSid is answered 200 and ignored.
func (a *Adapter) messageStatus(c echo.Context, form url.Values) error {
	status := strings.ToLower(strings.TrimSpace(form.Get("MessageStatus")))
	if status == "" {
		status = strings.ToLower(strings.TrimSpace(form.Get("SmsStatus")))
	}
	if status == "" {
		metrics.WebhookUpdates.WithLabelValues("twilio", "rejected").Inc()
		return c.JSON(http.StatusBadRequest, map[string]string{"error": "MessageStatus is missing"})
	}
	state, ok := messageStates[status]
	if !ok || a.deliveries == nil {
		metrics.WebhookUpdates.WithLabelValues("twilio", "ignored").Inc()
		return c.NoContent(http.StatusOK)
	}
	r := outbox.DeliveryReport{Channel: dialog.ChannelSMS, ProviderID: form.Get("MessageSid"), State: state}
	if code := strings.TrimSpace(form.Get("ErrorCode")); code != "" && code != "0" {
		r.Error = "twilio error " + code
		r.OptedOut = code == strconv.Itoa(errCodeOptedOut)
	}
	return a.applyStatus(c, "sms delivery status", r.ProviderID, func(ctx context.Context) (bool, error) {
		return a.deliveries.TrackDelivery(ctx, r)
	})
}

// applyStatus runs apply for one status callback within submitTimeout: 503
// when it could not be stored (Twilio retries), else 200, counting whether
// it changed anything.
func (a *Adapter) applyStatus(c echo.Context, what, sid string, apply func(context.Context) (bool, error)) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), submitTimeout)
	defer cancel()
	applied, err := apply(ctx)
	switch {
	case err != nil:
		metrics.WebhookUpdates.WithLabelValues("twilio", "error").Inc()
		a.log.Error("store twilio "+what, "sid", sid, "err", err)
		return c.JSON(http.StatusServiceUnavailable, map[string]string{"error": what + " not stored"})
	case applied:
		metrics.WebhookUpdates.WithLabelValues("twilio", "handled").Inc()
	default:
		metrics.WebhookUpdates.WithLabelValues("twilio", "ignored").Inc()
	}
	return c.NoContent(http.StatusOK)
}
