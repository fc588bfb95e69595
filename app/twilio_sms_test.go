package app_test

import (
	"bufio"
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/internal/faketelegram"
	"github.com/switchboardhq/switchboard/internal/faketwilio"
	"github.com/switchboardhq/switchboard/storage"
)

const (
	smsPublicURL = "https://support.example.com"
	smsNumber    = "+15005550006" // TWILIO_PHONE_NUMBER
	smsAnn       = "+14155552671"
)

// smsWorld is a switchboard with Twilio enabled against a fake Twilio REST
// API, reached behind what would be a reverse proxy: Twilio signs and
// calls https://support.example.com/…, the requests arrive at the local
// listener.
type smsWorld struct {
	*harness
	twilio *faketwilio.Server
	hook   faketwilio.Webhook
}

func startSMS(t *testing.T, opts ...func(*setup)) *smsWorld {
	t.Helper()
	fake := faketwilio.New()
	t.Cleanup(fake.Close)
	env := []func(*setup){
		withEnv("SWITCHBOARD_PUBLIC_URL", smsPublicURL),
		withEnv("TWILIO_ACCOUNT_SID", fake.AccountSID()),
		withEnv("TWILIO_AUTH_TOKEN", fake.AuthToken()),
		withEnv("TWILIO_PHONE_NUMBER", smsNumber),
		withEnv("TWILIO_API_BASE_URL", fake.URL()),
	}
	h := start(t, append(env, opts...)...)
	fake.RouteWebhooksTo(h.base)
	return &smsWorld{harness: h, twilio: fake, hook: faketwilio.Webhook{AuthToken: fake.AuthToken(), Via: h.base}}
}

// text posts an SMS from number, signed as Twilio signs it, requires 200
// with TwiML, and returns the form it sent.
func (w *smsWorld) text(from, body string) url.Values {
	w.t.Helper()
	params := faketwilio.InboundSMS(w.twilio.AccountSID(), from, smsNumber, body)
	w.deliverSMS(params)
	return params
}

func (w *smsWorld) deliverSMS(params url.Values) {
	w.t.Helper()
	resp, err := w.hook.Post(w.t.Context(), smsPublicURL+"/webhooks/twilio/sms", params)
	if err != nil {
		w.t.Fatal(err)
	}
	if resp.Status != http.StatusOK || !strings.HasPrefix(resp.ContentType, "text/xml") {
		w.t.Fatalf("sms webhook answered %d %s: %s", resp.Status, resp.ContentType, resp.Body)
	}
	var doc struct {
		XMLName  xml.Name
		Messages []string `xml:"Message"`
	}
	if err := xml.Unmarshal([]byte(resp.Body), &doc); err != nil || doc.XMLName.Local != "Response" || len(doc.Messages) != 0 {
		w.t.Fatalf("TwiML %q (%v): want an empty <Response/>", resp.Body, err)
	}
}

// waitSMS waits until the fake Twilio has accepted n messages.
func (w *smsWorld) waitSMS(n int) []faketwilio.Message {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(w.t.Context(), 15*time.Second)
	defer cancel()
	msgs, err := w.twilio.WaitForMessages(ctx, n)
	if err != nil {
		w.t.Fatal(err)
	}
	return msgs
}

// status posts a signed status callback for sid, as Twilio does.
func (w *smsWorld) status(sid, status string, errorCode int) {
	w.t.Helper()
	resp, err := w.twilio.SendMessageStatus(w.t.Context(), sid, status, errorCode)
	if err != nil || resp.Status != http.StatusOK {
		w.t.Fatalf("status callback %s %s: %+v, %v", sid, status, resp, err)
	}
}

type smsConversation struct {
	ID         uint64 `json:"id"`
	Ticket     string `json:"ticket"`
	Status     string `json:"status"`
	Channel    string `json:"channel"`
	CustomerID uint64 `json:"customer_id"`
	Messages   []struct {
		ID            uint64 `json:"id"`
		Direction     string `json:"direction"`
		Author        string `json:"author"`
		Text          string `json:"text"`
		DeliveryState string `json:"delivery_state"`
		DeliveryError string `json:"delivery_error"`
	} `json:"messages"`
}

func (w *smsWorld) conversation(token string, id uint64) smsConversation {
	w.t.Helper()
	var c smsConversation
	if code := w.call(http.MethodGet, fmt.Sprintf("/api/v1/conversations/%d", id), token, nil, &c); code != http.StatusOK {
		w.t.Fatalf("get conversation %d: status %d", id, code)
	}
	return c
}

// deliveryOf is the delivery state of the conversation's message with text.
func (w *smsWorld) deliveryOf(token string, id uint64, text string) (state, errText string) {
	w.t.Helper()
	for _, m := range w.conversation(token, id).Messages {
		if m.Text == text {
			return m.DeliveryState, m.DeliveryError
		}
	}
	w.t.Fatalf("no message %q in conversation %d", text, id)
	return "", ""
}

