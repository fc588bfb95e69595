package app_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/app"
	"github.com/switchboardhq/switchboard/callback"
	"github.com/switchboardhq/switchboard/callback/policy"
	"github.com/switchboardhq/switchboard/dialog"
	"github.com/switchboardhq/switchboard/internal/faketwilio"
	"github.com/switchboardhq/switchboard/storage"
)

const operatorPhone = "+447911123456"

// shiftedClock runs at real speed from a fixed moment (13:00 in the
// customer's California, inside the default always-open business hours),
// and jumps forward when the test skips a wait.
type shiftedClock struct {
	mu    sync.Mutex
	start time.Time
	skip  time.Duration
}

var clockBase = time.Date(2026, time.March, 10, 20, 0, 0, 0, time.UTC)

func (c *shiftedClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return clockBase.Add(time.Since(c.start) + c.skip)
}

func (c *shiftedClock) Skip(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.skip += d
}

// callbackWorld is a switchboard with Twilio against the fake, its dialer
// polling fast on a test clock.
type callbackWorld struct {
	*voiceWorld
	clock *shiftedClock
	token string
}

func startCallbacks(t *testing.T) *callbackWorld {
	t.Helper()
	return startCallbacksPolling(t, 20*time.Millisecond)
}

// startCallbacksPolling is startCallbacks with the dialer polling every
// poll.
func startCallbacksPolling(t *testing.T, poll time.Duration) *callbackWorld {
	t.Helper()
	clk := &shiftedClock{start: time.Now()}
	w := &callbackWorld{clock: clk, voiceWorld: startVoice(t, withOptions(func(o *app.Options) {
		o.Clock = clk.Now
		o.Callbacks = callback.DialerConfig{PollInterval: poll}
	}))}
	w.token = w.login(adminEmail, adminPassword)
	return w
}

// onDuty gives the supervisor the callback phone operatorPhone and brings
// them online, and returns their id.
func (w *callbackWorld) onDuty() uint64 {
	w.t.Helper()
	var me struct {
		ID uint64 `json:"id"`
	}
	w.call(http.MethodGet, "/api/v1/me", w.token, nil, &me)
	if code := w.call(http.MethodPatch, fmt.Sprintf("/api/v1/operators/%d", me.ID), w.token, map[string]string{"phone": operatorPhone}, nil); code != http.StatusOK {
		w.t.Fatalf("PATCH phone: %d", code)
	}
	w.operatorOnline()
	return me.ID
}

// book has the SMS customer number text in, and books them a callback for
// as soon as possible on that conversation.
func (w *callbackWorld) book(number string) storage.Callback {
	w.t.Helper()
	w.text(number, "Please call me")
	ident := w.identity(number)
	conv, err := w.app.Store.LatestConversation(w.t.Context(), ident.ID)
	if err != nil {
		w.t.Fatal(err)
	}
	cb, err := w.app.Engine.BookCallback(w.t.Context(), dialog.CallbackBooking{CustomerID: ident.CustomerID,
		ConversationID: &conv.ID, IdentityID: &ident.ID, Phone: number})
	if err != nil {
		w.t.Fatal(err)
	}
	return cb
}

func (w *callbackWorld) callback(id uint64) storage.Callback {
	w.t.Helper()
	cb, err := w.app.Store.GetCallback(w.t.Context(), id)
	if err != nil {
		w.t.Fatal(err)
	}
	return cb
}

// waitCall waits for the fake's nth call (1-based) and for the dialer to
// have recorded it on the callback.
func (w *callbackWorld) waitCall(n int, cbID uint64) faketwilio.Call {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(w.t.Context(), 15*time.Second)
	defer cancel()
	calls, err := w.twilio.WaitForCalls(ctx, n)
	if err != nil {
		w.t.Fatal(err)
	}
	c := calls[n-1]
	w.waitFor("the call recorded", func() bool { return w.callback(cbID).CallSid == c.Sid })
	return c
}

// answered is the form Twilio posts when the operator answers call c.
func answered(c faketwilio.Call) url.Values {
	return url.Values{"AccountSid": {faketwilio.AccountSID}, "ApiVersion": {faketwilio.APIVersion}, "CallSid": {c.Sid},
		"From": {c.From}, "To": {c.To}, "Called": {c.To}, "CallStatus": {"in-progress"}, "Direction": {"outbound-api"}}
}

