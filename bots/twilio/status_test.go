package twilio_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/switchboardhq/switchboard/bots/twilio"
	"github.com/switchboardhq/switchboard/internal/faketwilio"
	"github.com/switchboardhq/switchboard/outbox"
)

// smsTracker records delivery reports.
type smsTracker struct {
	mu      sync.Mutex
	reports []outbox.DeliveryReport
	err     error
}

func (s *smsTracker) TrackDelivery(_ context.Context, r outbox.DeliveryReport) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return false, s.err
	}
	s.reports = append(s.reports, r)
	return r.ProviderID != "SMunknown", nil
}

func (s *smsTracker) tracked() []outbox.DeliveryReport {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]outbox.DeliveryReport(nil), s.reports...)
}

func rawPost(base, body, signature string) (*http.Response, error) {
	req, err := http.NewRequest(http.MethodPost, base+twilio.SMSPath, strings.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if signature != "" {
		req.Header.Set(twilio.SignatureHeader, signature)
	}
	return http.DefaultClient.Do(req)
}

func jsonDecode(resp *http.Response, out any) error { return json.NewDecoder(resp.Body).Decode(out) }

func TestMessageStatusCallbacksBecomeDeliveryReports(t *testing.T) {
	sent := faketwilio.Message{Sid: "SM" + strings.Repeat("a", 32), From: smsFrom, To: smsCustomer}
	cases := []struct {
		name   string
		status string
		code   int
		want   outbox.DeliveryReport
	}{
		{"sent", "sent", 0, outbox.DeliveryReport{State: "sent"}},
		{"delivered", "delivered", 0, outbox.DeliveryReport{State: "delivered"}},
		{"queued", "queued", 0, outbox.DeliveryReport{State: "queued"}},
		{"undelivered with its error", "undelivered", 30003, outbox.DeliveryReport{State: "undelivered", Error: "twilio error 30003"}},
		{"21610 opts the customer out", "failed", 21610, outbox.DeliveryReport{State: "failed", Error: "twilio error 21610", OptedOut: true}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := newSMSServer(t)
			resp := s.post(t, twilio.StatusPath, faketwilio.MessageStatus(faketwilio.AccountSID, sent, c.status, c.code))
			if resp.Status != http.StatusOK {
				t.Fatalf("status %d: %s", resp.Status, resp.Body)
			}
			c.want.Channel, c.want.ProviderID = "sms", sent.Sid
			if got := s.tracker.tracked(); len(got) != 1 || got[0] != c.want {
				t.Fatalf("reports %+v, want %+v", got, c.want)
			}
		})
	}
}

func TestStatusCallbacksThatChangeNothingAreAcknowledged(t *testing.T) {
	s := newSMSServer(t)
	unknown := faketwilio.Message{Sid: "SMunknown", From: smsFrom, To: smsCustomer}
	if resp := s.post(t, twilio.StatusPath, faketwilio.MessageStatus(faketwilio.AccountSID, unknown, "delivered", 0)); resp.Status != http.StatusOK {
		t.Fatalf("unknown sid: %d", resp.Status)
	}
	odd := faketwilio.Message{Sid: "SM1", From: smsFrom, To: smsCustomer}
	if resp := s.post(t, twilio.StatusPath, faketwilio.MessageStatus(faketwilio.AccountSID, odd, "receiving", 0)); resp.Status != http.StatusOK {
		t.Fatalf("a status switchboard does not track: %d", resp.Status)
	}
	call := url.Values{"AccountSid": {faketwilio.AccountSID}, "CallSid": {"CA1"}, "CallStatus": {"completed"}, "CallDuration": {"42"}}
	if resp := s.post(t, twilio.StatusPath, call); resp.Status/100 != 2 {
		t.Fatalf("call status: %d", resp.Status)
	}
	if got := s.tracker.tracked(); len(got) != 1 || got[0].ProviderID != "SMunknown" {
		t.Fatalf("reports %+v: only the message status is a delivery report", got)
	}
}

func TestStatusCallbackRejections(t *testing.T) {
	s := newSMSServer(t)
	resp := s.post(t, twilio.StatusPath, url.Values{"AccountSid": {faketwilio.AccountSID}})
	if resp.Status != http.StatusBadRequest || !strings.Contains(resp.Body, "MessageSid") {
		t.Fatalf("neither sid: %d %s", resp.Status, resp.Body)
	}
	resp = s.post(t, twilio.StatusPath, url.Values{"MessageSid": {"SM1"}})
	if resp.Status != http.StatusBadRequest || !strings.Contains(resp.Body, "MessageStatus") {
		t.Fatalf("no status: %d %s", resp.Status, resp.Body)
	}
	s.tracker.err = errors.New("database is down")
	sent := faketwilio.Message{Sid: "SM1", From: smsFrom, To: smsCustomer}
	if resp := s.post(t, twilio.StatusPath, faketwilio.MessageStatus(faketwilio.AccountSID, sent, "delivered", 0)); resp.Status != http.StatusServiceUnavailable {
		t.Fatalf("store failure: %d", resp.Status)
	}
}
