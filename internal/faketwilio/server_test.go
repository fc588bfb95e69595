package faketwilio_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	twilioapi "github.com/twilio/twilio-go"
	"github.com/twilio/twilio-go/client"
	openapi "github.com/twilio/twilio-go/rest/api/v2010"

	"github.com/switchboardhq/switchboard/internal/faketwilio"
)

const customer = "+14155552671"

func sendSMS(rc *twilioapi.RestClient, to string) (*openapi.ApiV2010Message, error) {
	return rc.Api.CreateMessage(&openapi.CreateMessageParams{
		To: ptr(to), From: ptr("+15005550006"), Body: ptr("hello"), StatusCallback: ptr("https://support.example.com/webhooks/twilio/status"),
	})
}

func ptr[T any](v T) *T { return &v }

func TestCreateMessageThroughTwilioGoKeepsThePath(t *testing.T) {
	fake := faketwilio.New()
	defer fake.Close()
	msg, err := sendSMS(fake.RestClient(), customer)
	if err != nil {
		t.Fatal(err)
	}
	if msg.Sid == nil || !strings.HasPrefix(*msg.Sid, "SM") || len(*msg.Sid) != 34 || *msg.Status != "queued" || *msg.To != customer {
		t.Fatalf("message resource %+v", msg)
	}
	reqs := fake.Requests(faketwilio.KindMessages)
	if len(reqs) != 1 {
		t.Fatalf("%d requests", len(reqs))
	}
	r := reqs[0]
	if want := "/2010-04-01/Accounts/" + faketwilio.AccountSID + "/Messages.json"; r.Path != want || r.Method != http.MethodPost {
		t.Fatalf("%s %s, want POST %s", r.Method, r.Path, want)
	}
	if !r.Authenticated || r.Status != http.StatusCreated {
		t.Fatalf("authenticated %v, status %d", r.Authenticated, r.Status)
	}
	got := fake.Messages()[0]
	if got.Sid != *msg.Sid || got.From != "+15005550006" || got.Body != "hello" || got.StatusCallback != "https://support.example.com/webhooks/twilio/status" {
		t.Fatalf("recorded %+v", got)
	}
}

func TestWrongCredentialsAre401(t *testing.T) {
	fake := faketwilio.NewWithConfig(faketwilio.Config{AuthToken: "ffffffffffffffffffffffffffffffff"})
	defer fake.Close()
	other := faketwilio.New() // same account, the package's token
	defer other.Close()
	rc := other.RestClient()
	base, _ := url.Parse(fake.URL())
	rc.Client.(*client.Client).HTTPClient.Transport = redirect{base}
	_, err := sendSMS(rc, customer)
	var te *client.TwilioRestError
	if !errors.As(err, &te) || te.Status != 401 || te.Code != 20003 {
		t.Fatalf("err = %v, want Twilio's 401 20003", err)
	}
	if len(fake.Messages()) != 0 || fake.Requests("")[0].Authenticated {
		t.Fatal("an unauthenticated request was accepted")
	}
}

type redirect struct{ base *url.URL }

func (r redirect) RoundTrip(req *http.Request) (*http.Response, error) {
	out := req.Clone(req.Context())
	out.URL.Scheme, out.URL.Host = r.base.Scheme, r.base.Host
	return http.DefaultTransport.RoundTrip(out)
}

func TestScriptedFailuresComeAsTwilioErrors(t *testing.T) {
	cases := []struct {
		name   string
		fail   faketwilio.Failure
		status int
		code   int
	}{
		{"opted out", faketwilio.Failure{Kind: faketwilio.KindMessages, Code: faketwilio.ErrOptedOut}, 400, 21610},
		{"invalid number", faketwilio.Failure{To: customer, Code: faketwilio.ErrInvalidTo}, 400, 21211},
		{"server error", faketwilio.Failure{Status: 503}, 503, faketwilio.ErrInternal},
		{"too many requests", faketwilio.Failure{Status: 429}, 429, faketwilio.ErrTooManyRequests},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fake := faketwilio.New()
			defer fake.Close()
			fake.Fail(c.fail)
			_, err := sendSMS(fake.RestClient(), customer)
			var te *client.TwilioRestError
			if !errors.As(err, &te) || te.Status != c.status || te.Code != c.code || !strings.HasSuffix(te.MoreInfo, "/errors/"+strconv.Itoa(c.code)) || te.Message == "" {
				t.Fatalf("err = %#v, want status %d code %d", err, c.status, c.code)
			}
			if _, err := sendSMS(fake.RestClient(), customer); err != nil {
				t.Fatalf("second send: %v, want the failure used up", err)
			}
		})
	}
}

