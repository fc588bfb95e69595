package twilio_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/switchboardhq/switchboard/bots/twilio"
	"github.com/switchboardhq/switchboard/dialog"
	"github.com/switchboardhq/switchboard/internal/faketwilio"
	"github.com/switchboardhq/switchboard/phone"
)

// smsForms are inbound SMS webhook bodies shaped like Twilio's: a text, an
// MMS with two attachments, a short code, a body in Cyrillic.
var smsForms = []string{
	"ToCountry=US&ToState=CA&SmsMessageSid=SM1&NumMedia=0&ToCity=&FromZip=&SmsSid=SM1&FromState=&SmsStatus=received&FromCity=&Body=Hello+there&FromCountry=GB&To=%2B15005550006&ToZip=&NumSegments=1&MessageSid=SM1&AccountSid=AC1&From=%2B447700900123&ApiVersion=2010-04-01",
	"MessageSid=MM2&From=%2B447700900123&To=%2B15005550006&Body=receipt&NumMedia=2&MediaUrl0=https%3A%2F%2Fapi.twilio.com%2F2010-04-01%2FAccounts%2FAC1%2FMessages%2FMM2%2FMedia%2FME1&MediaContentType0=image%2Fjpeg&MediaUrl1=https%3A%2F%2Fapi.twilio.com%2FMedia%2FME2&MediaContentType1=application%2Fpdf",
	"MessageSid=SM3&From=72345&Body=STOP&NumMedia=garbage",
	"MessageSid=SM4&From=07700+900123&Body=%D0%BF%D1%80%D0%B8%D0%B2%D0%B5%D1%82&NumMedia=-1&MediaUrl3=http%3A%2F%2Fx",
	"MessageSid=&From=%2B447700900123",
	"From=%2B447700900123&Body=no+sid",
}

// FuzzParseSMS: any form ParseSMS accepts names its MessageSid as the
// event's id and a sender; one without MessageSid or From is an error;
// a sender read as a number is E.164 that reads as itself; attachments are
// at most ten absolute http(s) URLs.
func FuzzParseSMS(f *testing.F) {
	for _, s := range smsForms {
		f.Add(s, "GB")
		f.Add(s, "")
	}
	f.Fuzz(func(t *testing.T, body, region string) {
		form, err := url.ParseQuery(body)
		if err != nil {
			return
		}
		ev, err := twilio.ParseSMS(form, region, time.Unix(1700000000, 0))
		sid, from := strings.TrimSpace(form.Get("MessageSid")), strings.TrimSpace(form.Get("From"))
		if sid == "" || from == "" {
			if err == nil {
				t.Fatalf("accepted a form without MessageSid or From: %+v", ev)
			}
			return
		}
		if err != nil {
			t.Fatalf("refused %q: %v", body, err)
		}
		if ev.ExternalID != sid || ev.From.ExternalID == "" || ev.From.Channel != dialog.ChannelSMS {
			t.Errorf("event id %q sender %+v for MessageSid %q From %q", ev.ExternalID, ev.From, sid, from)
		}
		if p := ev.From.Phone; p != "" {
			if again, err := phone.Normalize(p, ""); err != nil || again != p {
				t.Errorf("sender %q normalises to %q, %v", p, again, err)
			}
		}
		media := ev.MoreMedia
		if ev.Kind == dialog.KindMedia {
			media = append([]dialog.Media{ev.Media}, media...)
		}
		if len(media) > 10 {
			t.Errorf("%d attachments", len(media))
		}
		for _, m := range media {
			u, err := url.Parse(m.FileID)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				t.Errorf("attachment %q is not an absolute http(s) URL", m.FileID)
			}
		}
	})
}

// FuzzSegments: every text takes at least one segment, GSM-7 only when
// each character is one, and no more segments than filling each part to
// one unit short of full would take (a two-unit character is not split).
func FuzzSegments(f *testing.F) {
	for _, s := range []string{"", "Hello", strings.Repeat("a", 161), strings.Repeat("€", 81), "It’s ok", strings.Repeat("ж", 71),
		strings.Repeat("😀", 36), strings.Repeat("a", 152) + "€" + strings.Repeat("a", 152), "\xff\xfe"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		n, enc := twilio.Segments(body)
		if n < 1 {
			t.Fatalf("%q takes %d segments", body, n)
		}
		single, part, units := 160, 153, 0
		if enc == twilio.UCS2 {
			single, part = 70, 67
		}
		for _, r := range body {
			u := 1
			if (enc == twilio.GSM7 && strings.ContainsRune("\f^{}\\[~]|€", r)) || (enc == twilio.UCS2 && r > 0xFFFF) {
				u = 2
			}
			units += u
		}
		switch {
		case units <= single && n != 1:
			t.Errorf("%q: %d units in %d segments", body, units, n)
		case units > single && (n < (units+part-1)/part || n > (units+part-2)/(part-1)):
			t.Errorf("%q: %d %s units in %d segments", body, units, enc, n)
		}
	})
}

