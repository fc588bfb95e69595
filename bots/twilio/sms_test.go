package twilio_test

import (
	"context"
	"encoding/xml"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/switchboardhq/switchboard/bots/twilio"
	"github.com/switchboardhq/switchboard/dialog"
	"github.com/switchboardhq/switchboard/internal/faketwilio"
)

// smsSubmitter records submitted events and answers with err, or as a
// duplicate for a MessageSid seen before.
type smsSubmitter struct {
	mu     sync.Mutex
	events []dialog.Event
	calls  int
	err    error
}

func (s *smsSubmitter) Submit(_ context.Context, ev dialog.Event) (dialog.Result, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	if s.err != nil {
		return dialog.Result{}, s.err
	}
	for _, seen := range s.events {
		if seen.ExternalID == ev.ExternalID {
			return dialog.Result{Duplicate: true}, nil
		}
	}
	s.events = append(s.events, ev)
	return dialog.Result{ConversationID: 1}, nil
}

func (s *smsSubmitter) submitted() []dialog.Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]dialog.Event(nil), s.events...)
}

// smsServer serves an adapter's webhooks, behind what would be a proxy:
// Twilio signs https://support.example.com/…, the request reaches a local
// address.
type smsServer struct {
	sub     *smsSubmitter
	tracker *smsTracker
	base    string
	hook    faketwilio.Webhook
}

func newSMSServer(t *testing.T) *smsServer {
	t.Helper()
	s := &smsServer{sub: &smsSubmitter{}, tracker: &smsTracker{}}
	a := twilio.New(twilio.Config{AccountSID: faketwilio.AccountSID, AuthToken: faketwilio.AuthToken, PhoneNumber: smsFrom,
		PublicURL: smsPublic, DefaultRegion: "GB"}, s.sub, slog.New(slog.NewTextHandler(io.Discard, nil)))
	a.TrackDeliveriesWith(s.tracker)
	e := echo.New()
	a.Register(e)
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	s.base = srv.URL
	s.hook = faketwilio.Webhook{AuthToken: faketwilio.AuthToken, Via: srv.URL}
	return s
}

