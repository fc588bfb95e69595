package twilio

import (
	"net/http"
	"net/url"
	"time"

	twilioapi "github.com/twilio/twilio-go"
	"github.com/twilio/twilio-go/client"
)

// RequestTimeout bounds every REST call.
const RequestTimeout = 15 * time.Second

// newRestClient builds twilio-go's client. twilio-go builds every URL from
// https://api.twilio.com itself, so a configured base URL is honoured by a
// transport that rewrites scheme and host, keeping the path.
func newRestClient(cfg Config) *twilioapi.RestClient {
	httpClient := &http.Client{Timeout: RequestTimeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	if cfg.APIBaseURL != "" {
		if base, err := url.Parse(cfg.APIBaseURL); err == nil {
			httpClient.Transport = &rebase{base: base, next: http.DefaultTransport}
		}
	}
	c := &client.Client{Credentials: client.NewCredentials(cfg.AccountSID, cfg.AuthToken), HTTPClient: httpClient}
	c.SetAccountSid(cfg.AccountSID)
	return twilioapi.NewRestClientWithParams(twilioapi.ClientParams{Client: c})
}

// rebase sends requests to another scheme and host with the same path.
type rebase struct {
	base *url.URL
	next http.RoundTripper
}

func (r *rebase) RoundTrip(req *http.Request) (*http.Response, error) {
	out := req.Clone(req.Context())
	out.URL.Scheme, out.URL.Host, out.Host = r.base.Scheme, r.base.Host, r.base.Host
	return r.next.RoundTrip(out)
}
