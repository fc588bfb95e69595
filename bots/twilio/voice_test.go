package twilio_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/switchboardhq/switchboard/bots/twilio"
	"github.com/switchboardhq/switchboard/dialog"
	"github.com/switchboardhq/switchboard/internal/faketwilio"
	"github.com/switchboardhq/switchboard/phone"
)

// callEngine stands in for the engine: it records the steps submitted and
// the statuses recorded, and answers every step with replies.
type callEngine struct {
	texts *dialog.Texts

	mu       sync.Mutex
	steps    []dialog.Event
	statuses []dialog.CallStatus
	queued   []dialog.QueueResult
	replies  []dialog.Reply
	err      error
}

func (e *callEngine) Submit(_ context.Context, ev dialog.Event) (dialog.Result, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.err != nil {
		return dialog.Result{}, e.err
	}
	e.steps = append(e.steps, ev)
	return dialog.Result{Replies: e.replies}, nil
}

func (e *callEngine) Texts() *dialog.Texts { return e.texts }

// NormalizePhone reads numbers as an engine with default region US does.
func (e *callEngine) NormalizePhone(raw string) (string, error) { return phone.Normalize(raw, "US") }

func (e *callEngine) RecordCallStatus(_ context.Context, s dialog.CallStatus) (bool, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.err != nil {
		return false, e.err
	}
	e.statuses = append(e.statuses, s)
	return true, nil
}

func (e *callEngine) RecordQueueResult(_ context.Context, r dialog.QueueResult) (bool, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.err != nil {
		return false, e.err
	}
	e.queued = append(e.queued, r)
	return true, nil
}

func (e *callEngine) submitted() []dialog.Event {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]dialog.Event(nil), e.steps...)
}

