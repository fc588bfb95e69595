package twilio

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/twilio/twilio-go/twiml"

	"github.com/switchboardhq/switchboard/dialog"
	"github.com/switchboardhq/switchboard/metrics"
	"github.com/switchboardhq/switchboard/phone"
	"github.com/switchboardhq/switchboard/storage"
)

// submitTimeout bounds storing one webhook's event; Twilio waits 15s.
const submitTimeout = 10 * time.Second

// maxMedia bounds the attachments read from one MMS (Twilio sends up to 10).
const maxMedia = 10

func (a *Adapter) registerSMS(g *echo.Group) {
	g.POST("/sms", a.receiveSMS)
}

// receiveSMS answers POST /webhooks/twilio/sms: 400 for a form without
// MessageSid or From, 503 while the message cannot be stored, else an
// empty TwiML <Response/> once it is stored or was seen before. Replies go
// through the outbox, so they are durable and their delivery is tracked.
func (a *Adapter) receiveSMS(c echo.Context) error {
	ev, err := ParseSMS(c.Request().PostForm, a.cfg.DefaultRegion, time.Now().UTC())
	if err != nil {
		metrics.WebhookUpdates.WithLabelValues("twilio", "rejected").Inc()
		return c.JSON(http.StatusBadRequest, map[string]string{"error": err.Error()})
	}
	if _, err := a.submit(c.Request().Context(), ev, "sms"); err != nil {
		return c.JSON(http.StatusServiceUnavailable, map[string]string{"error": "message not stored, deliver it again"})
	}
	return emptyTwiML(c)
}

// submit stores one webhook's event within submitTimeout and counts how it
// went; what names the webhook in logs.
func (a *Adapter) submit(ctx context.Context, ev dialog.Event, what string) (dialog.Result, error) {
	ctx, cancel := context.WithTimeout(ctx, submitTimeout)
	defer cancel()
	res, err := a.submitter.Submit(ctx, ev)
	switch {
	case err != nil:
		metrics.WebhookUpdates.WithLabelValues("twilio", "error").Inc()
		a.log.Error("store twilio "+what, "external_id", ev.ExternalID, "err", err)
	case res.Duplicate:
		metrics.WebhookUpdates.WithLabelValues("twilio", "duplicate").Inc()
	default:
		metrics.WebhookUpdates.WithLabelValues("twilio", "handled").Inc()
	}
	return res, err
}

// emptyResponse is the TwiML <Response/>: nothing to say back at once.
var emptyResponse = sync.OnceValues(func() (string, error) { return twiml.Messages(nil) })

func emptyTwiML(c echo.Context) error {
	doc, err := emptyResponse()
	if err != nil {
		return fmt.Errorf("render empty TwiML: %w", err)
	}
	return c.Blob(http.StatusOK, "text/xml; charset=utf-8", []byte(doc))
}

// ParseSMS turns an inbound SMS webhook's form into a dialog event: its
// MessageSid is the event's id (a redelivery is recognised), its sender
// normalised to E.164 with defaultRegion is the customer, and attachments
// become media: the first one the message's file (with the text), any
// others messages of their own (MoreMedia).
func ParseSMS(form url.Values, defaultRegion string, at time.Time) (dialog.Event, error) {
	sid := strings.TrimSpace(form.Get("MessageSid"))
	raw := strings.TrimSpace(form.Get("From"))
	switch {
	case sid == "":
		return dialog.Event{}, fmt.Errorf("MessageSid is missing")
	case raw == "":
		return dialog.Event{}, fmt.Errorf("From is missing")
	}
	from := storage.Contact{Channel: dialog.ChannelSMS, ExternalID: raw, Address: raw}
	if e164, err := phone.Normalize(raw, defaultRegion); err == nil {
		from.ExternalID, from.Address, from.Phone = e164, e164, e164
	}
	// A sender that is no phone number (a short code, a name) keeps its
	// raw form and joins no customer by number.
	ev := dialog.Event{ExternalID: sid, From: from, Kind: dialog.KindText, Text: form.Get("Body"), At: at}
	if media := parseMedia(form); len(media) > 0 {
		ev.Kind, ev.Media, ev.MoreMedia = dialog.KindMedia, media[0], media[1:]
	}
	return ev, nil
}

// parseMedia reads an MMS's attachments: MediaUrl0… below NumMedia (at
// most maxMedia). A place without an absolute http(s) URL is skipped, and
// NumMedia that is no count (missing, garbage, negative) has every place
// looked at: nothing the customer sent is refused or lost for a bad field.
func parseMedia(form url.Values) []dialog.Media {
	n, err := strconv.Atoi(strings.TrimSpace(form.Get("NumMedia")))
	if err != nil || n < 0 {
		n = maxMedia
	}
	var out []dialog.Media
	for i := range min(n, maxMedia) {
		mediaURL := strings.TrimSpace(form.Get("MediaUrl" + strconv.Itoa(i)))
		if u, err := url.Parse(mediaURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			continue
		}
		contentType := strings.TrimSpace(form.Get("MediaContentType" + strconv.Itoa(i)))
		out = append(out, dialog.Media{Kind: mediaKind(contentType), FileID: mediaURL, ContentType: contentType})
	}
	return out
}

// mediaKind names an attachment by its content type, as messages store it.
func mediaKind(contentType string) string {
	major, _, _ := strings.Cut(strings.ToLower(contentType), "/")
	switch major {
	case "image":
		return "photo"
	case "video":
		return "video"
	case "audio":
		return "audio"
	}
	return "document"
}
