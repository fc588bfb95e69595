package faketwilio

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// SignatureHeader carries the signature of a webhook request.
const SignatureHeader = "X-Twilio-Signature"

// WebhookResponse is what the webhook's server answered.
type WebhookResponse struct {
	Status      int
	ContentType string
	Body        string
}

// Webhook posts form requests signed as Twilio signs them.
type Webhook struct {
	// AuthToken is the key of the signature.
	AuthToken string
	// Via, when set, is the base URL (scheme and host) the request really
	// goes to, as a reverse proxy in front of the public URL forwards it;
	// the signature still covers the public URL Twilio was given.
	Via string
	// Client sends the request; nil means http.DefaultClient.
	Client *http.Client
}

// Post sends params to publicURL as Twilio does: a form POST carrying
// X-Twilio-Signature computed over publicURL and params.
func (w Webhook) Post(ctx context.Context, publicURL string, params url.Values) (WebhookResponse, error) {
	target := publicURL
	if w.Via != "" {
		u, err := url.Parse(publicURL)
		if err != nil {
			return WebhookResponse{}, fmt.Errorf("parse %s: %w", publicURL, err)
		}
		target = strings.TrimRight(w.Via, "/") + u.RequestURI()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, strings.NewReader(params.Encode()))
	if err != nil {
		return WebhookResponse{}, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("User-Agent", "TwilioProxy/1.1")
	req.Header.Set(SignatureHeader, Sign(w.AuthToken, publicURL, params))
	client := w.Client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return WebhookResponse{}, fmt.Errorf("post webhook %s: %w", target, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return WebhookResponse{}, fmt.Errorf("read answer of %s: %w", target, err)
	}
	return WebhookResponse{Status: resp.StatusCode, ContentType: resp.Header.Get("Content-Type"), Body: string(body)}, nil
}

// SendStatus posts a status callback's params to url, signed with
// authToken.
func SendStatus(ctx context.Context, url, authToken string, params url.Values) (WebhookResponse, error) {
	return Webhook{AuthToken: authToken}.Post(ctx, url, params)
}

// Media is one attachment of an inbound MMS.
type Media struct {
	URL         string
	ContentType string
}

// NewMessageSid returns a fresh message id, "SM" and 32 hex digits.
func NewMessageSid() string { return newSid("SM") }

// InboundSMS is the form Twilio posts to a number's messaging webhook when
// from texts body (and media) to to, with a new MessageSid.
func InboundSMS(accountSID, from, to, body string, media ...Media) url.Values {
	sid := NewMessageSid()
	v := url.Values{
		"AccountSid": {accountSID}, "ApiVersion": {APIVersion},
		"MessageSid": {sid}, "SmsSid": {sid}, "SmsMessageSid": {sid}, "SmsStatus": {"received"},
		"From": {from}, "To": {to}, "Body": {body}, "NumSegments": {"1"},
		"NumMedia": {strconv.Itoa(len(media))}, "FromCountry": {"US"}, "ToCountry": {"US"},
	}
	for i, m := range media {
		v.Set("MediaUrl"+strconv.Itoa(i), m.URL)
		v.Set("MediaContentType"+strconv.Itoa(i), m.ContentType)
	}
	return v
}

// MessageStatus is the form of a message status callback; errorCode 0
// leaves ErrorCode out.
func MessageStatus(accountSID string, m Message, status string, errorCode int) url.Values {
	v := url.Values{
		"AccountSid": {accountSID}, "ApiVersion": {APIVersion},
		"MessageSid": {m.Sid}, "SmsSid": {m.Sid}, "MessageStatus": {status}, "SmsStatus": {status},
		"From": {m.From}, "To": {m.To},
	}
	if errorCode != 0 {
		v.Set("ErrorCode", strconv.Itoa(errorCode))
	}
	return v
}

// RouteWebhooksTo makes the fake's own webhooks (SendMessageStatus) go to
// base instead of the host in their URL, as a reverse proxy in front of
// switchboard's public URL would.
func (s *Server) RouteWebhooksTo(base string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.via = base
}

// SendMessageStatus posts a signed status callback for the accepted
// message sid to the StatusCallback it was sent with, as Twilio does when
// the message's status changes.
func (s *Server) SendMessageStatus(ctx context.Context, sid, status string, errorCode int) (WebhookResponse, error) {
	s.mu.Lock()
	via := s.via
	var msg *Message
	for i := range s.messages {
		if s.messages[i].Sid == sid {
			msg = &s.messages[i]
		}
	}
	var m Message
	if msg != nil {
		m = *msg
	}
	s.mu.Unlock()
	switch {
	case msg == nil:
		return WebhookResponse{}, fmt.Errorf("no message %s", sid)
	case m.StatusCallback == "":
		return WebhookResponse{}, fmt.Errorf("message %s was sent without a StatusCallback", sid)
	}
	return Webhook{AuthToken: s.cfg.AuthToken, Via: via}.Post(ctx, m.StatusCallback, MessageStatus(s.cfg.AccountSID, m, status, errorCode))
}
