package app_test

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/internal/faketwilio"
)

const voiceCaller = "+14155552671"

// voiceWorld is a switchboard taking calls from a fake Twilio, signed and
// sent as Twilio does to SWITCHBOARD_PUBLIC_URL behind a reverse proxy.
type voiceWorld struct {
	*smsWorld
}

func startVoice(t *testing.T, opts ...func(*setup)) *voiceWorld {
	t.Helper()
	return &voiceWorld{startSMS(t, opts...)}
}

// withYAML runs switchboard with settings from yaml.
func withYAML(t *testing.T, yaml string) func(*setup) {
	path := filepath.Join(t.TempDir(), "switchboard.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	return withEnv("SWITCHBOARD_CONFIG", path)
}

// operatorOnline logs an operator into the console with its event stream
// open, which is what counts them online.
func (w *voiceWorld) operatorOnline() {
	w.t.Helper()
	w.consoleLogin(adminEmail, adminPassword).openEvents()
	// Online as the dialer and the wait estimate see it: in the database.
	w.waitFor("an operator online", func() bool {
		present, err := w.app.Store.OperatorsPresent(w.t.Context())
		return err == nil && len(present) > 0 && w.app.Broker.OnlineOperators() > 0
	})
}

// phoneCall is one call to switchboard: its form, as Twilio posts it with
// every step.
type phoneCall struct {
	w      *voiceWorld
	params url.Values
}

// dial places a call from number and returns it with the TwiML that
// answered it.
func (w *voiceWorld) dial(from string) (*phoneCall, faketwilio.TwiML) {
	w.t.Helper()
	c := &phoneCall{w: w, params: faketwilio.IncomingCall(w.twilio.AccountSID(), from, smsNumber)}
	return c, c.post(smsPublicURL+"/webhooks/twilio/voice", c.params)
}

func (c *phoneCall) sid() string { return c.params.Get("CallSid") }

// post sends params to the public URL u, signed, and requires TwiML.
func (c *phoneCall) post(u string, params url.Values) faketwilio.TwiML {
	c.w.t.Helper()
	resp, err := c.w.hook.Post(c.w.t.Context(), u, params)
	if err != nil {
		c.w.t.Fatal(err)
	}
	if resp.Status != http.StatusOK || !strings.HasPrefix(resp.ContentType, "text/xml") {
		c.w.t.Fatalf("POST %s answered %d %s: %s", u, resp.Status, resp.ContentType, resp.Body)
	}
	doc, err := faketwilio.ParseTwiML(resp.Body)
	if err != nil {
		c.w.t.Fatalf("POST %s: %q: %v", u, resp.Body, err)
	}
	return doc
}

// press answers gather's action with a key ("" for the silence after it,
// which Twilio follows with the Redirect).
func (c *phoneCall) press(doc faketwilio.TwiML, digits string) faketwilio.TwiML {
	c.w.t.Helper()
	if digits == "" {
		return c.post(child(c.w.t, doc, "Redirect").Text, faketwilio.CallDigits(c.params, ""))
	}
	return c.post(child(c.w.t, doc, "Gather").Attr("action"), faketwilio.CallDigits(c.params, digits))
}

// hold is Twilio asking the Enqueue's waitUrl what to play at position.
func (c *phoneCall) hold(doc faketwilio.TwiML, position int) faketwilio.TwiML {
	c.w.t.Helper()
	return c.post(child(c.w.t, doc, "Enqueue").Attr("waitUrl"), faketwilio.QueueWait(c.params, position, 30))
}

// status posts the call's status callback.
func (c *phoneCall) status(status string, seconds int) {
	c.w.t.Helper()
	resp, err := c.w.hook.Post(c.w.t.Context(), smsPublicURL+"/webhooks/twilio/status", faketwilio.CallStatusCallback(c.params, status, seconds))
	if err != nil || resp.Status != http.StatusOK {
		c.w.t.Fatalf("call status %s: %+v %v", status, resp, err)
	}
}

// child is doc's first child called name.
func child(t *testing.T, doc faketwilio.TwiML, name string) faketwilio.TwiML {
	t.Helper()
	c, ok := doc.Find(name)
	if !ok {
		t.Fatalf("no <%s> in <%s> %v", name, doc.XMLName.Local, doc.Verbs())
	}
	return c
}

// languages are the language attributes of every Say in doc.
func languages(doc faketwilio.TwiML) map[string]bool {
	out := map[string]bool{}
	doc.Walk(func(e faketwilio.TwiML) {
		if e.XMLName.Local == "Say" {
			out[e.Attr("language")] = true
		}
	})
	return out
}

func wantVerbs(t *testing.T, doc faketwilio.TwiML, want ...string) {
	t.Helper()
	if got := doc.Verbs(); !reflect.DeepEqual(got, want) {
		t.Fatalf("verbs %v, want %v (said %q)", got, want, doc.Said())
	}
}

func wantSaid(t *testing.T, doc faketwilio.TwiML, wants ...string) {
	t.Helper()
	got := doc.Said()
	for _, w := range wants {
		if !strings.Contains(got, w) {
			t.Fatalf("said %q, want it to contain %q", got, w)
		}
	}
}

// wantURL requires u to be the public URL of path with exactly query.
func wantURL(t *testing.T, what, u, path string, query url.Values) {
	t.Helper()
	parsed, err := url.Parse(u)
	if err != nil || parsed.Scheme+"://"+parsed.Host != smsPublicURL || parsed.Path != path || !reflect.DeepEqual(parsed.Query(), query) {
		t.Fatalf("%s %q, want %s%s?%s", what, u, smsPublicURL, path, query.Encode())
	}
}

type voiceConversation struct {
	ID           uint64 `json:"id"`
	Ticket       string `json:"ticket"`
	Status       string `json:"status"`
	Channel      string `json:"channel"`
	Queue        string `json:"queue"`
	HandedOverAt string `json:"handed_over_at"`
	Messages     []struct {
		Direction string `json:"direction"`
		Author    string `json:"author"`
		Kind      string `json:"kind"`
		Text      string `json:"text"`
	} `json:"messages"`
}

// conversations lists the conversations in state, through the API.
func (w *voiceWorld) conversations(state string) []voiceConversation {
	w.t.Helper()
	token := w.login(adminEmail, adminPassword)
	var list struct {
		Conversations []voiceConversation `json:"conversations"`
	}
	if code := w.call(http.MethodGet, "/api/v1/conversations?status="+state, token, nil, &list); code != http.StatusOK {
		w.t.Fatalf("list %s conversations: %d", state, code)
	}
	out := list.Conversations
	for i := range out {
		if code := w.call(http.MethodGet, fmt.Sprintf("/api/v1/conversations/%d", out[i].ID), token, nil, &out[i]); code != http.StatusOK {
			w.t.Fatalf("get conversation %d: %d", out[i].ID, code)
		}
	}
	return out
}

// only is the one conversation in state.
func (w *voiceWorld) only(state string) voiceConversation {
	w.t.Helper()
	cs := w.conversations(state)
	if len(cs) != 1 {
		w.t.Fatalf("%d %s conversations, want 1: %+v", len(cs), state, cs)
	}
	return cs[0]
}

// texts are what authors said in c, in order ("customer: 1").
func (c voiceConversation) texts(authors ...string) []string {
	var out []string
	for _, m := range c.Messages {
		for _, a := range authors {
			if m.Author == a {
				out = append(out, m.Author+": "+m.Text)
			}
		}
	}
	return out
}

// TestVoiceCallThroughTheMenuIntoTheQueue: the caller hears the ticket and
// the menu, picks an operator topic by its digit and, with an operator
// online, holds in the queue, where the hold music tells their place and
// offers a callback.
func TestVoiceCallThroughTheMenuIntoTheQueue(t *testing.T) {
	w := startVoice(t)
	w.operatorOnline()
	call, doc := w.dial(voiceCaller)

	wantVerbs(t, doc, "Say", "Gather", "Redirect")
	wantSaid(t, doc, "Thank you for calling. Your request number is S B, 0 0 0 0 0 1.")
	gather := child(t, doc, "Gather")
	if gather.Attr("numDigits") != "1" || gather.Attr("input") != "dtmf" {
		t.Fatalf("gather %+v", gather.Attrs)
	}
	wantURL(t, "gather action", gather.Attr("action"), "/webhooks/twilio/voice/menu", url.Values{"attempt": {"1"}})
	if got := gather.Said(); got != "For Opening hours, press 1. For A question about my order, press 2. For Call me back, press 3. To talk to a person, press 0." {
		t.Fatalf("menu read as %q", got)
	}
	wantURL(t, "redirect", child(t, doc, "Redirect").Text, "/webhooks/twilio/voice/menu", url.Values{"attempt": {"1"}, "silence": {"1"}})
	if langs := languages(doc); !reflect.DeepEqual(langs, map[string]bool{"en-US": true}) {
		t.Fatalf("Say languages %v, want en-US", langs)
	}

	doc = call.press(doc, "2")
	wantVerbs(t, doc, "Say", "Enqueue")
	wantSaid(t, doc, "Please stay on the line", "S B, 0 0 0 0 0 1")
	enqueue := child(t, doc, "Enqueue")
	if strings.TrimSpace(enqueue.Text) != "support" {
		t.Fatalf("enqueued in %q, want support", enqueue.Text)
	}
	wantURL(t, "waitUrl", enqueue.Attr("waitUrl"), "/webhooks/twilio/voice/wait", url.Values{"lang": {"en"}})

	doc = call.hold(doc, 3)
	wantVerbs(t, doc, "Gather")
	gather = child(t, doc, "Gather")
	wantSaid(t, gather, "You are number 3 in the queue.", "To be called back instead, press 1: you keep your place.")
	child(t, gather, "Play")
	wantURL(t, "callback action", gather.Attr("action"), "/webhooks/twilio/voice/callback", url.Values{"lang": {"en"}, "from": {"wait"}})

	// Another key while holding: back to the hold music.
	doc = call.post(gather.Attr("action"), faketwilio.CallDigits(call.params, "5"))
	wantVerbs(t, doc, "Redirect")
	wantURL(t, "hold on", child(t, doc, "Redirect").Text, "/webhooks/twilio/voice/wait", url.Values{"lang": {"en"}})

	conv := w.only("waiting")
	if conv.Channel != "voice" || conv.Queue != "orders" || conv.Ticket != "SB-000001" {
		t.Fatalf("conversation %+v", conv)
	}
	if got := conv.texts("customer"); !reflect.DeepEqual(got, []string{"customer: /start", "customer: 2"}) {
		t.Fatalf("the caller's steps %q, want /start then 2", got)
	}
}

// TestVoiceCallbackWhileHoldingKeepsThePlace: a caller who presses 1 while
// holding asks for a callback and keeps their place in the queue.
func TestVoiceCallbackWhileHoldingKeepsThePlace(t *testing.T) {
	w := startVoice(t)
	w.operatorOnline()
	first, doc := w.dial(voiceCaller)
	held := first.press(doc, "0")
	second, doc := w.dial("+14155552672")
	second.press(doc, "0")

	wait := first.hold(held, 1)
	doc = first.post(child(t, wait, "Gather").Attr("action"), faketwilio.CallDigits(first.params, "1"))
	wantVerbs(t, doc, "Gather", "Redirect") // the number read back; silence holds on
	wantSaid(t, doc, "We will call you back at 1 4 1 5 5 5 5 2 6 7 1. To confirm, press 1.")
	if len(w.conversations("waiting")[0].texts("system")) != 0 {
		t.Fatal("booked before the number was confirmed")
	}
	doc = first.press(doc, "1")
	wantVerbs(t, doc, "Say", "Hangup")
	wantSaid(t, doc, "We will call you back at 1 4 1 5 5 5 5 2 6 7 1", "you keep your place in the queue")

	queue := w.conversations("waiting")
	if len(queue) != 2 || queue[0].Queue != "callback" || queue[1].Queue != "" {
		t.Fatalf("queue %+v: want the caller who asked for a callback first, in queue callback", queue)
	}
	if got := queue[0].texts("system"); !reflect.DeepEqual(got, []string{"system: Caller asked to be called back at " + voiceCaller}) {
		t.Fatalf("system messages %q", got)
	}
}

// TestVoiceCallbackOfferedWhenNobodyIsOnline: with no operator online the
// caller is offered a callback at once; pressing 1 records the request in
// the operator queue, once however often Twilio posts it.
func TestVoiceCallbackOfferedWhenNobodyIsOnline(t *testing.T) {
	w := startVoice(t)
	call, doc := w.dial(voiceCaller)
	doc = call.press(doc, "0")
	wantVerbs(t, doc, "Say", "Gather", "Say", "Hangup")
	wantSaid(t, doc, "All our colleagues are busy right now", "Thank you for calling. Goodbye.")
	gather := child(t, doc, "Gather")
	if got := gather.Said(); got != "To be called back, press 1." {
		t.Fatalf("offer %q", got)
	}
	wantURL(t, "offer action", gather.Attr("action"), "/webhooks/twilio/voice/callback", url.Values{"lang": {"en"}, "from": {"offer"}})

	readBack := call.press(doc, "1")
	wantVerbs(t, readBack, "Gather", "Say", "Hangup")
	booked := call.press(readBack, "1")
	wantVerbs(t, booked, "Say", "Hangup")
	wantSaid(t, booked, "We will call you back at 1 4 1 5 5 5 5 2 6 7 1")
	if again := call.press(readBack, "1"); !again.Same(booked) {
		t.Fatalf("the same callback step again answered %v, want %v", again.Said(), booked.Said())
	}
	conv := w.only("waiting")
	if conv.Queue != "callback" || conv.HandedOverAt == "" {
		t.Fatalf("conversation %+v, want waiting in queue callback", conv)
	}
	if got := conv.texts("system"); !reflect.DeepEqual(got, []string{"system: Caller asked to be called back at " + voiceCaller}) {
		t.Fatalf("system messages %q, want one callback request", got)
	}

	// Declining the offer is a goodbye and changes nothing.
	other, doc := w.dial("+14155552672")
	doc = other.press(other.press(doc, "0"), "9")
	wantVerbs(t, doc, "Say", "Hangup")
	wantSaid(t, doc, "Goodbye")
}

// TestVoiceAfterHoursOffersACallback: after business hours the caller is
// told when people are back and offered a callback, even with an operator
// online.
func TestVoiceAfterHoursOffersACallback(t *testing.T) {
	day := strings.ToLower(time.Now().UTC().AddDate(0, 0, 3).Weekday().String()[:3])
	w := startVoice(t, withYAML(t, "business_hours:\n  time_zone: UTC\n  weekly:\n    "+day+": \"09:00-09:01\"\n"))
	w.operatorOnline()
	call, doc := w.dial(voiceCaller)
	doc = call.press(doc, "0")
	wantVerbs(t, doc, "Say", "Gather", "Say", "Hangup")
	wantSaid(t, doc, "Our team is away right now and back on", "at 09:00", "To be called back, press 1.")
}

// TestVoiceSilenceRepeatsTheMenuOnceThenAPerson: no key at the menu reads
// it again; no key again puts the caller through to a person.
func TestVoiceSilenceRepeatsTheMenuOnceThenAPerson(t *testing.T) {
	w := startVoice(t)
	w.operatorOnline()
	call, doc := w.dial(voiceCaller)
	doc = call.press(doc, "")
	wantVerbs(t, doc, "Say", "Gather", "Redirect")
	wantSaid(t, doc, "Here are the options again.", "For Opening hours, press 1.")
	wantURL(t, "second menu", child(t, doc, "Gather").Attr("action"), "/webhooks/twilio/voice/menu", url.Values{"attempt": {"2"}})
	wantURL(t, "second redirect", child(t, doc, "Redirect").Text, "/webhooks/twilio/voice/menu", url.Values{"attempt": {"2"}, "silence": {"2"}})

	doc = call.press(doc, "")
	wantVerbs(t, doc, "Say", "Enqueue")
	conv := w.only("waiting")
	if got := conv.texts("customer"); len(got) != 3 || got[2] != "customer: /operator (no key pressed)" {
		t.Fatalf("the caller's steps %q", got)
	}
}

// TestVoiceAnswerThenAPerson: an answer option is spoken and followed by
// "press 0 for a person, or hang up"; 0 then hands over.
func TestVoiceAnswerThenAPerson(t *testing.T) {
	w := startVoice(t)
	call, doc := w.dial(voiceCaller)
	doc = call.press(doc, "1")
	wantVerbs(t, doc, "Say", "Gather", "Say", "Hangup")
	wantSaid(t, doc, "We answer every day")
	gather := child(t, doc, "Gather")
	wantSaid(t, gather, "To talk to a person, press 0.", "or simply hang up")
	wantURL(t, "after the answer", gather.Attr("action"), "/webhooks/twilio/voice/menu", url.Values{"attempt": {"2"}})

	doc = call.press(doc, "0")
	wantSaid(t, doc, "All our colleagues are busy right now")
	if conv := w.only("waiting"); !reflect.DeepEqual(conv.texts("customer"), []string{"customer: /start", "customer: 1", "customer: 0"}) {
		t.Fatalf("the caller's steps %q", conv.texts("customer"))
	}
}

// TestVoiceSameStepTwiceIsHandledOnce: Twilio posting the same step of the
// same call again gets the same TwiML and stores nothing more.
func TestVoiceSameStepTwiceIsHandledOnce(t *testing.T) {
	w := startVoice(t)
	call, first := w.dial(voiceCaller)
	if again := call.post(smsPublicURL+"/webhooks/twilio/voice", call.params); !again.Same(first) {
		t.Fatalf("the call again answered %q, want %q", again.Said(), first.Said())
	}
	answer := call.press(first, "1")
	if again := call.press(first, "1"); !again.Same(answer) {
		t.Fatalf("the key again answered %q, want %q", again.Said(), answer.Said())
	}
	conv := w.only("bot")
	if got := conv.texts("customer", "bot"); len(got) != 4 {
		t.Fatalf("messages %q, want the call and the key once, each answered once", got)
	}
}

// TestVoiceWebhooksRefuseForgedAndBrokenRequests: a forged signature is
// 403 and stores nothing; a body that cannot be parsed, or a step that is
// not a call's, is 400.
func TestVoiceWebhooksRefuseForgedAndBrokenRequests(t *testing.T) {
	w := startVoice(t)
	good := faketwilio.IncomingCall(w.twilio.AccountSID(), voiceCaller, smsNumber)
	voiceURL := smsPublicURL + "/webhooks/twilio/voice"
	cases := []struct {
		name   string
		path   string
		body   string
		sign   func(body string) string
		status int
	}{
		{"forged", "/webhooks/twilio/voice", good.Encode(), func(string) string { return faketwilio.Sign("guessed", voiceURL, good) }, http.StatusForbidden},
		{"unsigned", "/webhooks/twilio/voice", good.Encode(), func(string) string { return "" }, http.StatusForbidden},
		{"signed without the query", "/webhooks/twilio/voice/menu?attempt=1", good.Encode(),
			func(string) string { return faketwilio.Sign(w.twilio.AuthToken(), voiceURL+"/menu", good) }, http.StatusForbidden},
		{"a body that cannot be parsed", "/webhooks/twilio/voice", "CallSid=%zz;From",
			func(string) string { return faketwilio.Sign(w.twilio.AuthToken(), voiceURL, nil) }, http.StatusBadRequest},
		{"no CallSid", "/webhooks/twilio/voice", "From=%2B14155552671",
			func(string) string {
				return faketwilio.Sign(w.twilio.AuthToken(), voiceURL, url.Values{"From": {voiceCaller}})
			}, http.StatusBadRequest},
		{"no attempt", "/webhooks/twilio/voice/menu", good.Encode(),
			func(string) string { return faketwilio.Sign(w.twilio.AuthToken(), voiceURL+"/menu", good) }, http.StatusBadRequest},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, w.base+c.path, strings.NewReader(c.body))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if sig := c.sign(c.body); sig != "" {
				req.Header.Set(faketwilio.SignatureHeader, sig)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			raw, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != c.status || !strings.Contains(string(raw), `"error"`) {
				t.Fatalf("got %d %s, want %d with a JSON error", resp.StatusCode, raw, c.status)
			}
		})
	}
	if n, err := w.app.Store.CountByState(t.Context()); err != nil || len(n) != 0 {
		t.Fatalf("refused calls stored conversations: %v %v", n, err)
	}
}