// connect posts the connect step of call c, signed, and returns its TwiML.
func (w *callbackWorld) connect(c faketwilio.Call) faketwilio.TwiML {
	w.t.Helper()
	return (&phoneCall{w: w.voiceWorld, params: answered(c)}).post(c.URL, answered(c))
}

// result posts the customer's leg's end to the Dial's action in doc.
func (w *callbackWorld) result(c faketwilio.Call, doc faketwilio.TwiML, dialStatus string) faketwilio.TwiML {
	w.t.Helper()
	form := answered(c)
	form.Set("DialCallStatus", dialStatus)
	form.Set("DialCallSid", faketwilio.NewCallSid())
	return (&phoneCall{w: w.voiceWorld, params: form}).post(child(w.t, doc, "Dial").Attr("action"), form)
}

// TestOperatorPhoneIsSetThroughTheAPI: a supervisor gives an operator a
// callback phone, normalised to E.164; a bad one is 400 naming "phone".
func TestOperatorPhoneIsSetThroughTheAPI(t *testing.T) {
	w := startCallbacks(t)
	var me struct {
		ID uint64 `json:"id"`
	}
	if code := w.call(http.MethodGet, "/api/v1/me", w.token, nil, &me); code != http.StatusOK {
		t.Fatalf("GET /me: %d", code)
	}
	path := fmt.Sprintf("/api/v1/operators/%d", me.ID)
	var bad struct {
		Error string `json:"error"`
	}
	if code := w.call(http.MethodPatch, path, w.token, map[string]string{"phone": "12"}, &bad); code != http.StatusBadRequest || !strings.Contains(bad.Error, `"phone"`) {
		t.Errorf("bad phone: %d %q", code, bad.Error)
	}
	var op struct {
		Phone string `json:"phone"`
	}
	if code := w.call(http.MethodPatch, path, w.token, map[string]string{"phone": "+44 7911 123456"}, &op); code != http.StatusOK || op.Phone != operatorPhone {
		t.Errorf("PATCH phone: %d %q, want %s", code, op.Phone, operatorPhone)
	}
	var created struct {
		Phone string `json:"phone"`
	}
	code := w.call(http.MethodPost, "/api/v1/operators", w.token, map[string]string{"email": "bo@example.com", "name": "Bo",
		"password": "a long enough password", "phone": "+1 415 555 2600"}, &created)
	if code != http.StatusCreated || created.Phone != "+14155552600" {
		t.Errorf("POST operator with phone: %d %q", code, created.Phone)
	}
	if code := w.call(http.MethodPost, "/api/v1/operators", w.token, map[string]string{"email": "cy@example.com", "name": "Cy",
		"password": "a long enough password", "phone": "not a number"}, &bad); code != http.StatusBadRequest || !strings.Contains(bad.Error, `"phone"`) {
		t.Errorf("POST operator with a bad phone: %d %q", code, bad.Error)
	}
}

