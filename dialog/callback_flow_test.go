package dialog_test

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/callback/policy"
	"github.com/switchboardhq/switchboard/config"
	"github.com/switchboardhq/switchboard/dialog"
	"github.com/switchboardhq/switchboard/storage"
)

// ukPhone is a British mobile: on monday10 (09:00 UTC) its customer's
// clock shows 09:00 GMT, the end of the default quiet hours.
const ukPhone = "+442079460000"

// callbackOf is the customer's one callback, failing the test unless they
// have exactly one.
func (w *world) callbackOf(customerID uint64) storage.Callback {
	w.t.Helper()
	cbs, err := w.store.ListCallbacks(w.t.Context(), storage.CallbackFilter{CustomerID: customerID})
	if err != nil {
		w.t.Fatal(err)
	}
	if len(cbs) != 1 {
		w.t.Fatalf("customer %d has %d callbacks, want 1: %+v", customerID, len(cbs), cbs)
	}
	return cbs[0]
}

// TestTelegramCallbackAsksForTheNumberThenWhen: /callback without a known
// number asks for it with the sharing keyboard; a typed wrong number is
// asked for again saying what was wrong; a shared contact is thanked for,
// the keyboard taken away, and the next free slots offered in the
// customer's zone, after the quiet hours of their morning.
func TestTelegramCallbackAsksForTheNumberThenWhen(t *testing.T) {
	w := newWorld(t, config.DefaultSettings())
	ann := customer(1, "en")
	res := w.command(ann, "callback")
	ask := w.lastReply(res.ConversationID)
	if ask.AskPhone != "Share my phone number" || len(ask.Buttons) != 0 {
		t.Fatalf("first reply %+v: want the share-my-number keyboard", ask)
	}
	wantContains(t, "question", ask.Text, "Which number", res.Ticket)

	w.text(ann, "12345 67")
	again := w.lastReply(res.ConversationID)
	wantContains(t, "bad number", again.Text, `"12345 67" is not a phone number`)
	if again.AskPhone == "" {
		t.Errorf("asked again without the keyboard: %+v", again)
	}

	w.handle(ann, dialog.Event{Kind: dialog.KindMedia, Media: dialog.Media{Kind: "contact", Phone: "442079460000"}})
	rs := w.replies(res.ConversationID)
	thanks, offer := rs[len(rs)-2], rs[len(rs)-1]
	if !thanks.ClearKeyboard || !strings.Contains(thanks.Text, ukPhone) {
		t.Errorf("thanks %+v: want the number and the keyboard cleared", thanks)
	}
	wantContains(t, "offer", offer.Text, ukPhone, "Europe/London")
	_, labels := buttons(offer)
	want := []string{"As soon as possible", "Mon 9 Mar 09:30-10:00", "Mon 9 Mar 10:00-10:30", "Mon 9 Mar 10:30-11:00", "Another number", "Talk to a person"}
	if !slices.Equal(labels, want) {
		t.Errorf("offer %q, want %q", labels, want)
	}
	if cbs, _ := w.store.ListCallbacks(t.Context(), storage.CallbackFilter{}); len(cbs) != 0 {
		t.Errorf("booked before a time was picked: %+v", cbs)
	}
}