// webhookServer is the adapter's webhooks with calls answered, served
// without a listener; signed requests are signed for smsPublic.
func webhookServer(t *testing.T) (*echo.Echo, *callEngine) {
	t.Helper()
	texts, err := dialog.NewTexts(nil, "en")
	if err != nil {
		t.Fatal(err)
	}
	eng := &callEngine{texts: texts, replies: []dialog.Reply{{Text: "Pick one", Buttons: [][]dialog.Button{{{Data: "menu:billing", Label: "Billing"}}}}}}
	a := twilio.New(twilio.Config{AccountSID: faketwilio.AccountSID, AuthToken: faketwilio.AuthToken, PhoneNumber: smsFrom,
		PublicURL: smsPublic, DefaultRegion: "GB"}, eng, slog.New(slog.NewTextHandler(io.Discard, nil)))
	a.AnswerCallsWith(eng)
	e := echo.New()
	a.Register(e)
	return e, eng
}

// webhookPaths are the webhooks the fuzzers post to.
var webhookPaths = []string{
	twilio.SMSPath, twilio.VoicePath, twilio.VoiceMenuPath, twilio.VoiceWaitPath, twilio.VoiceCallbackPath,
	twilio.VoiceCallbackConfirmPath, twilio.VoiceCallbackNumberPath,
}

// post sends body to path?query, with signature sig when it is not "",
// else signed as Twilio signs: its validator covers each key's first value.
func post(e *echo.Echo, path, query, body, sig string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
	req.URL.Path, req.URL.RawQuery = path, query
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if sig == "" {
		form, _ := url.ParseQuery(body)
		first := url.Values{}
		for k, v := range form {
			first.Set(k, v[0])
		}
		public := smsPublic + path
		if query != "" {
			public += "?" + query
		}
		sig = faketwilio.Sign(faketwilio.AuthToken, public, first)
	}
	req.Header.Set(twilio.SignatureHeader, sig)
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	return rec
}

// FuzzWebhookSignature: a request whose X-Twilio-Signature is not the
// right one is refused (400 for a body that is no form, else 403) and
// reaches nothing behind the check, whatever its body and query.
func FuzzWebhookSignature(f *testing.F) {
	for i, s := range smsForms {
		f.Add(uint8(i), "", s, "bm90IGEgc2lnbmF0dXJl")
		f.Add(uint8(i), "attempt=1", s, "")
	}
	f.Add(uint8(2), "attempt=1&silence=1", "CallSid=CA1&From=%2B447700900123&Digits=1", "8uX0lYxg3Y1E1zk6S5f1sR3aq0k=")
	f.Add(uint8(0), "bodySHA256=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "", "x")
	f.Fuzz(func(t *testing.T, which uint8, query, body, sig string) {
		e, eng := webhookServer(t)
		rec := post(e, webhookPaths[int(which)%len(webhookPaths)], query, body, sig+"!")
		if rec.Code != http.StatusForbidden && rec.Code != http.StatusBadRequest {
			t.Fatalf("a wrong signature got %d: %s", rec.Code, rec.Body)
		}
		if got := eng.submitted(); len(got) > 0 {
			t.Fatalf("a wrong signature submitted %+v", got)
		}
	})
}

// FuzzVoiceSteps posts signed steps of a call, with any query parameters
// (attempt, silence, lang, from, number, try) and form (CallSid, From,
// Digits, QueuePosition): each is answered 200 with TwiML that parses, or
// 400 for a step that is not one, never an error of the server.
func FuzzVoiceSteps(f *testing.F) {
	call := "AccountSid=AC1&ApiVersion=2010-04-01&CallSid=CA1&CallStatus=ringing&Called=%2B15005550006&Caller=%2B447700900123&Direction=inbound&From=%2B447700900123&To=%2B15005550006"
	f.Add(uint8(1), "", "", "", "", "", call)
	f.Add(uint8(2), "1", "", "en", "", "", call+"&Digits=2")
	f.Add(uint8(2), "3", "2", "ru", "", "", call)
	f.Add(uint8(3), "", "", "pt-BR", "", "", call+"&QueuePosition=4")
	f.Add(uint8(4), "", "", "en", "wait", "", call+"&Digits=1")
	f.Add(uint8(4), "", "", "en", "offer", "", "CallSid=CA2&From=anonymous&Digits=1")
	f.Add(uint8(5), "", "", "en", "wait", "+447700900123", call+"&Digits=1")
	f.Add(uint8(6), "", "", "en", "offer", "2", call+"&Digits=0044770090012")
	f.Add(uint8(0), "", "", "", "", "", smsForms[1])
	f.Add(uint8(2), "-1", "x", "", "", "", call)
	f.Fuzz(func(t *testing.T, which uint8, attempt, silence, lang, from, number, body string) {
		if _, err := url.ParseQuery(body); err != nil {
			return // refused before any step: FuzzWebhookSignature's ground
		}
		q := url.Values{}
		for k, v := range map[string]string{"attempt": attempt, "silence": silence, "lang": lang, "from": from, "number": number, "try": number} {
			if v != "" {
				q.Set(k, v)
			}
		}
		e, _ := webhookServer(t)
		path := webhookPaths[int(which)%len(webhookPaths)]
		rec := post(e, path, q.Encode(), body, "")
		switch rec.Code {
		case http.StatusOK:
			if !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/xml") {
				t.Fatalf("%s answered %s", path, rec.Header().Get("Content-Type"))
			}
			if _, err := faketwilio.ParseTwiML(rec.Body.String()); err != nil {
				t.Fatalf("%s answered TwiML that does not parse: %v\n%s", path, err, rec.Body)
			}
		case http.StatusBadRequest:
		default:
			t.Fatalf("%s?%s with %q answered %d: %s", path, q.Encode(), body, rec.Code, rec.Body)
		}
	})
}