func TestFailuresMatchTheirNumberAndRepeat(t *testing.T) {
	fake := faketwilio.New()
	defer fake.Close()
	fake.FailOptedOut(customer)
	rc := fake.RestClient()
	if _, err := sendSMS(rc, "+14155550100"); err != nil {
		t.Fatalf("another number: %v", err)
	}
	for range 3 {
		if _, err := sendSMS(rc, customer); err == nil {
			t.Fatal("opted-out number accepted")
		}
	}
	fake.Reset()
	if _, err := sendSMS(rc, customer); err != nil {
		t.Fatalf("after Reset: %v", err)
	}
}

func TestDroppedConnectionIsANetworkError(t *testing.T) {
	fake := faketwilio.New()
	defer fake.Close()
	fake.Fail(faketwilio.Failure{Drop: true})
	_, err := sendSMS(fake.RestClient(), customer)
	var te *client.TwilioRestError
	if err == nil || errors.As(err, &te) {
		t.Fatalf("err = %v, want a network error", err)
	}
}

func TestCallsAreCreatedAndFetched(t *testing.T) {
	fake := faketwilio.New()
	defer fake.Close()
	rc := fake.RestClient()
	call, err := rc.Api.CreateCall(&openapi.CreateCallParams{
		To: ptr(customer), From: ptr("+15005550006"), Url: ptr("https://support.example.com/webhooks/twilio/voice/callback"),
		StatusCallback: ptr("https://support.example.com/webhooks/twilio/status"), StatusCallbackEvent: &[]string{"answered", "completed"},
		MachineDetection: ptr("Enable"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(*call.Sid, "CA") || *call.Status != "queued" {
		t.Fatalf("call %+v", call)
	}
	got := fake.Calls()[0]
	if got.MachineDetection != "Enable" || len(got.StatusCallbackEvent) != 2 || got.URL == "" {
		t.Fatalf("recorded %+v", got)
	}
	if !fake.SetCallStatus(*call.Sid, "in-progress") {
		t.Fatal("SetCallStatus: no such call")
	}
	fetched, err := rc.Api.FetchCall(*call.Sid, nil)
	if err != nil || *fetched.Status != "in-progress" {
		t.Fatalf("fetched %+v, %v", fetched, err)
	}
	if want := "/2010-04-01/Accounts/" + faketwilio.AccountSID + "/Calls/" + *call.Sid + ".json"; fake.Requests(faketwilio.KindCalls)[1].Path != want {
		t.Fatalf("fetch path %s", fake.Requests(faketwilio.KindCalls)[1].Path)
	}
	_, err = rc.Api.FetchCall("CA"+strings.Repeat("9", 32), nil)
	var te *client.TwilioRestError
	if !errors.As(err, &te) || te.Status != 404 || te.Code != 20404 {
		t.Fatalf("unknown call: %v", err)
	}
}

func TestSignedWebhooksPassTwilioGosValidator(t *testing.T) {
	const public = "https://support.example.com/webhooks/twilio/status"
	validator := client.NewRequestValidator(faketwilio.AuthToken)
	var valid bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		valid = r.URL.Path == "/webhooks/twilio/status" && validator.ValidateBody(public, body, r.Header.Get(faketwilio.SignatureHeader))
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()

	fake := faketwilio.New()
	defer fake.Close()
	msg, err := sendSMS(fake.RestClient(), customer)
	if err != nil {
		t.Fatal(err)
	}
	fake.RouteWebhooksTo(srv.URL)
	resp, err := fake.SendMessageStatus(t.Context(), *msg.Sid, "delivered", 0)
	if err != nil || resp.Status != http.StatusNoContent || !valid {
		t.Fatalf("status callback: %+v, %v, signature valid %v", resp, err, valid)
	}

	params := faketwilio.InboundSMS(faketwilio.AccountSID, customer, "+15005550006", "hi & bye",
		faketwilio.Media{URL: "https://api.twilio.com/media/ME1", ContentType: "image/jpeg"})
	if _, err := (faketwilio.Webhook{AuthToken: faketwilio.AuthToken, Via: srv.URL}).Post(t.Context(), public, params); err != nil || !valid {
		t.Fatalf("inbound SMS: %v, signature valid %v", err, valid)
	}
	if _, err := (faketwilio.Webhook{AuthToken: "wrong", Via: srv.URL}).Post(t.Context(), public, params); err != nil || valid {
		t.Fatalf("a wrong token validated: %v", err)
	}
}

func TestWaitForMessagesReturnsWhenTheyArrive(t *testing.T) {
	fake := faketwilio.New()
	defer fake.Close()
	go func() {
		time.Sleep(20 * time.Millisecond)
		_, _ = sendSMS(fake.RestClient(), customer)
	}()
	msgs, err := fake.WaitForMessages(t.Context(), 1)
	if err != nil || len(msgs) != 1 {
		t.Fatalf("%d messages, %v", len(msgs), err)
	}
}
