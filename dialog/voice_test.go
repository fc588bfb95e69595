package dialog_test

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/config"
	"github.com/switchboardhq/switchboard/dialog"
	"github.com/switchboardhq/switchboard/storage"
)

func caller(number string) storage.Contact {
	return storage.Contact{Channel: dialog.ChannelVoice, ExternalID: number, Address: number, Phone: number}
}

// step handles one inline step of call sid.
func (w *world) step(c storage.Contact, sid, step string, ev dialog.Event) dialog.Result {
	w.t.Helper()
	ev.ExternalID, ev.Inline = dialog.CallEventID(sid, step), true
	return w.handle(c, ev)
}

// callToAPerson makes a call from c that asks for a person at once.
func (w *world) callToAPerson(c storage.Contact, sid string) dialog.Result {
	w.t.Helper()
	w.step(c, sid, dialog.CallStart, dialog.Event{Kind: dialog.KindCommand, Command: "start"})
	return w.step(c, sid, "menu:1:0", dialog.Event{Kind: dialog.KindText, Text: "0"})
}

func TestSpokenTicketIsSaidLetterByLetter(t *testing.T) {
	if got := dialog.SpokenTicket(42); got != "S B, 0 0 0 0 4 2" {
		t.Fatalf("spoken ticket %q", got)
	}
	if got := dialog.SpokenDigits("+447700900123"); got != "4 4 7 7 0 0 9 0 0 1 2 3" {
		t.Fatalf("spoken number %q", got)
	}
}

func TestACallerHoldsOnlyWhenSomeoneCanAnswer(t *testing.T) {
	hours := "business_hours: {time_zone: Europe/Berlin, weekly: {mon: \"09:00-18:00\", tue: \"09:00-18:00\"}}\n"
	cases := []struct {
		name     string
		at       time.Time
		online   int64
		wantHold bool
		wantText string
	}{
		{"open with an operator online", monday10, 1, true, "Please stay on the line"},
		{"open with nobody online", monday10, 0, false, "All our colleagues are busy"},
		{"closed with an operator online", monday10.Add(10 * time.Hour), 1, false, "back on Tuesday, 10 March, at 09:00"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := newWorld(t, parseSettings(t, hours))
			w.clock.Set(c.at)
			w.online.Store(c.online)
			res := w.callToAPerson(caller("+14155552671"), "CA1")
			if res.State != storage.StateWaiting || len(res.Replies) != 1 {
				t.Fatalf("result %+v", res)
			}
			r := res.Replies[0]
			wantContains(t, "reply", r.Text, c.wantText, dialog.SpokenTicket(res.ConversationID))
			if r.Hold != c.wantHold {
				t.Fatalf("hold %v, want %v", r.Hold, c.wantHold)
			}
			if !c.wantHold && strings.Join(buttonData(r), ",") != dialog.ButtonCallback {
				t.Fatalf("buttons %v, want the callback offer", buttonData(r))
			}
			if r.Language != "en" {
				t.Fatalf("language %q", r.Language)
			}
		})
	}
}

func TestACallerWithAWithheldNumberIsNotOfferedACallback(t *testing.T) {
	w := newWorld(t, config.DefaultSettings())
	w.online.Store(0)
	anonymous := storage.Contact{Channel: dialog.ChannelVoice, ExternalID: "call:CA1"}
	res := w.callToAPerson(anonymous, "CA1")
	if r := res.Replies[0]; len(r.Buttons) != 0 || r.Hold {
		t.Fatalf("reply %+v, want no callback offer", r)
	}
	res = w.step(anonymous, "CA1", "callback", dialog.Event{Kind: dialog.KindButton, Button: dialog.ButtonCallback})
	if conv := w.conversation(res.ConversationID); conv.Queue == dialog.QueueCallback {
		t.Fatal("a callback was booked with no number to call")
	}
}