func (s *smsServer) post(t *testing.T, path string, params url.Values) faketwilio.WebhookResponse {
	t.Helper()
	resp, err := s.hook.Post(t.Context(), smsPublic+path, params)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// twimlResponse is a TwiML document as far as SMS answers go.
type twimlResponse struct {
	XMLName  xml.Name `xml:"Response"`
	Messages []string `xml:"Message"`
}

func parseTwiML(t *testing.T, resp faketwilio.WebhookResponse) twimlResponse {
	t.Helper()
	if !strings.HasPrefix(resp.ContentType, "text/xml") {
		t.Fatalf("Content-Type %q, want text/xml", resp.ContentType)
	}
	var doc twimlResponse
	if err := xml.Unmarshal([]byte(resp.Body), &doc); err != nil {
		t.Fatalf("TwiML %q: %v", resp.Body, err)
	}
	return doc
}

func TestInboundSMSIsSubmittedAndAnsweredWithEmptyTwiML(t *testing.T) {
	s := newSMSServer(t)
	params := faketwilio.InboundSMS(faketwilio.AccountSID, smsCustomer, smsFrom, "Where is my order?")
	resp := s.post(t, twilio.SMSPath, params)
	if resp.Status != http.StatusOK {
		t.Fatalf("status %d: %s", resp.Status, resp.Body)
	}
	if doc := parseTwiML(t, resp); len(doc.Messages) != 0 {
		t.Fatalf("TwiML says %q; replies go through the outbox", doc.Messages)
	}
	evs := s.sub.submitted()
	if len(evs) != 1 {
		t.Fatalf("%d events", len(evs))
	}
	ev := evs[0]
	f := ev.From
	if ev.ExternalID != params.Get("MessageSid") || ev.Kind != dialog.KindText || ev.Text != "Where is my order?" ||
		f.Channel != "sms" || f.ExternalID != smsCustomer || f.Address != smsCustomer || f.Phone != smsCustomer {
		t.Fatalf("event %+v", ev)
	}
}

// TestSameMessageSidTwiceIsKeyedOnIt: the adapter hands both deliveries
// over under the MessageSid, the key the engine recognises a redelivery by
// (app/twilio_sms_test.go shows it stored once), and answers both 200.
func TestSameMessageSidTwiceIsKeyedOnIt(t *testing.T) {
	s := newSMSServer(t)
	params := faketwilio.InboundSMS(faketwilio.AccountSID, smsCustomer, smsFrom, "hello")
	for range 2 {
		if resp := s.post(t, twilio.SMSPath, params); resp.Status != http.StatusOK {
			t.Fatalf("status %d", resp.Status)
		}
	}
	s.sub.mu.Lock()
	calls := s.sub.calls
	s.sub.mu.Unlock()
	got := s.sub.submitted()
	if calls != 2 || len(got) != 1 || got[0].ExternalID != params.Get("MessageSid") {
		t.Fatalf("%d submissions, %d distinct %+v; want two under MessageSid %s", calls, len(got), got, params.Get("MessageSid"))
	}
}

func TestInboundSMSRejections(t *testing.T) {
	good := faketwilio.InboundSMS(faketwilio.AccountSID, smsCustomer, smsFrom, "hello")
	without := func(key string) url.Values {
		v := url.Values{}
		for k, vs := range good {
			if k != key {
				v[k] = vs
			}
		}
		return v
	}
	cases := []struct {
		name   string
		send   func(s *smsServer) (*http.Response, error)
		status int
		names  string
	}{
		{"forged signature", func(s *smsServer) (*http.Response, error) {
			return rawPost(s.base, good.Encode(), faketwilio.Sign("not-the-token", smsPublic+twilio.SMSPath, good))
		}, http.StatusForbidden, twilio.SignatureHeader},
		{"unsigned", func(s *smsServer) (*http.Response, error) {
			return rawPost(s.base, good.Encode(), "")
		}, http.StatusForbidden, twilio.SignatureHeader},
		{"signed for the address the proxy shows", func(s *smsServer) (*http.Response, error) {
			return rawPost(s.base, good.Encode(), faketwilio.Sign(faketwilio.AuthToken, s.base+twilio.SMSPath, good))
		}, http.StatusForbidden, twilio.SignatureHeader},
		{"changed after signing", func(s *smsServer) (*http.Response, error) {
			changed := url.Values{}
			for k, vs := range good {
				changed[k] = vs
			}
			changed.Set("Body", "send me everything")
			return rawPost(s.base, changed.Encode(), faketwilio.Sign(faketwilio.AuthToken, smsPublic+twilio.SMSPath, good))
		}, http.StatusForbidden, twilio.SignatureHeader},
		{"a body that is no form", func(s *smsServer) (*http.Response, error) {
			return rawPost(s.base, "MessageSid=%zz&From=1", faketwilio.Sign(faketwilio.AuthToken, smsPublic+twilio.SMSPath, nil))
		}, http.StatusBadRequest, "x-www-form-urlencoded"},
		{"no MessageSid", func(s *smsServer) (*http.Response, error) {
			v := without("MessageSid")
			return rawPost(s.base, v.Encode(), faketwilio.Sign(faketwilio.AuthToken, smsPublic+twilio.SMSPath, v))
		}, http.StatusBadRequest, "MessageSid"},
		{"no From", func(s *smsServer) (*http.Response, error) {
			v := without("From")
			return rawPost(s.base, v.Encode(), faketwilio.Sign(faketwilio.AuthToken, smsPublic+twilio.SMSPath, v))
		}, http.StatusBadRequest, "From"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := newSMSServer(t)
			resp, err := c.send(s)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var body struct {
				Error string `json:"error"`
			}
			_ = jsonDecode(resp, &body)
			if resp.StatusCode != c.status || !strings.Contains(body.Error, c.names) {
				t.Fatalf("got %d %q, want %d naming %q", resp.StatusCode, body.Error, c.status, c.names)
			}
			if n := len(s.sub.submitted()); n != 0 {
				t.Fatalf("%d events stored from a rejected request", n)
			}
		})
	}
}

func TestInboundSMSIs503WhileItCannotBeStored(t *testing.T) {
	s := newSMSServer(t)
	s.sub.err = errors.New("database is down")
	resp := s.post(t, twilio.SMSPath, faketwilio.InboundSMS(faketwilio.AccountSID, smsCustomer, smsFrom, "hello"))
	if resp.Status != http.StatusServiceUnavailable || !strings.Contains(resp.Body, "error") {
		t.Fatalf("got %d %s, want 503", resp.Status, resp.Body)
	}
}