// TestVoiceSpeaksTheDefaultLanguage: callers tell no language, so calls
// are answered in default_language, with a voice for it.
func TestVoiceSpeaksTheDefaultLanguage(t *testing.T) {
	w := startVoice(t, withYAML(t, "default_language: ru\n"))
	_, doc := w.dial(voiceCaller)
	if langs := languages(doc); !reflect.DeepEqual(langs, map[string]bool{"ru-RU": true}) {
		t.Fatalf("Say languages %v, want ru-RU", langs)
	}
	wantSaid(t, doc, "Спасибо за звонок", "Часы работы — нажмите 1.", "Чтобы поговорить с человеком, нажмите 0.")
}

// TestCallStatusIsRecordedOnce: how a call ended is a system message in its
// conversation, once; repeats, late progress statuses and unknown calls
// change nothing, and the customer is sent nothing.
func TestCallStatusIsRecordedOnce(t *testing.T) {
	w := startVoice(t)
	call, doc := w.dial(voiceCaller)
	call.press(doc, "0")
	call.status("completed", 63)
	for _, late := range []string{"completed", "ringing", "in-progress", "no-answer"} {
		call.status(late, 70)
	}
	stranger := &phoneCall{w: w, params: faketwilio.IncomingCall(w.twilio.AccountSID(), voiceCaller, smsNumber)}
	stranger.status("completed", 5)

	conv := w.only("waiting")
	if got := conv.texts("system"); !reflect.DeepEqual(got, []string{"system: Caller hung up after 63 s while waiting in the queue"}) {
		t.Fatalf("system messages %q, want the outcome once", got)
	}
	if n := len(w.twilio.Requests("")); n != 0 {
		t.Fatalf("%d requests to Twilio, want none", n)
	}

	// Another call that ends in the menu.
	next, _ := w.dial("+14155552672")
	next.status("completed", 12)
	if got := w.only("bot").texts("system"); !reflect.DeepEqual(got, []string{"system: Call completed after 12 s"}) {
		t.Fatalf("system messages %q", got)
	}
}