// deliveryEvents streams the data of message.delivery events operators get.
func (w *smsWorld) deliveryEvents(token string) <-chan string {
	w.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	w.t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, w.base+"/api/v1/events", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusOK {
		w.t.Fatalf("GET /api/v1/events: %v %v", resp, err)
	}
	out := make(chan string, 64)
	go func() {
		defer resp.Body.Close()
		delivery := false
		for sc := bufio.NewScanner(resp.Body); sc.Scan(); {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "event: "):
				delivery = line == "event: message.delivery"
			case delivery && strings.HasPrefix(line, "data: "):
				select {
				case out <- strings.TrimPrefix(line, "data: "):
				default:
				}
			}
		}
	}()
	return out
}

func (w *smsWorld) identity(number string) storage.Identity {
	w.t.Helper()
	id, _, err := w.app.Store.FindOrCreateIdentity(w.t.Context(), storage.Contact{Channel: "sms", ExternalID: number, Address: number, Phone: number})
	if err != nil {
		w.t.Fatal(err)
	}
	return id
}

// TestSMSJourneyToAnOperatorAndBack: a text gets the greeting with a
// numbered menu, "0" a person, the operator's reply goes out by SMS and
// Twilio's status callbacks show it delivered, never going backwards.
func TestSMSJourneyToAnOperatorAndBack(t *testing.T) {
	w := startSMS(t)
	w.text(smsAnn, "Hello")
	greeting := w.waitSMS(1)[0]
	if greeting.To != smsAnn || greeting.From != smsNumber || greeting.StatusCallback != smsPublicURL+"/webhooks/twilio/status" {
		t.Fatalf("greeting sent as %+v", greeting)
	}
	if !strings.Contains(greeting.Body, "SB-000001") ||
		!strings.HasSuffix(greeting.Body, "\n\nReply 1 for Opening hours, 2 for A question about my order, 3 for Call me back, 0 for a person.") {
		t.Fatalf("greeting %q: want the ticket and the numbered menu", greeting.Body)
	}

	w.text(smsAnn, "0")
	if handover := w.waitSMS(2)[1]; !strings.Contains(handover.Body, "number 1 in the queue") {
		t.Fatalf("handover %q", handover.Body)
	}

	token := w.login(adminEmail, adminPassword)
	var list struct {
		Conversations []smsConversation `json:"conversations"`
	}
	if code := w.call(http.MethodGet, "/api/v1/conversations?status=waiting", token, nil, &list); code != http.StatusOK || len(list.Conversations) != 1 {
		t.Fatalf("waiting: status %d, %+v", code, list)
	}
	id := list.Conversations[0].ID
	if list.Conversations[0].Channel != "sms" {
		t.Fatalf("channel %q", list.Conversations[0].Channel)
	}
	if code := w.call(http.MethodPost, fmt.Sprintf("/api/v1/conversations/%d/claim", id), token, nil, nil); code != http.StatusOK {
		t.Fatalf("claim: %d", code)
	}
	if joined := w.waitSMS(3)[2]; !strings.Contains(joined.Body, "has joined") {
		t.Fatalf("join notice %q", joined.Body)
	}
	const answer = "Hello Ann, your parcel is on its way."
	if code := w.call(http.MethodPost, fmt.Sprintf("/api/v1/conversations/%d/messages", id), token, map[string]string{"text": answer}, nil); code != http.StatusCreated {
		t.Fatalf("reply: %d", code)
	}
	reply := w.waitSMS(4)[3]
	if reply.Body != answer || reply.To != smsAnn || reply.From != smsNumber {
		t.Fatalf("operator reply sent as %+v", reply)
	}
	w.waitFor("reply recorded as sent", func() bool { s, _ := w.deliveryOf(token, id, answer); return s == "sent" })

	events := w.deliveryEvents(token)
	w.status(reply.Sid, "delivered", 0)
	if s, _ := w.deliveryOf(token, id, answer); s != "delivered" {
		t.Fatalf("after delivered: %q", s)
	}
	for told := false; !told; {
		select {
		case data := <-events: // the reply's "sent" may come first
			told = strings.Contains(data, `"delivery_state":"delivered"`)
		case <-time.After(10 * time.Second):
			t.Fatal("operators were not told of the delivery")
		}
	}
	// Late, repeated and out-of-order callbacks change nothing.
	for _, late := range []string{"sent", "queued", "delivered", "failed"} {
		w.status(reply.Sid, late, 0)
	}
	if s, _ := w.deliveryOf(token, id, answer); s != "delivered" {
		t.Fatalf("after late callbacks: %q, want still delivered", s)
	}
	// An unknown message is acknowledged and ignored.
	resp, err := faketwilio.Webhook{AuthToken: w.twilio.AuthToken(), Via: w.base}.Post(t.Context(), smsPublicURL+"/webhooks/twilio/status",
		faketwilio.MessageStatus(w.twilio.AccountSID(), faketwilio.Message{Sid: faketwilio.NewMessageSid(), From: smsNumber, To: smsAnn}, "delivered", 0))
	if err != nil || resp.Status != http.StatusOK {
		t.Fatalf("unknown sid: %+v %v", resp, err)
	}
}