func TestACallbackRequestKeepsThePlaceInTheQueue(t *testing.T) {
	w := newWorld(t, config.DefaultSettings())
	first := w.callToAPerson(caller("+14155552671"), "CA1")
	w.clock.Advance(time.Minute)
	second := w.callToAPerson(caller("+14155552672"), "CA2")
	w.clock.Advance(time.Minute)
	before := w.conversation(first.ConversationID)

	res := w.step(caller("+14155552671"), "CA1", "callback", dialog.Event{Kind: dialog.KindButton, Button: dialog.ButtonCallback})
	wantContains(t, "confirmation", res.Replies[0].Text, "call you back at 1 4 1 5 5 5 5 2 6 7 1")
	if len(res.Replies[0].Buttons) != 0 {
		t.Fatalf("confirmation offers %v; want nothing more (the call ends)", buttonData(res.Replies[0]))
	}
	conv := w.conversation(first.ConversationID)
	if conv.State != storage.StateWaiting || conv.Queue != dialog.QueueCallback || !conv.HandedOverAt.Equal(*before.HandedOverAt) {
		t.Fatalf("conversation %+v, want waiting in the callback queue, handed over at %s", conv, before.HandedOverAt)
	}
	if pos, _, err := w.store.QueuePosition(t.Context(), conv); err != nil || pos != 1 {
		t.Fatalf("place %d (%v), want still 1 ahead of conversation %d", pos, err, second.ConversationID)
	}
	var events []string
	for _, m := range w.messages(conv.ID) {
		if m.Author == storage.AuthorSystem {
			events = append(events, m.Kind+": "+m.Text)
		}
	}
	if len(events) != 1 || events[0] != "event: Caller asked to be called back at +14155552671" {
		t.Fatalf("system messages %q", events)
	}
}

func TestOperatorMessagesToACallerAreNotQueued(t *testing.T) {
	w := newWorld(t, config.DefaultSettings())
	res := w.callToAPerson(caller("+14155552671"), "CA1")
	op := w.operator("Olga")
	if _, err := w.engine.Claim(t.Context(), res.ConversationID, op); err != nil {
		t.Fatal(err)
	}
	msg, err := w.engine.Reply(t.Context(), res.ConversationID, op, "I will call you.")
	if err != nil {
		t.Fatal(err)
	}
	if msg.DeliveryState != storage.DeliveryFailed || !strings.Contains(msg.DeliveryError, "call them back") {
		t.Fatalf("reply %+v, want failed with the reason", msg)
	}
	if n := len(w.replies(res.ConversationID)); n != 0 {
		t.Fatalf("%d outbox items for a caller, want none", n)
	}
}

func TestCallStatusIsRecordedOnceAndNeverMovesBack(t *testing.T) {
	w := newWorld(t, config.DefaultSettings())
	res := w.callToAPerson(caller("+14155552671"), "CA1")
	record := func(status string, seconds int) bool {
		t.Helper()
		ok, err := w.engine.RecordCallStatus(t.Context(), dialog.CallStatus{CallSid: "CA1", Status: status, Seconds: seconds})
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if record("ringing", 0) || record("in-progress", 0) {
		t.Fatal("a progress status was recorded")
	}
	if !record("completed", 63) {
		t.Fatal("the call's end was not recorded")
	}
	for _, late := range []string{"completed", "no-answer", "ringing"} {
		if record(late, 70) {
			t.Fatalf("%s after the end was recorded", late)
		}
	}
	if ok, err := w.engine.RecordCallStatus(t.Context(), dialog.CallStatus{CallSid: "CA-unknown", Status: "completed"}); ok || err != nil {
		t.Fatalf("unknown call: %v %v, want ignored", ok, err)
	}
	var outcomes []string
	for _, m := range w.messages(res.ConversationID) {
		if m.Author == storage.AuthorSystem {
			outcomes = append(outcomes, m.Text)
		}
	}
	if len(outcomes) != 1 || outcomes[0] != "Caller hung up after 63 s while waiting in the queue" {
		t.Fatalf("outcomes %q", outcomes)
	}
	if conv := w.conversation(res.ConversationID); conv.State != storage.StateWaiting {
		t.Fatalf("state %s, want the call's end to leave it waiting", conv.State)
	}
}

func TestConcurrentFinalStatusesOfACallRecordOne(t *testing.T) {
	w := newWorld(t, config.DefaultSettings())
	w.callToAPerson(caller("+14155552671"), "CA1")
	statuses := []string{"completed", "canceled", "failed", "busy", "no-answer", "completed"}
	recorded := make([]bool, len(statuses))
	var wg sync.WaitGroup
	for i, s := range statuses {
		wg.Go(func() {
			ok, err := w.engine.RecordCallStatus(t.Context(), dialog.CallStatus{CallSid: "CA1", Status: s, Seconds: 9})
			if err != nil {
				t.Error(err)
			}
			recorded[i] = ok
		})
	}
	wg.Wait()
	n := 0
	for _, ok := range recorded {
		if ok {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d outcomes recorded, want exactly one", n)
	}
}
