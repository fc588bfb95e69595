package app_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/callback/policy"
	"github.com/switchboardhq/switchboard/internal/faketelegram"
	"github.com/switchboardhq/switchboard/internal/faketwilio"
	"github.com/switchboardhq/switchboard/storage"
)

// inlineButton finds the inline button of m labelled label.
func inlineButton(t *testing.T, m faketelegram.SentMessage, label string) string {
	t.Helper()
	for _, row := range m.ReplyMarkup.Inline {
		for _, b := range row {
			if b.Text == label {
				return b.CallbackData
			}
		}
	}
	t.Fatalf("message %q has no button %q: %+v", m.Text, label, m.ReplyMarkup.Inline)
	return ""
}

// TestTelegramCustomerBooksASlotWithTheirSharedNumber: on the wire, as
// the Bot API carries it: /callback puts up a one-time keyboard with a
// request_contact button; the shared contact is thanked for with the
// keyboard removed, and times are offered as inline buttons; the first
// slot pressed is booked for that number and confirmed with buttons to
// change or cancel it; cancel is confirmed and the callback cancelled.
func TestTelegramCustomerBooksASlotWithTheirSharedNumber(t *testing.T) {
	h := start(t)
	h.send(faketelegram.CommandUpdate(1, ann, "callback", ""))
	ask := h.waitSent(1)[0]
	kb := ask.ReplyMarkup.Reply
	if len(kb) != 1 || len(kb[0]) != 1 || !kb[0][0].RequestContact || kb[0][0].Text != "Share my phone number" ||
		!strings.Contains(ask.ReplyMarkup.Raw, `"one_time_keyboard":true`) {
		t.Fatalf("first message %q with markup %s: want a one-time request_contact keyboard", ask.Text, ask.ReplyMarkup.Raw)
	}

	h.send(faketelegram.ContactUpdate(2, ann, "442079460000")) // Telegram sends it without "+"
	sent := h.waitSent(3)
	thanks, offer := sent[1], sent[2]
	if !thanks.ReplyMarkup.Remove || !strings.Contains(thanks.Text, "+442079460000") {
		t.Errorf("thanks %q markup %s: want the number and remove_keyboard", thanks.Text, thanks.ReplyMarkup.Raw)
	}
	if !strings.Contains(offer.Text, "Europe/London") || len(offer.ReplyMarkup.Inline) < 4 {
		t.Fatalf("offer %q markup %s: want times in Europe/London as inline buttons", offer.Text, offer.ReplyMarkup.Raw)
	}
	inlineButton(t, offer, "As soon as possible")
	inlineButton(t, offer, "Another number")
	slot := offer.ReplyMarkup.Inline[1][0]

	h.send(faketelegram.CallbackUpdate(3, ann, offer.MessageID, slot.CallbackData))
	confirmed := h.waitSent(4)[3]
	if !strings.Contains(confirmed.Text, "Your callback is booked") || !strings.Contains(confirmed.Text, "SB-000001") ||
		!strings.Contains(confirmed.Text, "(Europe/London)") {
		t.Fatalf("confirmation %q", confirmed.Text)
	}
	cbs, err := h.app.Store.ListCallbacks(t.Context(), storage.CallbackFilter{State: policy.Scheduled})
	if err != nil || len(cbs) != 1 {
		t.Fatalf("scheduled callbacks %+v (%v): want one", cbs, err)
	}
	cb := cbs[0]
	london, _ := time.LoadLocation("Europe/London")
	start := cb.DueAt.In(london).Format("15:04")
	if cb.Phone != "+442079460000" || cb.ASAP || !strings.HasPrefix(strings.SplitN(slot.Text, " ", 4)[3], start) {
		t.Errorf("booked %s at %s (London %s) for button %q", cb.Phone, cb.DueAt, start, slot.Text)
	}

	h.send(faketelegram.CallbackUpdate(4, ann, confirmed.MessageID, inlineButton(t, confirmed, "Cancel the call")))
	cancelled := h.waitSent(5)[4]
	if !strings.Contains(cancelled.Text, "is cancelled") || !strings.Contains(cancelled.Text, "/callback") {
		t.Errorf("cancellation %q", cancelled.Text)
	}
	if got, err := h.app.Store.GetCallback(t.Context(), cb.ID); err != nil || got.State != policy.Cancelled {
		t.Errorf("callback after cancel: %s (%v)", got.State, err)
	}
}