// newCallServer serves an adapter's webhooks for calls, signed against
// smsPublic and reached locally.
func newCallServer(t *testing.T, answer bool) (*callEngine, faketwilio.Webhook) {
	t.Helper()
	texts, err := dialog.NewTexts(nil, "en")
	if err != nil {
		t.Fatal(err)
	}
	eng := &callEngine{texts: texts}
	a := twilio.New(twilio.Config{AccountSID: faketwilio.AccountSID, AuthToken: faketwilio.AuthToken, PhoneNumber: smsFrom,
		PublicURL: smsPublic, DefaultRegion: "GB"}, eng, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if answer {
		a.AnswerCallsWith(eng)
	}
	e := echo.New()
	a.Register(e)
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	return eng, faketwilio.Webhook{AuthToken: faketwilio.AuthToken, Via: srv.URL}
}

// shape is v's children as "Name" or "Name[child child]", with the
// language of each Say: a document's structure at a glance.
func shape(v faketwilio.TwiML) []string {
	out := make([]string, len(v.Children))
	for i, c := range v.Children {
		out[i] = c.XMLName.Local
		if c.XMLName.Local == "Say" {
			out[i] += "(" + c.Attr("language") + ")"
		}
		if len(c.Children) > 0 {
			out[i] += "[" + strings.Join(shape(c), " ") + "]"
		}
	}
	return out
}

func postCall(t *testing.T, hook faketwilio.Webhook, pathAndQuery string, params url.Values) faketwilio.TwiML {
	t.Helper()
	resp, err := hook.Post(t.Context(), smsPublic+pathAndQuery, params)
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status != http.StatusOK || !strings.HasPrefix(resp.ContentType, "text/xml") {
		t.Fatalf("%s answered %d %s: %s", pathAndQuery, resp.Status, resp.ContentType, resp.Body)
	}
	doc, err := faketwilio.ParseTwiML(resp.Body)
	if err != nil {
		t.Fatalf("%q: %v", resp.Body, err)
	}
	return doc
}

func TestCallStepsAreSubmittedAsInlineEvents(t *testing.T) {
	eng, hook := newCallServer(t, true)
	call := url.Values{"CallSid": {"CA1"}, "From": {"07400 123456"}, "To": {smsFrom}}
	with := func(k, v string) url.Values {
		out := url.Values{}
		for key, vs := range call {
			out[key] = vs
		}
		out.Set(k, v)
		return out
	}
	postCall(t, hook, twilio.VoicePath, call)
	postCall(t, hook, twilio.VoiceMenuPath+"?attempt=3", with("Digits", "2"))
	postCall(t, hook, twilio.VoiceMenuPath+"?attempt=3&silence=1", call)
	postCall(t, hook, twilio.VoiceMenuPath+"?attempt=4&silence=2", call)
	readBack := postCall(t, hook, twilio.VoiceCallbackPath+"?from=wait&lang=en", with("Digits", "1"))
	if len(eng.submitted()) != 4 {
		t.Fatalf("pressing 1 booked before the number was confirmed: %+v", eng.submitted())
	}
	gather, _ := readBack.Find("Gather")
	if said := gather.Said(); !strings.Contains(said, "+ 4 4 7 4 0 0 1 2 3 4 5 6") && !strings.Contains(said, "4 4 7 4 0 0 1 2 3 4 5 6") {
		t.Errorf("read back %q: want the caller's number digit by digit", said)
	}
	confirm := gather.Attr("action")
	if !strings.Contains(confirm, twilio.VoiceCallbackConfirmPath+"?") || !strings.Contains(confirm, "number=%2B447400123456") {
		t.Fatalf("read back action %q", confirm)
	}
	postCall(t, hook, strings.TrimPrefix(confirm, smsPublic), with("Digits", "1"))
	declined := postCall(t, hook, twilio.VoiceCallbackPath+"?from=wait&lang=en", with("Digits", "7"))
	postCall(t, hook, twilio.VoiceWaitPath+"?lang=en", with("QueuePosition", "2"))

	var got []string
	for _, ev := range eng.submitted() {
		if !ev.Inline || ev.From.Channel != dialog.ChannelVoice || ev.From.Phone != "+447400123456" || ev.From.ExternalID != "+447400123456" {
			t.Fatalf("event %+v: want inline, from the caller's number in E.164", ev)
		}
		got = append(got, strings.Join([]string{ev.ExternalID, string(ev.Kind), ev.Command, ev.Payload, ev.Text, ev.Button}, " "))
	}
	want := []string{
		"CA1:start command start   ",
		"CA1:menu:3:2 text   2 ",
		"CA1:menu:3: command menu (no key pressed)  ",
		"CA1:menu:4: command operator (no key pressed)  ",
		"CA1:callback button  +447400123456  cb",
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("steps\n%q\nwant\n%q", got, want)
	}
	if !reflect.DeepEqual(shape(declined), []string{"Redirect"}) {
		t.Fatalf("a holding caller declining the callback got %v, want back to the music", shape(declined))
	}
}

func TestAWithheldNumberIsThatCallAlone(t *testing.T) {
	eng, hook := newCallServer(t, true)
	postCall(t, hook, twilio.VoicePath, url.Values{"CallSid": {"CA9"}, "From": {"anonymous"}})
	if ev := eng.submitted()[0]; ev.From.ExternalID != "call:CA9" || ev.From.Phone != "" || ev.From.Address != "" {
		t.Fatalf("caller %+v, want the call alone, with no number", ev.From)
	}
}

func TestCallTwiMLFollowsTheEngine(t *testing.T) {
	menu := [][]dialog.Button{{{Data: "m:a", Label: "Opening hours"}}, {{Data: dialog.ButtonPerson, Label: "Talk to a person"}}}
	cases := []struct {
		name    string
		replies []dialog.Reply
		want    []string
		said    string
	}{
		{"a menu repeats on silence", []dialog.Reply{{Text: "Hello", Buttons: menu, Language: "en"}},
			[]string{"Say(en-US)", "Gather[Say(en-US)]", "Redirect"}, "Hello For Opening hours, press 1. To talk to a person, press 0."},
		{"an answer ends on silence", []dialog.Reply{{Text: "We open at nine.", Language: "en", Buttons: [][]dialog.Button{{{Data: dialog.ButtonHelped}, {Data: dialog.ButtonPerson}}}}},
			[]string{"Say(en-US)", "Gather[Say(en-US)]", "Say(en-US)", "Hangup"},
			"We open at nine. If that answered your question, press 1, or simply hang up. To talk to a person, press 0. Thank you for calling. Goodbye."},
		{"a callback offer", []dialog.Reply{{Text: "All busy.", Language: "en", Buttons: [][]dialog.Button{{{Data: dialog.ButtonCallback}}}}},
			[]string{"Say(en-US)", "Gather[Say(en-US)]", "Say(en-US)", "Hangup"}, "All busy. To be called back, press 1. Thank you for calling. Goodbye."},
		{"hold", []dialog.Reply{{Text: "Stay on the line.", Language: "ru", Hold: true}},
			[]string{"Say(ru-RU)", "Enqueue"}, "Stay on the line."},
		{"nothing more to offer", []dialog.Reply{{Text: "Goodbye!", Language: "pt-br"}}, []string{"Say(pt-BR)", "Hangup"}, "Goodbye!"},
		{"nothing said", nil, []string{"Hangup"}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			eng, hook := newCallServer(t, true)
			eng.replies = c.replies
			doc := postCall(t, hook, twilio.VoicePath, url.Values{"CallSid": {"CA1"}, "From": {"+447700900123"}})
			if got := shape(doc); !reflect.DeepEqual(got, c.want) {
				t.Fatalf("TwiML %v, want %v", got, c.want)
			}
			if got := doc.Said(); got != c.said {
				t.Fatalf("said %q, want %q", got, c.said)
			}
		})
	}
}

