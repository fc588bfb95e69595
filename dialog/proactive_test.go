package dialog_test

import (
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/config"
	"github.com/switchboardhq/switchboard/dialog"
	"github.com/switchboardhq/switchboard/storage"
)

var moscow = mustLoadLocation("Europe/Moscow")

// TestLateNoticeWaitsOutQuietHours: a late notice due in the customer's
// night (their number is in Moscow) is not taken until morning.
func TestLateNoticeWaitsOutQuietHours(t *testing.T) {
	w := newWorld(t, config.DefaultSettings())
	cb := w.bookFor("en", monday10.Add(time.Hour))
	conv := *conversationOf(t, w, cb)
	before := len(w.replies(conv))
	w.clock.Set(time.Date(2026, 3, 9, 23, 0, 0, 0, moscow))
	if sent, err := w.engine.TellCallbackLate(t.Context(), cb.ID); err != nil || sent {
		t.Fatalf("late notice at 23:00 for the customer: %v, %v; want it left for the morning", sent, err)
	}
	if got, _ := w.store.GetCallback(t.Context(), cb.ID); got.LateNoticeAt != nil || len(w.replies(conv)) != before {
		t.Fatal("the late notice was taken in the customer's quiet hours")
	}
	w.clock.Set(time.Date(2026, 3, 10, 9, 30, 0, 0, moscow))
	if sent, err := w.engine.TellCallbackLate(t.Context(), cb.ID); err != nil || !sent {
		t.Fatalf("late notice in the morning: %v, %v", sent, err)
	}
	msgs := w.messages(conv)
	if last := msgs[len(msgs)-1]; !last.Proactive || len(w.replies(conv)) != before+1 {
		t.Fatalf("last message %+v: want the late notice, marked proactive", last)
	}
}

// TestProactiveCapWithholdsALateNoticeButNotAReminder: a customer who had
// proactive_per_day messages in the last day gets no late notice, while
// their reminder (which the cap leaves aside) still goes.
func TestProactiveCapWithholdsALateNoticeButNotAReminder(t *testing.T) {
	w := newWorld(t, config.DefaultSettings())
	cb := w.bookFor("en", monday10.Add(time.Hour))
	conv := *conversationOf(t, w, cb)
	earlier := storage.Message{ConversationID: conv, Direction: storage.Outbound, Author: storage.AuthorBot, Kind: "text",
		Text: "How likely are you to recommend us?", Proactive: true, CreatedAt: monday10.Add(-2 * time.Hour)}
	if err := w.store.InsertMessage(t.Context(), &earlier); err != nil {
		t.Fatal(err)
	}
	before := len(w.replies(conv))
	if sent, err := w.engine.RemindCallback(t.Context(), cb.ID); err != nil || !sent {
		t.Fatalf("reminder: %v, %v", sent, err)
	}
	if n := len(w.replies(conv)); n != before+1 {
		t.Fatalf("%d replies after the reminder, want %d: the cap leaves reminders aside", n, before+1)
	}
	w.clock.Advance(90 * time.Minute)
	if sent, err := w.engine.TellCallbackLate(t.Context(), cb.ID); err != nil || !sent {
		t.Fatalf("late notice: %v, %v; want it taken (and withheld)", sent, err)
	}
	if n := len(w.replies(conv)); n != before+1 {
		t.Fatalf("%d replies after the late notice, want it withheld by proactive_per_day", n)
	}
	if got, _ := w.store.GetCallback(t.Context(), cb.ID); got.LateNoticeAt == nil {
		t.Fatal("a withheld late notice is tried again")
	}
}

// TestStatusTellsOfABookedCallback: /status says how the request stands
// and, when a callback is booked, when it will be.
func TestStatusTellsOfABookedCallback(t *testing.T) {
	w := newWorld(t, config.DefaultSettings())
	c := customer(950, "en")
	res := w.command(c, "start")
	conv := w.conversation(res.ConversationID)
	if _, err := w.engine.BookCallback(t.Context(), dialog.CallbackBooking{CustomerID: conv.CustomerID,
		Phone: "+74951234567", DueAt: monday10.Add(2 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	w.command(c, "status")
	rs := w.replies(conv.ID)
	if len(rs) < 2 {
		t.Fatalf("replies = %+v", rs)
	}
	wantContains(t, "status", rs[len(rs)-2].Text, conv.Ticket())
	wantContains(t, "callback status", rs[len(rs)-1].Text, "booked", "+74951234567", "14:00")
}
