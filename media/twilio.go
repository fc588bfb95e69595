package media

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/switchboardhq/switchboard/storage"
)

// TwilioAPI is where Twilio's media URLs point.
const TwilioAPI = "https://api.twilio.com"

// Twilio fetches MMS media: the message's file id is the MediaUrl the
// webhook gave, fetched with the account's credentials when it points at
// Twilio's API (which then redirects to its storage, without them).
type Twilio struct {
	AccountSID, AuthToken string
	// APIBaseURL is TWILIO_API_BASE_URL (default TwilioAPI): its host
	// gets the credentials.
	APIBaseURL string
	Client     *http.Client
}

// Fetch downloads m's file.
func (t Twilio) Fetch(ctx context.Context, m storage.Message) ([]byte, string, error) {
	u, err := url.Parse(m.FileID)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, "", errors.New("the MMS media URL is not an http(s) URL")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, "", errors.New("build the media request")
	}
	if t.ownsHost(u.Host) {
		req.SetBasicAuth(t.AccountSID, t.AuthToken)
	}
	c := t.Client
	if c == nil {
		c = defaultClient
	}
	return download(c, req, "Twilio")
}

// ownsHost reports whether host is Twilio's API (or the configured
// stand-in), the only host given the account's credentials.
func (t Twilio) ownsHost(host string) bool {
	for _, base := range []string{TwilioAPI, t.APIBaseURL} {
		if b, err := url.Parse(base); err == nil && base != "" && strings.EqualFold(b.Host, host) {
			return true
		}
	}
	return false
}
