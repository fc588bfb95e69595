package app_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/app"
	"github.com/switchboardhq/switchboard/callback"
	"github.com/switchboardhq/switchboard/callback/policy"
	"github.com/switchboardhq/switchboard/internal/faketwilio"
	"github.com/switchboardhq/switchboard/storage"
)

// startNotifying is startCallbacks with the callback notifier looking
// every 20ms too, and settings from yaml when it is not empty.
func startNotifying(t *testing.T, yaml string) *callbackWorld {
	t.Helper()
	clk := &shiftedClock{start: time.Now()}
	opts := []func(*setup){withOptions(func(o *app.Options) {
		o.Clock = clk.Now
		o.Callbacks = callback.DialerConfig{PollInterval: 20 * time.Millisecond}
		o.Notify = callback.NotifierConfig{Interval: 20 * time.Millisecond}
	})}
	if yaml != "" {
		opts = append(opts, withYAML(t, yaml))
	}
	w := &callbackWorld{clock: clk, voiceWorld: startVoice(t, opts...)}
	w.token = w.login(adminEmail, adminPassword)
	return w
}

// waitSMSWith waits for a text to number that contains part.
func (w *callbackWorld) waitSMSWith(number, part string) faketwilio.Message {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(w.t.Context(), 15*time.Second)
	defer cancel()
	var got faketwilio.Message
	err := w.twilio.WaitFor(ctx, func(s *faketwilio.Server) bool {
		for _, m := range s.MessagesTo(number) {
			if strings.Contains(m.Body, part) {
				got = m
				return true
			}
		}
		return false
	})
	if err != nil {
		w.t.Fatalf("no SMS to %s with %q: %v", number, part, err)
	}
	return got
}

// TestBookedCallbackIsRemindedAndToldWhenLateBySMS: a callback booked
// through the API for two hours ahead is confirmed by SMS; 15 minutes
// before its time (remind_before) the customer is reminded with the ticket
// and the time on their Californian clock; with nobody to call them 10
// minutes after it (late_after), they are told it runs late and that they
// keep their place. Each comes once.
func TestBookedCallbackIsRemindedAndToldWhenLateBySMS(t *testing.T) {
	w := startNotifying(t, "")
	w.text(smsAnn, "Please call me tomorrow")
	ident := w.identity(smsAnn)
	conv, err := w.app.Store.LatestConversation(t.Context(), ident.ID)
	if err != nil {
		t.Fatal(err)
	}
	due := w.clock.Now().Add(2 * time.Hour).Truncate(time.Hour) // 15:00 in California
	var cb struct {
		ID uint64 `json:"id"`
	}
	if code := w.call(http.MethodPost, "/api/v1/callbacks", w.token, map[string]any{"customer_id": ident.CustomerID,
		"phone": smsAnn, "due_at": due.Format(time.RFC3339)}, &cb); code != http.StatusCreated {
		t.Fatalf("book: %d", code)
	}
	w.waitSMSWith(smsAnn, "Your callback is booked")
	time.Sleep(100 * time.Millisecond) // a few notifier rounds
	if n := smsCount(w.twilio, smsAnn, "A reminder"); n != 0 {
		t.Fatalf("reminded %d times two hours ahead", n)
	}

	w.clock.Skip(due.Add(-15 * time.Minute).Sub(w.clock.Now()))
	reminder := w.waitSMSWith(smsAnn, "A reminder")
	ticket := storage.FormatTicket(conv.ID)
	local := due.In(policy.CustomerLocation("", smsAnn, time.UTC))
	wantWhen := local.Format("2 Jan") + " at " + local.Format("15:04") + " (" + local.Location().String() + ")"
	if !strings.Contains(reminder.Body, ticket) || !strings.Contains(reminder.Body, wantWhen) || !strings.Contains(reminder.Body, smsAnn) {
		t.Errorf("reminder %q: want %s, %s and %q", reminder.Body, ticket, smsAnn, wantWhen)
	}
	t.Logf("reminder: %s", reminder.Body)

	w.clock.Skip(due.Add(10 * time.Minute).Sub(w.clock.Now()))
	late := w.waitSMSWith(smsAnn, "running late")
	if !strings.Contains(late.Body, ticket) || !strings.Contains(late.Body, "You keep your place") {
		t.Errorf("late notice %q", late.Body)
	}
	time.Sleep(100 * time.Millisecond) // a few notifier rounds
	if a, b := smsCount(w.twilio, smsAnn, "A reminder"), smsCount(w.twilio, smsAnn, "running late"); a != 1 || b != 1 {
		t.Errorf("%d reminders and %d late notices, want one each", a, b)
	}
	if got := w.callback(cb.ID); got.RemindedAt == nil || got.LateNoticeAt == nil || got.State != policy.Scheduled {
		t.Errorf("callback after the notices: %+v", got)
	}
}