// TestSMSCustomerTextsCallAndIsCalledBack: CALL by SMS offers a numbered
// list; 1 books as soon as possible to the sender's number; the dialer
// calls the operator on duty, then the customer, and the answered call
// completes the callback.
func TestSMSCustomerTextsCallAndIsCalledBack(t *testing.T) {
	w := startCallbacks(t)
	w.text(smsAnn, "CALL")
	offer := w.waitSMS(1)[0]
	if !strings.Contains(offer.Body, "1 for As soon as possible") || !strings.Contains(offer.Body, "America/Los_Angeles") {
		t.Fatalf("offer %q", offer.Body)
	}
	w.text(smsAnn, "1")
	confirmed := w.waitSMS(2)[1]
	if !strings.Contains(confirmed.Body, "as soon as a colleague is free") || !strings.Contains(confirmed.Body, "NOCALL") {
		t.Fatalf("confirmation %q", confirmed.Body)
	}
	cbs, err := w.app.Store.ListCallbacks(t.Context(), storage.CallbackFilter{State: policy.Scheduled})
	if err != nil || len(cbs) != 1 || cbs[0].Phone != smsAnn || !cbs[0].ASAP {
		t.Fatalf("scheduled %+v (%v): want one as soon as possible to %s", cbs, err, smsAnn)
	}
	w.onDuty()
	call := w.waitCall(1, cbs[0].ID)
	if call.To != operatorPhone || call.From != smsNumber {
		t.Errorf("call from %s to %s: want the operator first, from %s", call.From, call.To, smsNumber)
	}
	doc := w.connect(call)
	if got := child(t, child(t, doc, "Dial"), "Number").Text; strings.TrimSpace(got) != smsAnn {
		t.Errorf("connect dials %q, want %s", got, smsAnn)
	}
	w.result(call, doc, policy.CallCompleted)
	if got := w.callback(cbs[0].ID); got.State != policy.Completed {
		t.Errorf("after the answered call: %s", got.State)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	_ = w.twilio.WaitFor(ctx, func(s *faketwilio.Server) bool { return len(s.MessagesTo(smsAnn)) > 2 })
	if n := len(w.twilio.MessagesTo(smsAnn)); n != 2 {
		t.Errorf("%d texts, want the offer and the confirmation only: %+v", n, w.twilio.MessagesTo(smsAnn))
	}
}

// TestCallerWhoseCallbackFailsIsToldByText: a caller who confirmed their
// number for a callback, not reached on any attempt, is told by SMS to the
// number they called from (a call cannot take a message), once.
func TestCallerWhoseCallbackFailsIsToldByText(t *testing.T) {
	w := startCallbacks(t)
	w.onDuty()
	caller, doc := w.dial(voiceCaller)
	wait := caller.hold(caller.press(doc, "0"), 1)
	readBack := caller.post(child(t, wait, "Gather").Attr("action"), faketwilio.CallDigits(caller.params, "1"))
	caller.press(readBack, "1")
	caller.status("completed", 30)
	cbs, err := w.app.Store.ListCallbacks(t.Context(), storage.CallbackFilter{})
	if err != nil || len(cbs) != 1 {
		t.Fatalf("scheduled %+v (%v)", cbs, err)
	}
	for attempt := 1; attempt <= 3; attempt++ {
		call := w.waitCall(attempt, cbs[0].ID)
		w.result(call, w.connect(call), policy.CallNoAnswer)
		w.clock.Skip(15 * time.Minute)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 15*time.Second)
	defer cancel()
	if err := w.twilio.WaitFor(ctx, func(s *faketwilio.Server) bool { return smsCount(s, voiceCaller, "could not reach you") == 1 }); err != nil {
		t.Fatalf("the caller was not texted: %v (%+v)", err, w.twilio.MessagesTo(voiceCaller))
	}
	if got := w.callback(cbs[0].ID); got.State != policy.Failed {
		t.Errorf("callback %s, want failed", got.State)
	}
	time.Sleep(200 * time.Millisecond)
	if n := len(w.twilio.MessagesTo(voiceCaller)); n != 1 {
		t.Errorf("%d texts to the caller, want the failure only: %+v", n, w.twilio.MessagesTo(voiceCaller))
	}
}