func TestSMSUndeliveredShowsTwiliosError(t *testing.T) {
	w := startSMS(t)
	w.text(smsAnn, "Hello")
	greeting := w.waitSMS(1)[0]
	token := w.login(adminEmail, adminPassword)
	w.waitFor("greeting recorded as sent", func() bool {
		m := w.conversation(token, 1).Messages
		return len(m) == 2 && m[1].DeliveryState == "sent"
	})
	w.status(greeting.Sid, "undelivered", 30003)
	w.status(greeting.Sid, "sent", 0)
	m := w.conversation(token, 1).Messages[1]
	if m.DeliveryState != "undelivered" || !strings.Contains(m.DeliveryError, "30003") {
		t.Fatalf("greeting %+v: want undelivered with Twilio's error", m)
	}
}

// TestSMSStopSilencesEvenOperatorReplies: after STOP nothing more is sent
// to the number; an operator's reply is recorded as failed, opted out.
func TestSMSStopSilencesEvenOperatorReplies(t *testing.T) {
	w := startSMS(t)
	w.text(smsAnn, "Hello")
	w.text(smsAnn, "0")
	w.waitSMS(2)
	w.text(smsAnn, "STOP")
	if !w.identity(smsAnn).OptedOut {
		t.Fatal("STOP did not opt the number out")
	}
	token := w.login(adminEmail, adminPassword)
	if code := w.call(http.MethodPost, "/api/v1/conversations/1/claim", token, nil, nil); code != http.StatusOK {
		t.Fatalf("claim: %d", code)
	}
	const answer = "Are you still there?"
	if code := w.call(http.MethodPost, "/api/v1/conversations/1/messages", token, map[string]string{"text": answer}, nil); code != http.StatusCreated {
		t.Fatalf("reply: %d", code)
	}
	state, errText := w.deliveryOf(token, 1, answer)
	if state != "failed" || !strings.Contains(errText, "opted out") {
		t.Fatalf("reply %s (%s), want failed: opted out", state, errText)
	}
	time.Sleep(300 * time.Millisecond) // several poll intervals: nothing may go out
	if n := len(w.twilio.Requests(faketwilio.KindMessages)); n != 2 {
		t.Fatalf("%d messages sent, want only the 2 before STOP", n)
	}
	w.text(smsAnn, "START")
	if got := w.waitSMS(3)[2]; !strings.Contains(got.Body, "messages again") {
		t.Fatalf("after START: %q", got.Body)
	}
}

func TestTwilioOptOutErrorMarksTheCustomerOptedOut(t *testing.T) {
	w := startSMS(t)
	w.twilio.FailOptedOut(smsAnn)
	w.text(smsAnn, "Hello")
	w.waitFor("opted out", func() bool { return w.identity(smsAnn).OptedOut })
	token := w.login(adminEmail, adminPassword)
	w.waitFor("greeting failed", func() bool {
		m := w.conversation(token, 1).Messages
		return len(m) == 2 && m[1].DeliveryState == "failed" && strings.Contains(m[1].DeliveryError, "21610")
	})
	w.text(smsAnn, "0")
	time.Sleep(300 * time.Millisecond)
	if n := len(w.twilio.Requests(faketwilio.KindMessages)); n != 1 {
		t.Fatalf("%d send attempts, want 1: nothing after 21610", n)
	}
}

func TestStatusCallbackWithError21610OptsOut(t *testing.T) {
	w := startSMS(t)
	w.text(smsAnn, "Hello")
	greeting := w.waitSMS(1)[0]
	w.waitFor("greeting recorded", func() bool {
		_, err := w.app.Store.OutboundByExternalID(t.Context(), "sms", greeting.Sid)
		return err == nil
	})
	w.status(greeting.Sid, "failed", 21610)
	if !w.identity(smsAnn).OptedOut {
		t.Fatal("21610 in a status callback did not opt the number out")
	}
}

func TestSMSServerErrorsAreRetried(t *testing.T) {
	w := startSMS(t)
	w.twilio.FailServerError(faketwilio.KindMessages, 2)
	w.text(smsAnn, "Hello")
	w.waitSMS(1)
	if n := len(w.twilio.Requests(faketwilio.KindMessages)); n != 3 {
		t.Fatalf("%d requests, want 2 failures and a success", n)
	}
}

