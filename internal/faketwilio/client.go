package faketwilio

import (
	"net/http"
	"net/url"

	twilioapi "github.com/twilio/twilio-go"
	"github.com/twilio/twilio-go/client"
)

// RestClient is twilio-go's client for the fake's account, its requests
// sent to the fake: twilio-go builds every URL from https://api.twilio.com,
// so a transport moves them to the fake's host, path unchanged.
func (s *Server) RestClient() *twilioapi.RestClient {
	base, _ := url.Parse(s.URL())
	c := &client.Client{
		Credentials: client.NewCredentials(s.cfg.AccountSID, s.cfg.AuthToken),
		HTTPClient:  &http.Client{Transport: rehost{base: base}},
	}
	c.SetAccountSid(s.cfg.AccountSID)
	return twilioapi.NewRestClientWithParams(twilioapi.ClientParams{Client: c})
}

type rehost struct{ base *url.URL }

func (r rehost) RoundTrip(req *http.Request) (*http.Response, error) {
	out := req.Clone(req.Context())
	out.URL.Scheme, out.URL.Host, out.Host = r.base.Scheme, r.base.Host, r.base.Host
	return http.DefaultTransport.RoundTrip(out)
}
