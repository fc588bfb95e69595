package twilio

import (
	"bytes"
	"io"
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"

	"github.com/switchboardhq/switchboard/metrics"
)

// SignatureHeader carries Twilio's HMAC of the URL and parameters.
const SignatureHeader = "X-Twilio-Signature"

// maxWebhookBytes bounds a webhook body; Twilio's are a few KB.
const maxWebhookBytes = 64 << 10

// verifySignature lets a request through only when X-Twilio-Signature
// matches SWITCHBOARD_PUBLIC_URL + path + query and the form parameters:
// anything else is 403 and changes nothing. A body that is not a form is 400.
func (a *Adapter) verifySignature(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		body, err := io.ReadAll(io.LimitReader(req.Body, maxWebhookBytes+1))
		if err != nil || len(body) > maxWebhookBytes {
			return c.JSON(http.StatusBadRequest, map[string]string{"error": "body unreadable or larger than 64 KB"})
		}
		form, err := url.ParseQuery(string(body))
		if err != nil {
			metrics.WebhookUpdates.WithLabelValues("twilio", "rejected").Inc()
			return c.JSON(http.StatusBadRequest, map[string]string{"error": "body is not application/x-www-form-urlencoded: " + err.Error()})
		}
		sig := req.Header.Get(SignatureHeader)
		if sig == "" || !a.validator.ValidateBody(a.publicURL(req), body, sig) {
			metrics.WebhookUpdates.WithLabelValues("twilio", "forbidden").Inc()
			return c.JSON(http.StatusForbidden, map[string]string{"error": "missing or wrong " + SignatureHeader})
		}
		req.Body = io.NopCloser(bytes.NewReader(body))
		req.PostForm, req.Form = form, form
		return next(c)
	}
}

// publicURL is the URL Twilio requested: the configured public base, not
// what a proxy in front shows (scheme and port differ there).
func (a *Adapter) publicURL(req *http.Request) string {
	u := a.cfg.PublicURL + req.URL.Path
	if req.URL.RawQuery != "" {
		u += "?" + req.URL.RawQuery
	}
	return u
}