func TestSameMessageSidIsHandledOnce(t *testing.T) {
	w := startSMS(t)
	params := w.text(smsAnn, "Hello")
	w.deliverSMS(params)
	w.deliverSMS(params)
	w.waitSMS(1)
	time.Sleep(200 * time.Millisecond)
	if n := len(w.twilio.Messages()); n != 1 {
		t.Fatalf("%d replies, want one greeting", n)
	}
	msgs, err := w.app.Store.ListMessages(t.Context(), 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 2 || msgs[0].Author != storage.AuthorCustomer || msgs[0].ExternalID != params.Get("MessageSid") {
		t.Fatalf("stored %+v: want one customer message and one greeting", msgs)
	}
}

func TestTwilioWebhooksRefuseForgedAndBrokenRequests(t *testing.T) {
	w := startSMS(t)
	good := faketwilio.InboundSMS(w.twilio.AccountSID(), smsAnn, smsNumber, "Hello")
	post := func(path, body, signature string) (int, string) {
		req, _ := http.NewRequest(http.MethodPost, w.base+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if signature != "" {
			req.Header.Set(faketwilio.SignatureHeader, signature)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(raw)
	}
	sign := func(u string, v url.Values) string { return faketwilio.Sign(w.twilio.AuthToken(), u, v) }
	cases := []struct {
		name, path, body, signature string
		status                      int
	}{
		{"forged sms", "/webhooks/twilio/sms", good.Encode(), faketwilio.Sign("guessed", smsPublicURL+"/webhooks/twilio/sms", good), http.StatusForbidden},
		{"unsigned sms", "/webhooks/twilio/sms", good.Encode(), "", http.StatusForbidden},
		{"signed for the proxy's address, not the public URL", "/webhooks/twilio/sms", good.Encode(), sign(w.base+"/webhooks/twilio/sms", good), http.StatusForbidden},
		{"signed for another path", "/webhooks/twilio/sms", good.Encode(), sign(smsPublicURL+"/webhooks/twilio/status", good), http.StatusForbidden},
		{"forged status", "/webhooks/twilio/status", "MessageSid=SM1&MessageStatus=delivered", "bm90IGEgc2lnbmF0dXJl", http.StatusForbidden},
		{"a body that cannot be parsed", "/webhooks/twilio/sms", "MessageSid=%zz;From", sign(smsPublicURL+"/webhooks/twilio/sms", nil), http.StatusBadRequest},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, body := post(c.path, c.body, c.signature)
			if code != c.status || !strings.Contains(body, `"error"`) {
				t.Fatalf("got %d %s, want %d with a JSON error", code, body, c.status)
			}
		})
	}
	n, err := w.app.Store.CountByState(t.Context())
	if err != nil || len(n) != 0 {
		t.Fatalf("refused requests stored conversations: %v %v", n, err)
	}
	if len(w.twilio.Requests("")) != 0 {
		t.Fatal("a refused request led to a send")
	}
}

func TestTwilioWebhooksWhenTwilioIsDisabled(t *testing.T) {
	h := start(t)
	for _, path := range []string{"/webhooks/twilio/sms", "/webhooks/twilio/voice", "/webhooks/twilio/status", "/webhooks/twilio/voice/gather"} {
		var body struct {
			Error string `json:"error"`
		}
		code := h.call(http.MethodPost, path, "", "From=%2B14155552671&MessageSid=SM1", &body)
		if code != http.StatusForbidden || !strings.Contains(body.Error, "TWILIO_AUTH_TOKEN") {
			t.Fatalf("%s: %d %q, want 403 naming what to set", path, code, body.Error)
		}
	}
}

// TestNumberSharedOnTelegramKeepsOneHistoryBySMS: a customer who shared
// their number on Telegram and then texts from it is one customer.
func TestNumberSharedOnTelegramKeepsOneHistoryBySMS(t *testing.T) {
	w := startSMS(t)
	w.send(faketelegram.CommandUpdate(1, ann, "start", ""))
	w.send(faketelegram.ContactUpdate(2, ann, strings.TrimPrefix(smsAnn, "+")))
	w.waitSent(1)
	w.text(smsAnn, "It's Ann again, by text")
	w.waitSMS(1)
	token := w.login(adminEmail, adminPassword)
	tg, sms := w.conversation(token, 1), w.conversation(token, 2)
	if tg.Channel != "telegram" || sms.Channel != "sms" {
		t.Fatalf("channels %q and %q", tg.Channel, sms.Channel)
	}
	if sms.CustomerID != tg.CustomerID {
		t.Fatalf("SMS conversation belongs to customer %d, the Telegram one to %d: want one customer", sms.CustomerID, tg.CustomerID)
	}
}