// TestCallbackIsDialledOperatorFirstUntilItFails: the dialer calls the
// online operator's phone; answering, they are told whom they call and the
// customer is dialled; a busy customer is tried again after retry_after,
// and after max_attempts the callback fails and the customer is told by
// SMS, the channel they asked on.
func TestCallbackIsDialledOperatorFirstUntilItFails(t *testing.T) {
	w := startCallbacks(t)
	w.onDuty()
	cb := w.book(smsAnn)

	retries := []time.Duration{5 * time.Minute, 15 * time.Minute}
	outcomes := []string{policy.CallBusy, policy.CallNoAnswer, policy.CallBusy}
	for attempt, outcome := range outcomes {
		call := w.waitCall(attempt+1, cb.ID)
		wantURL := fmt.Sprintf("%s/webhooks/twilio/voice/callback/connect?callback=%d", smsPublicURL, cb.ID)
		if call.To != operatorPhone || call.From != smsNumber || call.URL != wantURL || call.StatusCallback != smsPublicURL+"/webhooks/twilio/status" {
			t.Fatalf("attempt %d: call %+v; want the operator's phone, Url %s", attempt+1, call, wantURL)
		}
		doc := w.connect(call)
		dial := child(t, doc, "Dial")
		number := child(t, dial, "Number")
		if strings.TrimSpace(number.Text) != smsAnn || dial.Attr("callerId") != smsNumber || dial.Attr("timeout") != "30" ||
			!strings.Contains(dial.Attr("action"), fmt.Sprintf("/webhooks/twilio/voice/callback/result?callback=%d", cb.ID)) {
			t.Fatalf("connect TwiML %+v", doc)
		}
		if said := doc.Said(); !strings.Contains(said, "Callback for ticket") || !strings.Contains(said, "Connecting you now") {
			t.Errorf("operator hears %q", said)
		}
		before := w.clock.Now()
		told := w.result(call, doc, outcome)
		if _, ok := told.Find("Hangup"); !ok {
			t.Errorf("result TwiML does not hang up: %v", told.Verbs())
		}
		// The operator's leg then completes: it settles nothing more.
		(&phoneCall{w: w.voiceWorld, params: answered(call)}).status("completed", 60)
		got := w.callback(cb.ID)
		if attempt == len(outcomes)-1 {
			if got.State != policy.Failed || !strings.Contains(told.Said(), "last attempt") {
				t.Fatalf("last attempt: %s; operator told %q", got.State, told.Said())
			}
			break
		}
		after := w.clock.Now()
		wait := retries[attempt]
		if got.State != policy.Scheduled || got.Attempts != attempt+1 ||
			got.NextAttemptAt.Before(before.Add(wait).Truncate(time.Microsecond)) || got.NextAttemptAt.After(after.Add(wait)) {
			t.Fatalf("after %s: state %s attempts %d next %s; want %s after now", outcome, got.State, got.Attempts, got.NextAttemptAt, wait)
		}
		if said := told.Said(); !strings.Contains(said, "scheduled again") {
			t.Errorf("operator told %q", said)
		}
		if n := len(w.twilio.Calls()); n != attempt+1 {
			t.Fatalf("redialled before the retry time: %d calls", n)
		}
		w.clock.Skip(wait)
	}

	ctx, cancel := context.WithTimeout(t.Context(), 15*time.Second)
	defer cancel()
	err := w.twilio.WaitFor(ctx, func(s *faketwilio.Server) bool {
		for _, m := range s.MessagesTo(smsAnn) {
			if strings.Contains(m.Body, "could not reach you") && strings.Contains(m.Body, "Reply CALL to book another call") {
				return true
			}
		}
		return false
	})
	if err != nil {
		t.Fatalf("the customer was not told by SMS: %v", err)
	}
	time.Sleep(100 * time.Millisecond) // a few dialer rounds
	if n := len(w.twilio.Calls()); n != len(outcomes) {
		t.Errorf("%d calls in all, want %d", n, len(outcomes))
	}
}

// TestCallbackCompletedWhenTheCustomerAnswers: a redelivered result is
// handled once, and the operator is free for the next callback after it.
func TestCallbackCompletedWhenTheCustomerAnswers(t *testing.T) {
	w := startCallbacks(t)
	me := w.onDuty()
	first := w.book(smsAnn)
	second := w.book("+14155552699")

	call := w.waitCall(1, first.ID)
	doc := w.connect(call)
	w.result(call, doc, policy.CallCompleted)
	again := w.result(call, doc, policy.CallCompleted)
	if said := again.Said(); !strings.Contains(said, "done") {
		t.Errorf("repeated result told %q", said)
	}
	got := w.callback(first.ID)
	if got.State != policy.Completed || got.OperatorID == nil || *got.OperatorID != me || got.Attempts != 1 {
		t.Errorf("first callback: state %s operator %v attempts %d", got.State, got.OperatorID, got.Attempts)
	}
	next := w.waitCall(2, second.ID)
	if next.To != operatorPhone {
		t.Errorf("second call went to %s", next.To)
	}
}

// TestCancelledWhileTheOperatorsPhoneRang: the operator is told and the
// customer never dialled.
func TestCancelledWhileTheOperatorsPhoneRang(t *testing.T) {
	w := startCallbacks(t)
	w.onDuty()
	cb := w.book(smsAnn)
	call := w.waitCall(1, cb.ID)
	if code := w.call(http.MethodPost, fmt.Sprintf("/api/v1/callbacks/%d/cancel", cb.ID), w.token, nil, nil); code != http.StatusOK {
		t.Fatalf("cancel: %d", code)
	}
	doc := w.connect(call)
	if _, ok := doc.Find("Dial"); ok || !strings.Contains(doc.Said(), "cancelled") {
		t.Errorf("connect after cancel: %v %q", doc.Verbs(), doc.Said())
	}
}

// TestUnsignedCallbackStepIsForbidden: the steps are signature-checked.
func TestUnsignedCallbackStepIsForbidden(t *testing.T) {
	w := startCallbacks(t)
	form := url.Values{"CallSid": {faketwilio.NewCallSid()}}
	resp, err := faketwilio.Webhook{AuthToken: "wrong", Via: w.base}.Post(t.Context(), smsPublicURL+"/webhooks/twilio/voice/callback/connect?callback=1", form)
	if err != nil || resp.Status != http.StatusForbidden {
		t.Errorf("unsigned connect: %+v %v", resp, err)
	}
}