func TestCallStatusCallbacksAreRecorded(t *testing.T) {
	eng, hook := newCallServer(t, true)
	post := func(params url.Values) faketwilio.WebhookResponse {
		t.Helper()
		resp, err := hook.Post(t.Context(), smsPublic+twilio.StatusPath, params)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	if resp := post(url.Values{"CallSid": {"CA1"}, "CallStatus": {"Completed"}, "CallDuration": {"63"}}); resp.Status != http.StatusOK {
		t.Fatalf("status: %d %s", resp.Status, resp.Body)
	}
	if want := []dialog.CallStatus{{CallSid: "CA1", Status: "completed", Seconds: 63}}; !reflect.DeepEqual(eng.statuses, want) {
		t.Fatalf("recorded %+v, want %+v", eng.statuses, want)
	}
	for _, bad := range []url.Values{{"CallSid": {"CA1"}}, {"CallSid": {"CA1"}, "CallStatus": {"completed"}, "CallDuration": {"a minute"}}} {
		if resp := post(bad); resp.Status != http.StatusBadRequest || !strings.Contains(resp.Body, `"error"`) {
			t.Fatalf("%v: %d %s, want 400", bad, resp.Status, resp.Body)
		}
	}
	eng.err = errors.New("database is down")
	if resp := post(url.Values{"CallSid": {"CA1"}, "CallStatus": {"busy"}}); resp.Status != http.StatusServiceUnavailable {
		t.Fatalf("store failure: %d, want 503 so Twilio retries", resp.Status)
	}
}

func TestCallStepsAre503WhileTheyCannotBeStored(t *testing.T) {
	eng, hook := newCallServer(t, true)
	eng.err = errors.New("database is down")
	resp, err := hook.Post(t.Context(), smsPublic+twilio.VoicePath, url.Values{"CallSid": {"CA1"}, "From": {"+447700900123"}})
	if err != nil || resp.Status != http.StatusServiceUnavailable {
		t.Fatalf("%+v %v, want 503", resp, err)
	}
}

func TestCallsAre503UntilTheAdapterAnswersThem(t *testing.T) {
	_, hook := newCallServer(t, false)
	for _, path := range []string{twilio.VoicePath, twilio.VoiceMenuPath + "?attempt=1", twilio.VoiceWaitPath, twilio.VoiceCallbackPath,
		twilio.VoiceQueueResultPath} {
		resp, err := hook.Post(t.Context(), smsPublic+path, url.Values{"CallSid": {"CA1"}})
		if err != nil || resp.Status != http.StatusServiceUnavailable {
			t.Fatalf("%s: %+v %v, want 503", path, resp, err)
		}
	}
}

// TestCallerKeysInAnotherNumberToBeCalledBack: 2 at the read-back asks for
// another number ended by #; digits that are no number are asked for
// again, then a real one is read back, and only its confirmation books
// the callback, to that number; after three wrong numbers the caller goes
// back to the hold music.
func TestCallerKeysInAnotherNumberToBeCalledBack(t *testing.T) {
	eng, hook := newCallServer(t, true)
	call := url.Values{"CallSid": {"CA2"}, "From": {"+447400123456"}, "To": {smsFrom}}
	with := func(k, v string) url.Values {
		out := url.Values{"CallSid": call["CallSid"], "From": call["From"], "To": call["To"]}
		out.Set(k, v)
		return out
	}
	readBack := postCall(t, hook, twilio.VoiceCallbackPath+"?from=wait&lang=en", with("Digits", "1"))
	g, _ := readBack.Find("Gather")
	keyIn := postCall(t, hook, strings.TrimPrefix(g.Attr("action"), smsPublic), with("Digits", "2"))
	g, _ = keyIn.Find("Gather")
	if g.Attr("finishOnKey") != "#" || !strings.Contains(g.Said(), "hash") {
		t.Fatalf("key-in prompt %v %q: want a Gather ended by #", shape(keyIn), g.Said())
	}
	again := postCall(t, hook, strings.TrimPrefix(g.Attr("action"), smsPublic), with("Digits", "12"))
	if !strings.Contains(again.Said(), "not a number we can call") {
		t.Errorf("wrong number answered %q", again.Said())
	}
	g, _ = again.Find("Gather")
	readBack = postCall(t, hook, strings.TrimPrefix(g.Attr("action"), smsPublic), with("Digits", "14155552671"))
	g, _ = readBack.Find("Gather")
	if !strings.Contains(g.Said(), "1 4 1 5 5 5 5 2 6 7 1") || !strings.Contains(g.Attr("action"), "number=%2B14155552671") {
		t.Fatalf("read back %q action %q", g.Said(), g.Attr("action"))
	}
	if n := len(eng.submitted()); n != 0 {
		t.Fatalf("%d steps submitted before confirming", n)
	}
	postCall(t, hook, strings.TrimPrefix(g.Attr("action"), smsPublic), with("Digits", "1"))
	if evs := eng.submitted(); len(evs) != 1 || evs[0].Button != dialog.ButtonCallback || evs[0].Payload != "+14155552671" {
		t.Fatalf("submitted %+v: want one callback step for +14155552671", evs)
	}

	doc := postCall(t, hook, twilio.VoiceCallbackNumberPath+"?from=wait&lang=en&try=3", with("Digits", "99"))
	if !reflect.DeepEqual(shape(doc), []string{"Redirect"}) {
		t.Errorf("third wrong number: %v, want back to the hold music", shape(doc))
	}
}
