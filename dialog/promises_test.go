package dialog_test

import (
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/config"
	"github.com/switchboardhq/switchboard/dialog"
	"github.com/switchboardhq/switchboard/promises"
	"github.com/switchboardhq/switchboard/storage"
)

// waits lists the wait estimates told in conversation convID.
func (w *world) waits(convID uint64) []storage.WaitEstimate {
	w.t.Helper()
	got, err := w.store.WaitEstimates(w.t.Context(), convID)
	if err != nil {
		w.t.Fatal(err)
	}
	return got
}

// onlyWait is conversation convID's one wait estimate.
func (w *world) onlyWait(convID uint64) storage.WaitEstimate {
	w.t.Helper()
	got := w.waits(convID)
	if len(got) != 1 {
		w.t.Fatalf("conversation %d has %d wait estimates, want 1: %+v", convID, len(got), got)
	}
	return got[0]
}

// reply has op reply text in conversation convID.
func (w *world) reply(convID uint64, op storage.Operator, text string) {
	w.t.Helper()
	if _, err := w.engine.Reply(w.t.Context(), convID, op, text); err != nil {
		w.t.Fatalf("reply by %s: %v", op.Name, err)
	}
}

func TestTheWaitToldAtHandoverIsRecordedWithTheRealWait(t *testing.T) {
	w := newWorld(t, config.DefaultSettings())
	w.waiting(customer(1, "en"))
	res := w.waiting(customer(2, "en"))
	told := w.lastReply(res.ConversationID)
	wantContains(t, "handover", told.Text, "number 2 in the queue", "within 10 minutes")

	est := w.onlyWait(res.ConversationID)
	msgs := w.messages(res.ConversationID)
	said := msgs[len(msgs)-1]
	if est.Channel != dialog.ChannelTelegram || est.Position != 2 || est.Minutes == nil || *est.Minutes != 10 ||
		!est.ToldAt.Equal(monday10) || est.MessageID == nil || *est.MessageID != said.ID || est.Outcome != storage.OutcomeOpen {
		t.Fatalf("estimate %+v, want telegram, place 2, 10 minutes, told at %s in message %d, open", est, monday10, said.ID)
	}

	op := w.operator("Olga")
	w.clock.Advance(7 * time.Minute)
	w.reply(res.ConversationID, op, "Hello, I am here.")
	w.clock.Advance(5 * time.Minute)
	w.reply(res.ConversationID, op, "Let me check.")

	est = w.onlyWait(res.ConversationID)
	real, ok := promises.RealWait(est)
	if !ok || real != 7*time.Minute || est.Outcome != storage.OutcomeAnswered || est.LeftAt != nil {
		t.Fatalf("estimate %+v: real wait %s (%v), want answered after 7 minutes by the first reply", est, real, ok)
	}
	if kept, counts := promises.Kept(est); !kept || !counts {
		t.Errorf("a 7-minute wait told as 10 is kept %v, counts %v; want both", kept, counts)
	}
}

func TestACustomerWhoLeavesUnansweredIsNotKept(t *testing.T) {
	t.Run("closed by an operator with no reply", func(t *testing.T) {
		w := newWorld(t, config.DefaultSettings())
		res := w.waiting(customer(1, "en"))
		op := w.operator("Olga")
		w.clock.Advance(3 * time.Minute)
		if _, err := w.engine.Resolve(t.Context(), res.ConversationID, op); err != nil {
			t.Fatal(err)
		}
		w.clock.Advance(time.Minute)
		w.reply(res.ConversationID, op, "Sorry, were you still there?")
		est := w.onlyWait(res.ConversationID)
		if est.Outcome != storage.OutcomeLeft || est.LeftAt == nil || !est.LeftAt.Equal(monday10.Add(3*time.Minute)) || est.AnsweredAt != nil {
			t.Fatalf("estimate %+v, want left at %s and never answered", est, monday10.Add(3*time.Minute))
		}
		if kept, counts := promises.Kept(est); kept || !counts {
			t.Errorf("a customer who left is kept %v, counts %v; want counted as not kept", kept, counts)
		}
	})
	t.Run("a caller who hangs up on hold", func(t *testing.T) {
		w := newWorld(t, config.DefaultSettings())
		res := w.callToAPerson(caller("+14155552671"), "CA1")
		if len(res.Replies) != 1 || !res.Replies[0].Hold {
			t.Fatalf("replies %+v, want the caller on hold", res.Replies)
		}
		est := w.onlyWait(res.ConversationID)
		if est.Channel != dialog.ChannelVoice || est.Position != 1 || est.Minutes != nil || est.Outcome != storage.OutcomeOpen {
			t.Fatalf("estimate %+v, want voice, place 1, no number said, open", est)
		}
		// A reply typed to a caller reaches nobody: it answers no wait.
		if _, err := w.engine.Reply(t.Context(), res.ConversationID, w.operator("Olga"), "I will call you."); err != nil {
			t.Fatal(err)
		}
		if est := w.onlyWait(res.ConversationID); est.Outcome != storage.OutcomeOpen {
			t.Fatalf("estimate %+v after a reply the caller cannot hear, want open", est)
		}
		w.clock.Advance(2 * time.Minute)
		if ok, err := w.engine.RecordCallStatus(t.Context(), dialog.CallStatus{CallSid: "CA1", Status: "completed", Seconds: 130}); !ok || err != nil {
			t.Fatalf("call status recorded %v, %v", ok, err)
		}
		est = w.onlyWait(res.ConversationID)
		if est.Outcome != storage.OutcomeLeft || est.LeftAt == nil || !est.LeftAt.Equal(monday10.Add(2*time.Minute)) {
			t.Fatalf("estimate %+v, want left when the caller hung up", est)
		}
	})
}