// TestDialNowCallsThatCallbackFirstAtOnce: with the dialer polling only
// hourly, "dial now" on a callback booked for tomorrow wakes it, and the
// operator's phone rings for that callback before an "as soon as
// possible" one asked for earlier.
func TestDialNowCallsThatCallbackFirstAtOnce(t *testing.T) {
	w := startCallbacksPolling(t, time.Hour)
	first := w.book(smsAnn)
	ident := w.identity(smsAnn)
	later, err := w.app.Engine.BookCallback(t.Context(), dialog.CallbackBooking{CustomerID: ident.CustomerID,
		Phone: "+14155552699", DueAt: w.clock.Now().Add(24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	w.onDuty()
	var got struct {
		ID     uint64 `json:"id"`
		Status string `json:"status"`
	}
	if code := w.call(http.MethodPost, fmt.Sprintf("/api/v1/callbacks/%d/dial", later.ID), w.token, nil, &got); code != http.StatusAccepted || got.ID != later.ID {
		t.Fatalf("dial now: %d %+v", code, got)
	}
	call := w.waitCall(1, later.ID)
	if call.To != operatorPhone {
		t.Errorf("call went to %s", call.To)
	}
	if st := w.callback(first.ID).State; st != policy.Scheduled {
		t.Errorf("the earlier callback is %s, want it still scheduled", st)
	}
	if cb := w.callback(later.ID); cb.DialNow || cb.Attempts != 1 {
		t.Errorf("dialled callback: dial_now %v attempts %d", cb.DialNow, cb.Attempts)
	}
	var conflict struct {
		Error string `json:"error"`
	}
	if code := w.call(http.MethodPost, fmt.Sprintf("/api/v1/callbacks/%d/dial", later.ID), w.token, nil, &conflict); code != http.StatusConflict || !strings.Contains(conflict.Error, "dialing") {
		t.Errorf("dial now while dialing: %d %q", code, conflict.Error)
	}
}

// TestVoiceCallerWhoPresses1IsCalledBack: a caller holding in the queue
// presses 1; besides the spoken confirmation and the operator's system
// message, a real "as soon as possible" callback is booked for their
// number, once however often they press, and the dialer calls the
// operator and then the caller.
func TestVoiceCallerWhoPresses1IsCalledBack(t *testing.T) {
	w := startCallbacks(t)
	w.onDuty()
	caller, doc := w.dial(voiceCaller)
	wait := caller.hold(caller.press(doc, "0"), 1)
	readBack := caller.post(child(t, wait, "Gather").Attr("action"), faketwilio.CallDigits(caller.params, "1"))
	doc = caller.press(readBack, "1")
	wantSaid(t, doc, "We will call you back at 1 4 1 5 5 5 5 2 6 7 1")
	caller.press(readBack, "1")
	caller.status("completed", 40)

	conv := w.only("waiting")
	if got := conv.texts("system"); len(got) == 0 || got[0] != "system: Caller asked to be called back at "+voiceCaller {
		t.Fatalf("system messages %q", got)
	}
	var list struct {
		Callbacks []struct {
			ID             uint64 `json:"id"`
			ConversationID uint64 `json:"conversation_id"`
			Phone          string `json:"phone"`
			ASAP           bool   `json:"asap"`
		} `json:"callbacks"`
	}
	if code := w.call(http.MethodGet, "/api/v1/callbacks", w.token, nil, &list); code != http.StatusOK || len(list.Callbacks) != 1 {
		t.Fatalf("callbacks: %d %+v, want one", code, list.Callbacks)
	}
	cb := list.Callbacks[0]
	if cb.Phone != voiceCaller || !cb.ASAP || cb.ConversationID != conv.ID {
		t.Fatalf("callback %+v: want ASAP to %s for conversation %d", cb, voiceCaller, conv.ID)
	}
	call := w.waitCall(1, cb.ID)
	if call.To != operatorPhone {
		t.Fatalf("call to %s, want the operator", call.To)
	}
	number := child(t, child(t, w.connect(call), "Dial"), "Number")
	if strings.TrimSpace(number.Text) != voiceCaller {
		t.Errorf("connect dials %q, want the caller %s", number.Text, voiceCaller)
	}
}