// TestTelegramCallbackBookedMovedAndCancelledWithButtons: a picked slot is
// booked and confirmed in the customer's zone with buttons to move and
// cancel; moving to "as soon as possible" puts the request in the callback
// queue; cancelling tells how to book again; an old button does nothing.
func TestTelegramCallbackBookedMovedAndCancelledWithButtons(t *testing.T) {
	w := newWorld(t, config.DefaultSettings())
	ann := customer(1, "en")
	w.command(ann, "start")
	w.handle(ann, dialog.Event{Kind: dialog.KindMedia, Media: dialog.Media{Kind: "contact", Phone: ukPhone}})
	res := w.press(ann, "m:call")
	offer := w.lastReply(res.ConversationID)
	slot := buttonData(offer)[2] // the second slot: 10:00 London
	res = w.press(ann, slot)
	cb := w.callbackOf(w.conversation(res.ConversationID).CustomerID)
	if cb.ASAP || !cb.DueAt.Equal(time.Date(2026, 3, 9, 10, 0, 0, 0, time.UTC)) || cb.Phone != ukPhone || cb.State != policy.Scheduled {
		t.Fatalf("booked %+v: want 10:00 UTC to %s", cb, ukPhone)
	}
	booked := w.lastReply(res.ConversationID)
	wantContains(t, "confirmation", booked.Text, "Your callback is booked", ukPhone, "on Monday 9 Mar at 10:00 (Europe/London)", res.Ticket)
	_, manage := buttons(booked)
	if !slices.Equal(manage, []string{"Change the time", "Cancel the call"}) {
		t.Fatalf("confirmation buttons %q", manage)
	}
	if q := w.conversation(res.ConversationID).Queue; q == dialog.QueueCallback {
		t.Errorf("a booked time put the request in the callback queue")
	}

	w.press(ann, buttonData(booked)[0])
	moveOffer := w.lastReply(res.ConversationID)
	wantContains(t, "move offer", moveOffer.Text, "instead")
	res = w.press(ann, buttonData(moveOffer)[0]) // as soon as possible
	moved := w.lastReply(res.ConversationID)
	wantContains(t, "moved", moved.Text, "Your callback is moved", "as soon as a colleague is free")
	cb = w.callbackOf(cb.CustomerID)
	if !cb.ASAP || res.State != storage.StateWaiting || w.conversation(res.ConversationID).Queue != dialog.QueueCallback {
		t.Errorf("moved to %+v, conversation %s: want as soon as possible, waiting in the callback queue", cb, res.State)
	}

	w.press(ann, buttonData(moved)[1])
	cancelled := w.lastReply(res.ConversationID)
	wantContains(t, "cancellation", cancelled.Text, "is cancelled", "/callback")
	if cb = w.callbackOf(cb.CustomerID); cb.State != policy.Cancelled {
		t.Fatalf("after cancel: %s", cb.State)
	}
	if conv := w.conversation(res.ConversationID); conv.State != storage.StateWaiting || conv.Queue != "" {
		t.Errorf("after cancelling, conversation %s in queue %q: want waiting for a person in the general queue", conv.State, conv.Queue)
	}
	var said []string
	for _, m := range w.messages(res.ConversationID) {
		if m.Author == storage.AuthorCustomer && m.Kind == string(dialog.KindButton) {
			said = append(said, m.Text)
		}
	}
	if want := []string{"Call me back", "Mon 9 Mar 10:00-10:30", "Change the time", "As soon as possible", "Cancel the call"}; !slices.Equal(said, want) {
		t.Errorf("operators see the customer's presses as %q, want %q", said, want)
	}
	n := len(w.replies(res.ConversationID))
	w.press(ann, buttonData(booked)[1])
	if rs := w.replies(res.ConversationID); len(rs) != n+1 || !strings.Contains(rs[n].Text, "no callback booked") {
		t.Errorf("an old cancel button: %+v", rs[n:])
	}
	if cb = w.callbackOf(cb.CustomerID); cb.State != policy.Cancelled {
		t.Errorf("old button changed the callback to %s", cb.State)
	}
}