// amdURL is where the connect TwiML doc has Twilio post its verdict on
// who answered the customer's leg, "" when it asks for none.
func amdURL(t *testing.T, doc faketwilio.TwiML) (number faketwilio.TwiML, amd string) {
	t.Helper()
	number = child(t, child(t, doc, "Dial"), "Number")
	if number.Attr("machineDetection") == "" {
		return number, ""
	}
	return number, number.Attr("amdStatusCallback")
}

// TestAnsweringMachineCountsAsNoAnswer: with callbacks.machine_detection
// on, the customer's <Number> asks Twilio for answering machine detection;
// a machine's verdict reschedules the callback as a dial nobody answered
// (after retry_after, the attempt counted), and the operator's call is
// redirected to be told so, which ends the customer's leg. The Dial's own
// result then, or the verdict again, changes nothing.
func TestAnsweringMachineCountsAsNoAnswer(t *testing.T) {
	w := startNotifying(t, "callbacks: {machine_detection: true}")
	w.onDuty()
	cb := w.book(smsAnn)
	call := w.waitCall(1, cb.ID)
	doc := w.connect(call)
	number, amd := amdURL(t, doc)
	wantAMD := fmt.Sprintf("%s%s?call=%s&callback=%d", smsPublicURL, "/webhooks/twilio/voice/callback/amd", call.Sid, cb.ID)
	if number.Attr("machineDetection") != "Enable" || amd != wantAMD || number.Attr("amdStatusCallbackMethod") != http.MethodPost {
		t.Fatalf("Number %+v; want machineDetection Enable and amdStatusCallback %s", number, wantAMD)
	}

	// A person's verdict changes nothing.
	verdict := func(answeredBy string) {
		t.Helper()
		form := url.Values{"AccountSid": {faketwilio.AccountSID}, "CallSid": {faketwilio.NewCallSid()},
			"AnsweredBy": {answeredBy}, "MachineDetectionDuration": {"2400"}}
		resp, err := w.hook.Post(t.Context(), amd, form)
		if err != nil || resp.Status != http.StatusOK {
			t.Fatalf("AMD %s: %+v, %v", answeredBy, resp, err)
		}
	}
	verdict("human")
	if got := w.callback(cb.ID); got.State != policy.Dialing {
		t.Fatalf("after a human's verdict the callback is %s", got.State)
	}

	before := w.clock.Now()
	verdict("machine_start")
	got := w.callback(cb.ID)
	if got.State != policy.Scheduled || got.Attempts != 1 || got.NextAttemptAt.Before(before.Add(5*time.Minute).Truncate(time.Microsecond)) {
		t.Fatalf("after a machine: state %s attempts %d next %s; want scheduled 5m on", got.State, got.Attempts, got.NextAttemptAt)
	}
	var redirect string
	for _, c := range w.twilio.Calls() {
		if c.Sid == call.Sid && len(c.Updates) == 1 {
			redirect = c.Updates[0]["Twiml"]
		}
	}
	if !strings.Contains(redirect, "An answering machine answered.") || !strings.Contains(redirect, "scheduled again") || !strings.Contains(redirect, "<Hangup") {
		t.Errorf("the operator's call was redirected to %q", redirect)
	}

	told := w.result(call, doc, policy.CallCompleted)
	if said := told.Said(); !strings.Contains(said, "scheduled again") {
		t.Errorf("the Dial's result told the operator %q", said)
	}
	if again := w.callback(cb.ID); again.State != policy.Scheduled || again.Attempts != 1 || !again.NextAttemptAt.Equal(got.NextAttemptAt) {
		t.Errorf("after the Dial's result: state %s attempts %d next %s", again.State, again.Attempts, again.NextAttemptAt)
	}
}

// TestMachineDetectionIsOffByDefault: without callbacks.machine_detection
// the customer's <Number> asks for none, and a Dial result answered by a
// machine (should Twilio send AnsweredBy anyway) is still no answer.
func TestMachineDetectionIsOffByDefault(t *testing.T) {
	w := startCallbacks(t)
	w.onDuty()
	cb := w.book(smsAnn)
	call := w.waitCall(1, cb.ID)
	doc := w.connect(call)
	if number, amd := amdURL(t, doc); amd != "" || number.Attr("amdStatusCallback") != "" {
		t.Fatalf("Number %+v asks for machine detection", number)
	}
	form := answered(call)
	form.Set("DialCallStatus", policy.CallCompleted)
	form.Set("DialCallSid", faketwilio.NewCallSid())
	form.Set("AnsweredBy", "machine_end_beep")
	(&phoneCall{w: w.voiceWorld, params: form}).post(child(t, doc, "Dial").Attr("action"), form)
	if got := w.callback(cb.ID); got.State != policy.Scheduled || got.Attempts != 1 {
		t.Errorf("after a machine's completed dial: state %s attempts %d, want scheduled again", got.State, got.Attempts)
	}
}
