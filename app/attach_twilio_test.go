package app_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/internal/faketwilio"
	"github.com/switchboardhq/switchboard/media"
)

// claimedSMS has number text in, ask for a person and an operator claim
// the conversation; it returns the operator's token and the conversation
// once the join notice is sent.
func (w *smsWorld) claimedSMS(number string) (string, uint64) {
	w.t.Helper()
	w.text(number, "Hello")
	w.text(number, "0")
	token := w.login(adminEmail, adminPassword)
	var list struct {
		Conversations []smsConversation `json:"conversations"`
	}
	w.waitFor("a waiting conversation", func() bool {
		w.call(http.MethodGet, "/api/v1/conversations?status=waiting", token, nil, &list)
		return len(list.Conversations) == 1
	})
	id := list.Conversations[0].ID
	if code := w.call(http.MethodPost, fmt.Sprintf("/api/v1/conversations/%d/claim", id), token, nil, nil); code != http.StatusOK {
		w.t.Fatalf("claim: %d", code)
	}
	w.waitFor("every reply delivered", func() bool { n, err := w.app.Store.CountPendingOutbox(w.t.Context()); return err == nil && n == 0 })
	return token, id
}

// sentFile attaches a file and waits for the SMS or MMS it became.
func (w *smsWorld) sentFile(token string, id uint64, name string, data []byte, caption string) (uint64, faketwilio.Message) {
	w.t.Helper()
	before := len(w.twilio.Messages())
	status, raw := w.attach(token, id, name, data, caption)
	var m struct {
		ID uint64 `json:"id"`
	}
	if status != http.StatusCreated || json.Unmarshal(raw, &m) != nil {
		w.t.Fatalf("attach = %d %s", status, raw)
	}
	return m.ID, w.waitSMS(before + 1)[before]
}

func TestMMSCarriesASignedLinkTwilioCanFetch(t *testing.T) {
	w := startSMS(t)
	token, id := w.claimedSMS(smsAnn)
	pic := tinyPNG(t)
	msgID, sms := w.sentFile(token, id, "plan.png", pic, "Here is the plan")
	if sms.To != smsAnn || sms.Body != "Here is the plan" || len(sms.MediaURLs) != 1 {
		t.Fatalf("MMS = %+v, want the caption with one MediaUrl", sms)
	}
	link, err := url.Parse(sms.MediaURLs[0])
	if err != nil || link.Scheme+"://"+link.Host != smsPublicURL || link.Path != fmt.Sprintf("/media/public/%d", msgID) ||
		link.Query().Get("exp") == "" || link.Query().Get("sig") == "" {
		t.Fatalf("MediaUrl %q: want %s/media/public/%d?exp=…&sig=…", sms.MediaURLs[0], smsPublicURL, msgID)
	}

	// Twilio fetches it without a session.
	got := w.get(link.RequestURI(), "")
	if got.status != http.StatusOK || !bytes.Equal(got.body, pic) || got.header.Get("Content-Type") != "image/png" ||
		got.header.Get("X-Content-Type-Options") != "nosniff" {
		t.Fatalf("GET %s = %d %q nosniff=%q (%d bytes), want the PNG", link.RequestURI(), got.status,
			got.header.Get("Content-Type"), got.header.Get("X-Content-Type-Options"), len(got.body))
	}

	q := link.Query()
	tamper := func(edit func(path string, q url.Values) string) string {
		v := url.Values{}
		for k, vs := range q {
			v[k] = append([]string(nil), vs...)
		}
		return edit(link.Path, v)
	}
	expired := media.NewLinks(w.twilio.AuthToken(), smsPublicURL, 0).URL(msgID, time.Now().Add(-8*24*time.Hour))
	expiredURL, _ := url.Parse(expired)
	refused := []struct {
		name string
		path string
	}{
		{"changed signature", tamper(func(p string, v url.Values) string {
			sig := []byte(v.Get("sig"))
			sig[3] ^= 1
			v.Set("sig", string(sig))
			return p + "?" + v.Encode()
		})},
		{"another message", tamper(func(p string, v url.Values) string {
			return fmt.Sprintf("/media/public/%d?%s", msgID-1, v.Encode())
		})},
		{"later expiry", tamper(func(p string, v url.Values) string {
			v.Set("exp", fmt.Sprint(time.Now().Add(365*24*time.Hour).Unix()))
			return p + "?" + v.Encode()
		})},
		{"no signature", tamper(func(p string, v url.Values) string { v.Del("sig"); return p + "?" + v.Encode() })},
		{"expired", expiredURL.RequestURI()},
	}
	for _, r := range refused {
		t.Run(r.name, func(t *testing.T) {
			got := w.get(r.path, "")
			if got.status != http.StatusForbidden || bytes.Contains(got.body, pic[:8]) {
				t.Fatalf("GET %s = %d %q, want 403", r.path, got.status, got.body)
			}
		})
	}

	// A valid signature for a message that is no operator's file opens
	// nothing.
	inbound := media.NewLinks(w.twilio.AuthToken(), smsPublicURL, 0).URL(1, time.Now())
	inboundURL, _ := url.Parse(inbound)
	if got := w.get(inboundURL.RequestURI(), ""); got.status != http.StatusNotFound {
		t.Fatalf("signed link to the customer's message: %d %s, want 404", got.status, got.body)
	}
}

func TestFileToANonNorthAmericanNumberGoesAsALink(t *testing.T) {
	w := startSMS(t)
	const uk = "+447700900123"
	token, id := w.claimedSMS(uk)
	pdf := []byte("%PDF-1.4\n1 0 obj << >> endobj\n%%EOF\n")
	msgID, sms := w.sentFile(token, id, "invoice.pdf", pdf, "Your invoice")
	if sms.To != uk || len(sms.MediaURLs) != 0 || !strings.HasPrefix(sms.Body, "Your invoice\n\ninvoice.pdf: "+smsPublicURL+fmt.Sprintf("/media/public/%d?exp=", msgID)) {
		t.Fatalf("SMS = %+v, want a text with the caption and the link", sms)
	}
	link, _ := url.Parse(strings.TrimPrefix(sms.Body, "Your invoice\n\ninvoice.pdf: "))
	if got := w.get(link.RequestURI(), ""); got.status != http.StatusOK || !bytes.Equal(got.body, pdf) ||
		got.header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(got.header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("GET %s = %d %q %q", link.RequestURI(), got.status, got.header.Get("Content-Type"), got.header.Get("Content-Disposition"))
	}
}