func TestStatusRecordsAFreshEstimate(t *testing.T) {
	w := newWorld(t, config.DefaultSettings())
	first := w.waiting(customer(1, "en"))
	ann := customer(2, "en")
	res := w.waiting(ann)
	op := w.operator("Olga")
	if _, err := w.engine.Claim(t.Context(), first.ConversationID, op); err != nil {
		t.Fatal(err)
	}
	w.clock.Advance(4 * time.Minute)
	w.command(ann, "status")
	wantContains(t, "status", w.lastReply(res.ConversationID).Text, "you are number 1", "within 5 minutes")

	got := w.waits(res.ConversationID)
	if len(got) != 2 {
		t.Fatalf("%d estimates after /status, want 2: %+v", len(got), got)
	}
	if fresh := got[1]; fresh.Position != 1 || *fresh.Minutes != 5 || !fresh.ToldAt.Equal(monday10.Add(4*time.Minute)) {
		t.Errorf("fresh estimate %+v, want place 1, 5 minutes, told at %s", fresh, monday10.Add(4*time.Minute))
	}
	w.clock.Advance(6 * time.Minute)
	w.reply(res.ConversationID, w.operator("Pavel"), "Hello.")
	for _, est := range w.waits(res.ConversationID) {
		if est.Outcome != storage.OutcomeAnswered || !est.AnsweredAt.Equal(monday10.Add(10*time.Minute)) {
			t.Errorf("estimate %+v, want answered at %s", est, monday10.Add(10*time.Minute))
		}
	}
}

func TestAnSMSCustomersEstimateIsRecordedOnSMS(t *testing.T) {
	w := newWorld(t, config.DefaultSettings())
	bob := smsCustomer("+14155552671")
	w.text(bob, "hello")
	res := w.text(bob, "0")
	if res.State != storage.StateWaiting {
		t.Fatalf("state %s, want waiting", res.State)
	}
	est := w.onlyWait(res.ConversationID)
	if est.Channel != dialog.ChannelSMS || est.Position != 1 || est.Minutes == nil || *est.Minutes != 5 {
		t.Fatalf("estimate %+v, want sms, place 1, 5 minutes", est)
	}
}

func TestAnUnreachableCustomerIsToldNothingAndPromisedNothing(t *testing.T) {
	w := newWorld(t, config.DefaultSettings())
	ann := customer(1, "en")
	w.command(ann, "start")
	w.handle(ann, dialog.Event{Kind: dialog.KindBlocked})
	res := w.press(ann, dialog.ButtonPerson)
	if got := w.waits(res.ConversationID); len(got) != 0 {
		t.Fatalf("estimates %+v for a customer who blocked the bot, want none", got)
	}
}

func TestCallbackNoticesCarryTheirCallback(t *testing.T) {
	w := newWorld(t, config.DefaultSettings())
	cb := w.bookFor("en", monday10.Add(26*time.Hour))
	for _, send := range []notice{remind, late} {
		if sent, err := send(w.engine, t, cb.ID); !sent || err != nil {
			t.Fatalf("notice sent %v, %v", sent, err)
		}
	}
	msgs, err := w.store.CallbackMessages(t.Context(), cb.ID)
	if err != nil {
		t.Fatal(err)
	}
	var reminders, lates int
	for _, m := range msgs {
		switch {
		case m.Text == w.engine.Texts().Get("en", dialog.TextCallbackLate, "ticket", storage.FormatTicket(*conversationOf(t, w, cb)), "phone", cb.Phone):
			lates++
		case len(m.Text) > 12 && m.Text[:12] == "A reminder: ":
			reminders++
		}
	}
	if reminders != 1 || lates != 1 {
		t.Fatalf("messages of callback %d: %d reminders, %d late notices, want one each: %+v", cb.ID, reminders, lates, msgs)
	}
	// The customer's own messages are no callback's.
	for _, m := range w.messages(*conversationOf(t, w, cb)) {
		if m.Author == storage.AuthorCustomer && m.CallbackID != nil {
			t.Errorf("customer message %q linked to callback %d", m.Text, *m.CallbackID)
		}
	}
}