// TestSMSCallbackKeywordsAndDigits: CALL offers times as a numbered list
// from the sender's number in their zone; a digit books; CALL again moves
// it; NOCALL cancels, and again says there is none; CANCEL stays the
// carrier's opt-out word.
func TestSMSCallbackKeywordsAndDigits(t *testing.T) {
	w := newWorld(t, config.DefaultSettings())
	bob := smsCustomer("+14155552671") // San Francisco: 02:00 PDT on monday10
	res := w.text(bob, "call")
	offer := w.lastReply(res.ConversationID)
	wantContains(t, "offer", offer.Text, "+14155552671", "America/Los_Angeles")
	choices := dialog.Choices(offer.Buttons)
	var list []string
	for _, c := range choices {
		list = append(list, c.Digit+" "+c.Label)
	}
	want := []string{"1 As soon as possible", "2 Mon 9 Mar 09:00-09:30", "3 Mon 9 Mar 09:30-10:00", "4 Mon 9 Mar 10:00-10:30", "0 Talk to a person"}
	if !slices.Equal(list, want) {
		t.Fatalf("choices %q, want %q", list, want)
	}
	res = w.text(bob, "3")
	cb := w.callbackOf(w.conversation(res.ConversationID).CustomerID)
	if !cb.DueAt.Equal(time.Date(2026, 3, 9, 16, 30, 0, 0, time.UTC)) {
		t.Fatalf("3 booked %s, want 16:30 UTC", cb.DueAt)
	}
	wantContains(t, "confirmation", w.lastReply(res.ConversationID).Text, "at 09:30 (America/Los_Angeles)", "Reply CALL to change the time or NOCALL to cancel.")

	w.text(bob, "CALL")
	wantContains(t, "move offer", w.lastReply(res.ConversationID).Text, "instead")
	w.text(bob, "4")
	if cb = w.callbackOf(cb.CustomerID); !cb.DueAt.Equal(time.Date(2026, 3, 9, 17, 0, 0, 0, time.UTC)) {
		t.Fatalf("moved to %s, want 17:00 UTC", cb.DueAt)
	}
	wantContains(t, "moved", w.lastReply(res.ConversationID).Text, "is moved", "at 10:00 (America/Los_Angeles)")

	w.text(bob, "nocall")
	wantContains(t, "cancelled", w.lastReply(res.ConversationID).Text, "is cancelled", "Reply CALL to book another call.")
	w.text(bob, "NOCALL")
	wantContains(t, "nothing to cancel", w.lastReply(res.ConversationID).Text, "no callback booked")
	if cb = w.callbackOf(cb.CustomerID); cb.State != policy.Cancelled {
		t.Errorf("callback %s, want cancelled", cb.State)
	}
	w.text(bob, "CANCEL")
	ident, _, err := w.store.FindOrCreateIdentity(t.Context(), bob)
	if err != nil {
		t.Fatal(err)
	}
	if !ident.OptedOut {
		t.Errorf("CANCEL no longer opts out")
	}
}

// TestFullSlotIsNotOfferedAndATakenOneIsOfferedAgain: a slot at capacity
// is left out of the offer; one that filled after it was offered is not
// booked, and the customer is offered the times still free.
func TestFullSlotIsNotOfferedAndATakenOneIsOfferedAgain(t *testing.T) {
	w := newWorld(t, parseSettings(t, "callbacks: {slot_capacity: 1}"))
	first := smsCustomer("+14155552671")
	second := smsCustomer("+14155552672")
	w.text(first, "CALL")
	w.text(second, "CALL")
	w.text(first, "2")          // 09:00 PDT
	res2 := w.text(second, "2") // offered before the first took it
	taken := w.lastReply(res2.ConversationID)
	wantContains(t, "taken", taken.Text, "just been taken")
	var labels []string
	for _, c := range dialog.Choices(taken.Buttons) {
		labels = append(labels, c.Label)
	}
	if slices.Contains(labels, "Mon 9 Mar 09:00-09:30") || !slices.Contains(labels, "Mon 9 Mar 09:30-10:00") {
		t.Errorf("offered again %q: want the full 09:00 left out", labels)
	}
	if cbs, _ := w.store.ListCallbacks(t.Context(), storage.CallbackFilter{CustomerID: w.conversation(res2.ConversationID).CustomerID}); len(cbs) != 0 {
		t.Errorf("second customer booked a full slot: %+v", cbs)
	}
}

