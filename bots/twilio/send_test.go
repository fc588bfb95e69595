package twilio_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/switchboardhq/switchboard/bots/twilio"
	"github.com/switchboardhq/switchboard/dialog"
	"github.com/switchboardhq/switchboard/internal/faketwilio"
	"github.com/switchboardhq/switchboard/outbox"
	"github.com/switchboardhq/switchboard/storage"
)

const (
	smsFrom     = "+15005550006"
	smsCustomer = "+14155552671"
	smsPublic   = "https://support.example.com"
)

var smsMenu = [][]dialog.Button{
	{{Data: "m:hours", Label: "Opening hours"}},
	{{Data: "m:order", Label: "A question about my order"}},
	{{Data: dialog.ButtonPerson, Label: "Talk to a person"}},
}

func TestRenderSMSListsTheChoicesByDigit(t *testing.T) {
	parts := twilio.RenderSMS(dialog.Reply{Text: "Your request number is SB-000001.", Buttons: smsMenu})
	want := "Your request number is SB-000001.\n\nReply 1 for Opening hours, 2 for A question about my order, 0 for a person."
	if len(parts) != 1 || parts[0] != want {
		t.Fatalf("rendered %q, want %q", parts, want)
	}
}

func TestRenderSMSKeepsLabelsWithCommasApart(t *testing.T) {
	helped := [][]dialog.Button{{{Data: dialog.ButtonHelped, Label: "Yes, thanks"}, {Data: dialog.ButtonPerson, Label: "Talk to a person"}}}
	parts := twilio.RenderSMS(dialog.Reply{Text: "Did this help?", Buttons: helped})
	if len(parts) != 1 || !strings.HasSuffix(parts[0], "Reply 1 for Yes, thanks; 0 for a person.") {
		t.Fatalf("rendered %q", parts)
	}
}

func TestRenderSMSShortensTheTextNeverTheChoices(t *testing.T) {
	cases := []struct {
		name     string
		text     string
		list     string
		ellipsis string
		enc      twilio.Encoding
	}{
		{"GSM-7 text", strings.Repeat("We answer every day of the week. ", 40),
			"Reply 1 for Opening hours, 2 for A question about my order, 0 for a person.", "...", twilio.GSM7},
		{"Cyrillic text", strings.Repeat("Мы отвечаем каждый день недели. ", 20),
			"Ответьте: 1 — Опция, 0 — позвать человека.", "…", twilio.UCS2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			buttons := smsMenu
			if c.enc == twilio.UCS2 {
				buttons = [][]dialog.Button{{{Data: "m:x", Label: "Опция"}}, {{Data: dialog.ButtonPerson, Label: "Поговорить с человеком"}}}
			}
			parts := twilio.RenderSMS(dialog.Reply{Text: c.text, Buttons: buttons})
			if len(parts) != 1 {
				t.Fatalf("%d parts, want one SMS", len(parts))
			}
			body := parts[0]
			n, enc := twilio.Segments(body)
			if n != twilio.MaxSegments || enc != c.enc {
				t.Fatalf("%d segments in %s, want %d in %s: %q", n, enc, twilio.MaxSegments, c.enc, body)
			}
			text, list, ok := strings.Cut(body, "\n\n")
			if !ok || list != c.list {
				t.Fatalf("choices %q, want %q", list, c.list)
			}
			if !strings.HasSuffix(text, c.ellipsis) || !strings.HasPrefix(c.text, strings.TrimSuffix(text, c.ellipsis)) {
				t.Fatalf("text %q: want a prefix of the answer ending in %q", text, c.ellipsis)
			}
			if len([]rune(text)) < len([]rune(c.text))/4 {
				t.Fatalf("text cut to %d characters: too short for %d segments", len([]rune(text)), n)
			}
		})
	}
}

func TestRenderSMSSplitsALongOperatorReplyLosingNothing(t *testing.T) {
	text := strings.Repeat("Your parcel left our warehouse this morning and should reach you tomorrow.\n", 30)
	parts := twilio.RenderSMS(dialog.Reply{Text: text})
	if len(parts) < 2 {
		t.Fatalf("%d parts for %d characters", len(parts), len(text))
	}
	for i, p := range parts {
		if n, _ := twilio.Segments(p); n > twilio.MaxSegments || p == "" {
			t.Fatalf("part %d has %d segments", i, n)
		}
	}
	if got, want := strings.Join(strings.Fields(strings.Join(parts, " ")), " "), strings.Join(strings.Fields(text), " "); got != want {
		t.Fatal("text lost or changed in the split")
	}
}