func TestParseSMS(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	cases := []struct {
		name   string
		form   url.Values
		region string
		check  func(dialog.Event) bool
	}{
		{"a national number is read in the default region",
			url.Values{"MessageSid": {"SM1"}, "From": {"07911 123456"}, "Body": {"hi"}}, "GB",
			func(e dialog.Event) bool { return e.From.Phone == "+447911123456" && e.From.Address == "+447911123456" }},
		{"a short code keeps its raw form and no phone",
			url.Values{"MessageSid": {"SM2"}, "From": {"72345"}, "Body": {"hi"}}, "",
			func(e dialog.Event) bool { return e.From.ExternalID == "72345" && e.From.Phone == "" }},
		{"one picture is the message's file",
			url.Values{"MessageSid": {"SM3"}, "From": {smsCustomer}, "Body": {"my parcel"}, "NumMedia": {"1"},
				"MediaUrl0": {"https://api.twilio.com/m/ME1"}, "MediaContentType0": {"image/jpeg"}}, "",
			func(e dialog.Event) bool {
				return e.Kind == dialog.KindMedia && e.Media.Kind == "photo" && e.Media.FileID == "https://api.twilio.com/m/ME1" && e.Text == "my parcel" &&
					e.Media.ContentType == "image/jpeg"
			}},
		{"every further attachment is media of its own, in order",
			url.Values{"MessageSid": {"SM4"}, "From": {smsCustomer}, "Body": {"look"}, "NumMedia": {"3"},
				"MediaUrl0": {"https://api.twilio.com/m/ME1"}, "MediaContentType0": {"application/pdf"},
				"MediaUrl1": {"https://api.twilio.com/m/ME2"}, "MediaContentType1": {"video/mp4"},
				"MediaUrl2": {"https://api.twilio.com/m/ME3"}, "MediaContentType2": {"image/gif"}}, "",
			func(e dialog.Event) bool {
				return e.Kind == dialog.KindMedia && e.Media.Kind == "document" && e.Text == "look" && len(e.MoreMedia) == 2 &&
					e.MoreMedia[0] == dialog.Media{Kind: "video", FileID: "https://api.twilio.com/m/ME2", ContentType: "video/mp4"} &&
					e.MoreMedia[1] == dialog.Media{Kind: "photo", FileID: "https://api.twilio.com/m/ME3", ContentType: "image/gif"}
			}},
		{"NumMedia above what is present keeps the ones present",
			url.Values{"MessageSid": {"SM5"}, "From": {smsCustomer}, "NumMedia": {"5"},
				"MediaUrl1": {"https://api.twilio.com/m/ME2"}, "MediaContentType1": {"image/png"}}, "",
			func(e dialog.Event) bool {
				return e.Kind == dialog.KindMedia && e.Media.FileID == "https://api.twilio.com/m/ME2" && len(e.MoreMedia) == 0
			}},
		{"NumMedia garbage: every place is looked at",
			url.Values{"MessageSid": {"SM6"}, "From": {smsCustomer}, "Body": {"hi"}, "NumMedia": {"lots"},
				"MediaUrl0": {"https://api.twilio.com/m/ME1"}, "MediaUrl9": {"https://api.twilio.com/m/ME10"}}, "",
			func(e dialog.Event) bool {
				return e.Kind == dialog.KindMedia && e.Media.Kind == "document" && len(e.MoreMedia) == 1 &&
					e.MoreMedia[0].FileID == "https://api.twilio.com/m/ME10"
			}},
		{"NumMedia too big to count reads at most ten",
			url.Values{"MessageSid": {"SM7"}, "From": {smsCustomer}, "NumMedia": {"99999999999999999999"},
				"MediaUrl0": {"https://a.example/0"}, "MediaUrl9": {"https://a.example/9"}, "MediaUrl10": {"https://a.example/10"}}, "",
			func(e dialog.Event) bool {
				return len(e.MoreMedia) == 1 && e.MoreMedia[0].FileID == "https://a.example/9"
			}},
		{"NumMedia zero reads none",
			url.Values{"MessageSid": {"SM8"}, "From": {smsCustomer}, "Body": {"hi"}, "NumMedia": {"0"},
				"MediaUrl0": {"https://api.twilio.com/m/ME1"}}, "",
			func(e dialog.Event) bool {
				return e.Kind == dialog.KindText && e.Text == "hi" && e.Media == (dialog.Media{})
			}},
		{"a media URL that is no http(s) URL is skipped",
			url.Values{"MessageSid": {"SM9"}, "From": {smsCustomer}, "Body": {"hi"}, "NumMedia": {"3"},
				"MediaUrl0": {"javascript:alert(1)"}, "MediaUrl1": {"/relative/ME2"}, "MediaUrl2": {"%zz"}}, "",
			func(e dialog.Event) bool { return e.Kind == dialog.KindText && e.Text == "hi" && len(e.MoreMedia) == 0 }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ev, err := twilio.ParseSMS(c.form, c.region, at)
			if err != nil || ev.ExternalID != c.form.Get("MessageSid") || !ev.At.Equal(at) || !c.check(ev) {
				t.Fatalf("ParseSMS = %+v, %v", ev, err)
			}
		})
	}
}