// TestAnotherCustomersCallbackCannotBeCancelled: button data naming a
// callback of someone else changes nothing.
func TestAnotherCustomersCallbackCannotBeCancelled(t *testing.T) {
	w := newWorld(t, config.DefaultSettings())
	bob := smsCustomer("+14155552671")
	w.text(bob, "CALL")
	res := w.text(bob, "1")
	cb := w.callbackOf(w.conversation(res.ConversationID).CustomerID)
	eve := customer(2, "en")
	w.command(eve, "start")
	r := w.press(eve, "cb:x:"+strconv.FormatUint(cb.ID, 10))
	wantContains(t, "reply", w.lastReply(r.ConversationID).Text, "no callback booked")
	if got := w.callbackOf(cb.CustomerID); got.State != policy.Scheduled {
		t.Errorf("another customer's button moved it to %s", got.State)
	}
}

// TestSetTimeZoneOverridesTheNumbersCountry: a Londoner whose zone an
// operator set to Tokyo is offered slots on Tokyo's clock (after Tokyo's
// quiet hours end) and told the booked time there; the zone set later
// moves the times they are told of a callback booked before.
func TestSetTimeZoneOverridesTheNumbersCountry(t *testing.T) {
	w := newWorld(t, config.DefaultSettings())
	ann := customer(1, "en")
	res := w.command(ann, "start")
	custID := w.conversation(res.ConversationID).CustomerID
	w.handle(ann, dialog.Event{Kind: dialog.KindMedia, Media: dialog.Media{Kind: "contact", Phone: ukPhone}})
	if _, err := w.engine.SetCustomerTimeZone(t.Context(), custID, "Asia/Tokyo"); err != nil {
		t.Fatal(err)
	}
	w.command(ann, "callback")
	offer := w.lastReply(res.ConversationID)
	wantContains(t, "offer", offer.Text, "Asia/Tokyo")
	// monday10 is 18:00 in Tokyo: free until the quiet hours at 21:00.
	if _, labels := buttons(offer); labels[1] != "Mon 9 Mar 18:30-19:00" {
		t.Fatalf("first slot %q, want 18:30 Tokyo time", labels[1])
	}
	w.press(ann, buttonData(offer)[1])
	wantContains(t, "confirmation", w.lastReply(res.ConversationID).Text, "at 18:30 (Asia/Tokyo)")
	if cb := w.callbackOf(custID); cb.TimeZone != "Asia/Tokyo" {
		t.Errorf("callback zone %q", cb.TimeZone)
	}
	if _, err := w.engine.SetCustomerTimeZone(t.Context(), custID, "America/New_York"); err != nil {
		t.Fatal(err)
	}
	w.command(ann, "callback")
	wantContains(t, "shown again", w.lastReply(res.ConversationID).Text, "at 05:30 (America/New_York)")
	if _, err := w.engine.SetCustomerTimeZone(t.Context(), custID, "Nowhere/Else"); err == nil {
		t.Error("a zone that does not exist was taken")
	}
}

// TestWordsLeaveAnOfferOfTimes: a customer waiting for a person who texts
// CALL, then words instead of a digit, has left the offer: a digit later
// is words for the operator, and books no callback.
func TestWordsLeaveAnOfferOfTimes(t *testing.T) {
	w := newWorld(t, config.DefaultSettings())
	bob := smsCustomer("+14155552671")
	w.text(bob, "hello")
	w.text(bob, "0")
	w.text(bob, "CALL")
	w.text(bob, "actually, where is my parcel?")
	res := w.text(bob, "2")
	if cbs, _ := w.store.ListCallbacks(t.Context(), storage.CallbackFilter{CustomerID: w.conversation(res.ConversationID).CustomerID}); len(cbs) != 0 {
		t.Fatalf("a digit after words booked %+v", cbs)
	}
}

// TestTypedNumberBecomesTheCustomersPhone: a customer with no number on
// file who types one to be called on is known by it afterwards.
func TestTypedNumberBecomesTheCustomersPhone(t *testing.T) {
	w := newWorld(t, config.DefaultSettings())
	ann := customer(1, "en")
	res := w.command(ann, "callback")
	w.text(ann, "+44 20 7946 0000")
	cust, err := w.store.GetCustomer(t.Context(), w.conversation(res.ConversationID).CustomerID)
	if err != nil || cust.Phone != ukPhone {
		t.Fatalf("customer phone %q (%v), want %s", cust.Phone, err, ukPhone)
	}
}