// smsAdapter is an adapter talking to a fresh fake Twilio.
func smsAdapter(t *testing.T) (*twilio.Adapter, *faketwilio.Server) {
	t.Helper()
	fake := faketwilio.New()
	t.Cleanup(fake.Close)
	a := twilio.New(twilio.Config{AccountSID: fake.AccountSID(), AuthToken: fake.AuthToken(), PhoneNumber: smsFrom,
		APIBaseURL: fake.URL(), PublicURL: smsPublic, DefaultRegion: "US"}, nil, nil)
	return a, fake
}

func smsItem(t *testing.T, r dialog.Reply) storage.OutboxItem {
	t.Helper()
	payload, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	return storage.OutboxItem{ID: 1, Channel: dialog.ChannelSMS, Address: smsCustomer, Payload: string(payload)}
}

func TestSMSSenderSendsFromTheNumberWithAStatusCallback(t *testing.T) {
	a, fake := smsAdapter(t)
	sid, err := a.SMSSender().Send(t.Context(), smsItem(t, dialog.Reply{Text: "Hello", Buttons: smsMenu}))
	if err != nil {
		t.Fatal(err)
	}
	msgs := fake.Messages()
	if len(msgs) != 1 || msgs[0].Sid != sid {
		t.Fatalf("sid %q, fake has %+v", sid, msgs)
	}
	m := msgs[0]
	if m.From != smsFrom || m.To != smsCustomer || m.StatusCallback != smsPublic+"/webhooks/twilio/status" || !strings.Contains(m.Body, "0 for a person") {
		t.Fatalf("sent %+v", m)
	}
	if path := fake.Requests(faketwilio.KindMessages)[0].Path; path != "/2010-04-01/Accounts/"+fake.AccountSID()+"/Messages.json" {
		t.Fatalf("path %s: the base URL must replace only scheme and host", path)
	}
}

func TestSMSSenderTellsTheOutboxHowToGoOn(t *testing.T) {
	isTemporary := func(err error) bool {
		var pe *outbox.PermanentError
		var ue *outbox.UnreachableError
		var oe *outbox.OptedOutError
		var ra *outbox.RetryAfterError
		return err != nil && !errors.As(err, &pe) && !errors.As(err, &ue) && !errors.As(err, &oe) && !errors.As(err, &ra)
	}
	cases := []struct {
		name string
		fail faketwilio.Failure
		want func(error) bool
	}{
		{"21610 opted out", faketwilio.Failure{Code: faketwilio.ErrOptedOut},
			func(err error) bool {
				var oe *outbox.OptedOutError
				return errors.As(err, &oe) && strings.Contains(err.Error(), "21610")
			}},
		{"21211 invalid number is permanent", faketwilio.Failure{Code: faketwilio.ErrInvalidTo},
			func(err error) bool { var pe *outbox.PermanentError; return errors.As(err, &pe) }},
		{"21614 not a mobile is permanent", faketwilio.Failure{Code: faketwilio.ErrNotMobile},
			func(err error) bool { var pe *outbox.PermanentError; return errors.As(err, &pe) }},
		{"429 pauses and retries", faketwilio.Failure{Status: 429},
			func(err error) bool { var ra *outbox.RetryAfterError; return errors.As(err, &ra) && ra.Wait > 0 }},
		{"500 is temporary", faketwilio.Failure{Status: 500}, isTemporary},
		{"503 is temporary", faketwilio.Failure{Status: 503}, isTemporary},
		{"401 is a configuration problem, retried", faketwilio.Failure{Status: 401, Code: 20003}, isTemporary},
		{"a dropped connection is temporary", faketwilio.Failure{Drop: true}, isTemporary},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a, fake := smsAdapter(t)
			fake.Fail(c.fail)
			sid, err := a.SMSSender().Send(t.Context(), smsItem(t, dialog.Reply{Text: "Hello"}))
			if sid != "" || !c.want(err) {
				t.Fatalf("Send = %q, %v (%T)", sid, err, errors.Unwrap(err))
			}
		})
	}
}

func TestSMSSenderRefusesABrokenItemForGood(t *testing.T) {
	a, fake := smsAdapter(t)
	_, err := a.SMSSender().Send(t.Context(), storage.OutboxItem{ID: 9, Address: smsCustomer, Payload: "{"})
	var pe *outbox.PermanentError
	if !errors.As(err, &pe) || len(fake.Requests("")) != 0 {
		t.Fatalf("err = %v, want permanent and nothing sent", err)
	}
}
