package faketelegram

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
)

// SecretTokenHeader is the header carrying a webhook's secret_token.
const SecretTokenHeader = "X-Telegram-Bot-Api-Secret-Token"

const maxSecretTokenLength = 256

// ErrNoWebhook is returned by DeliverUpdate when no webhook is set.
var ErrNoWebhook = errors.New("faketelegram: no webhook set")

// Webhook is what the bot last registered with setWebhook; its URL is empty
// when no webhook is set.
type Webhook struct {
	// URL is where updates would be posted.
	URL string
	// SecretToken is sent in SecretTokenHeader with every update.
	SecretToken string
	// AllowedUpdates lists the update kinds asked for; nil means all.
	AllowedUpdates []string
	// DropPendingUpdates records whether setWebhook dropped queued updates.
	DropPendingUpdates bool
	// MaxConnections is max_connections as sent, 0 when absent.
	MaxConnections int
}

// Webhook returns the webhook the bot registered.
func (s *Server) Webhook() Webhook {
	s.mu.Lock()
	defer s.mu.Unlock()
	w := s.webhook
	w.AllowedUpdates = append([]string(nil), w.AllowedUpdates...)
	return w
}

func (s *Server) setWebhook(_ context.Context, p url.Values) response {
	secret := p.Get("secret_token")
	if !validSecretToken(secret) {
		return badRequest("secret token contains unallowed characters")
	}
	var allowed []string
	if raw := p.Get("allowed_updates"); raw != "" {
		if err := json.Unmarshal([]byte(raw), &allowed); err != nil {
			return badRequest("can't parse allowed updates")
		}
	}
	drop, _ := strconv.ParseBool(p.Get("drop_pending_updates"))
	maxConnections, _ := strconv.Atoi(p.Get("max_connections"))

	s.mu.Lock()
	defer s.mu.Unlock()
	if drop {
		s.updates = nil
	}
	s.webhook = Webhook{
		URL:                p.Get("url"),
		SecretToken:        secret,
		AllowedUpdates:     allowed,
		DropPendingUpdates: drop,
		MaxConnections:     maxConnections,
	}
	s.changes.Notify()
	r := success(true)
	r.Description = "Webhook was set"
	if s.webhook.URL == "" {
		r.Description = "Webhook was deleted"
	}
	return r
}

// validSecretToken applies Telegram's rule: empty (no secret), or 1–256
// characters from A-Z, a-z, 0-9, _ and -.
func validSecretToken(secret string) bool {
	if len(secret) > maxSecretTokenLength {
		return false
	}
	for _, c := range []byte(secret) {
		ok := c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-'
		if !ok {
			return false
		}
	}
	return true
}

func (s *Server) deleteWebhook(_ context.Context, p url.Values) response {
	drop, _ := strconv.ParseBool(p.Get("drop_pending_updates"))
	s.mu.Lock()
	defer s.mu.Unlock()
	if drop {
		s.updates = nil
	}
	r := success(true)
	r.Description = "Webhook is already deleted"
	if s.webhook.URL != "" {
		r.Description = "Webhook was deleted"
	}
	s.webhook = Webhook{}
	s.changes.Notify()
	return r
}

func (s *Server) getWebhookInfo(context.Context, url.Values) response {
	s.mu.Lock()
	defer s.mu.Unlock()
	return success(wireWebhookInfo{
		URL:                s.webhook.URL,
		PendingUpdateCount: len(s.updates),
		MaxConnections:     s.webhook.MaxConnections,
		AllowedUpdates:     s.webhook.AllowedUpdates,
	})
}

// DeliverUpdate posts one update (JSON, as the builders make) to the
// registered webhook the way Telegram does, with the secret token header,
// and returns the HTTP status the bot answered.
func (s *Server) DeliverUpdate(ctx context.Context, raw []byte) (int, error) {
	wh := s.Webhook()
	if wh.URL == "" {
		return 0, ErrNoWebhook
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, wh.URL, bytes.NewReader(raw))
	if err != nil {
		return 0, fmt.Errorf("deliver update to %s: %w", wh.URL, err)
	}
	req.Header.Set("Content-Type", "application/json")
	if wh.SecretToken != "" {
		req.Header.Set(SecretTokenHeader, wh.SecretToken)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, fmt.Errorf("deliver update to %s: %w", wh.URL, err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, nil
}
