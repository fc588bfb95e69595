package dialog_test

import (
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/config"
	"github.com/switchboardhq/switchboard/dialog"
	"github.com/switchboardhq/switchboard/storage"
)

func TestEveryWayToAskForAPersonJoinsTheQueue(t *testing.T) {
	cases := []struct {
		name      string
		ask       func(w *world, c storage.Contact) dialog.Result
		wantQueue string
	}{
		{"operator menu option", func(w *world, c storage.Contact) dialog.Result { return w.press(c, "m:order") }, "orders"},
		{"person button", func(w *world, c storage.Contact) dialog.Result { return w.press(c, dialog.ButtonPerson) }, ""},
		{"/operator", func(w *world, c storage.Contact) dialog.Result { return w.command(c, "operator") }, ""},
		{"person button under an answer", func(w *world, c storage.Contact) dialog.Result {
			w.press(c, "m:hours")
			return w.press(c, dialog.ButtonPerson)
		}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := newWorld(t, config.DefaultSettings())
			ann := customer(1, "en")
			start := w.command(ann, "start")
			res := c.ask(w, ann)
			if res.State != storage.StateWaiting || res.ConversationID != start.ConversationID {
				t.Fatalf("result = %+v, want conversation %d waiting", res, start.ConversationID)
			}
			conv := w.conversation(res.ConversationID)
			if conv.Queue != c.wantQueue || conv.HandedOverAt == nil {
				t.Errorf("queue = %q, handed_over_at %v; want %q and a time", conv.Queue, conv.HandedOverAt, c.wantQueue)
			}
			wantContains(t, "handover", w.lastReply(res.ConversationID).Text, "number 1 in the queue", "within 5 minutes", start.Ticket)
		})
	}
}

func TestHandoverTellsQueuePositionAndGenerousWait(t *testing.T) {
	cases := []struct {
		name               string
		minutesPerCustomer int
		online             int64
		customers          int
		wantText           []string
	}{
		{"third in line, one operator", 5, 1, 3, []string{"number 3", "15 minutes"}},
		{"third in line, two operators round up to five", 5, 2, 3, []string{"number 3", "10 minutes"}},
		{"nobody online counts as one", 5, 0, 2, []string{"number 2", "10 minutes"}},
		{"odd handling time rounds up", 7, 3, 1, []string{"number 1", "5 minutes"}},
		{"many operators never promise under five", 4, 10, 4, []string{"number 4", "5 minutes"}},
		{"slow handling", 12, 1, 2, []string{"number 2", "25 minutes"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := config.DefaultSettings()
			s.Queue.MinutesPerCustomer = c.minutesPerCustomer
			w := newWorld(t, s)
			w.online.Store(c.online)
			var last dialog.Result
			for id := 1; id <= c.customers; id++ {
				last = w.waiting(customer(id, "en"))
			}
			wantContains(t, "handover", w.lastReply(last.ConversationID).Text, c.wantText...)
		})
	}
}

func TestQueuePositionMovesUpWhenOthersAreClaimed(t *testing.T) {
	w := newWorld(t, config.DefaultSettings())
	first := w.waiting(customer(1, "en"))
	w.waiting(customer(2, "en"))
	third := customer(3, "en")
	w.waiting(third)
	if _, err := w.engine.Claim(t.Context(), first.ConversationID, w.operator("Olga")); err != nil {
		t.Fatal(err)
	}
	res := w.command(third, "status")
	wantContains(t, "status", w.lastReply(res.ConversationID).Text, "number 2", "10 minutes")
}

func TestAskingAgainWhileWaitingRepeatsThePlace(t *testing.T) {
	w := newWorld(t, config.DefaultSettings())
	ann := customer(1, "en")
	first := w.waiting(ann)
	handedOver := w.conversation(first.ConversationID).HandedOverAt

	w.clock.Advance(10 * time.Minute)
	res := w.command(ann, "operator")
	wantContains(t, "reply", w.lastReply(res.ConversationID).Text, "is in the queue", "number 1")
	if got := w.conversation(res.ConversationID).HandedOverAt; got == nil || !got.Equal(*handedOver) {
		t.Errorf("handed_over_at = %v, want it kept at %v (the place in line is not lost)", got, handedOver)
	}
}

// berlinOffice is open on weekdays 09:00-18:00 in Berlin.
const berlinOffice = `
business_hours:
  time_zone: Europe/Berlin
  weekly: {mon: 09:00-18:00, tue: 09:00-18:00, wed: 09:00-18:00, thu: 09:00-18:00, fri: 09:00-18:00}
`

func TestHandoverAfterHoursSaysWhenPeopleAreBack(t *testing.T) {
	saturdayNoon := time.Date(2026, time.March, 7, 12, 0, 0, 0, berlin)
	cases := []struct {
		name     string
		settings string
		now      time.Time
		lang     string
		want     []string
	}{
		{"saturday noon", berlinOffice, saturdayNoon, "en", []string{"back on Monday 9 Mar at 09:00 (Europe/Berlin)", "SB-000001", "keeps its place"}},
		{"friday evening", berlinOffice, time.Date(2026, time.March, 6, 18, 0, 0, 0, berlin), "en", []string{"back on Monday 9 Mar at 09:00"}},
		{"early morning", berlinOffice, time.Date(2026, time.March, 10, 7, 30, 0, 0, berlin), "en", []string{"back on Tuesday 10 Mar at 09:00"}},
		{"monday holiday", berlinOffice + "  holidays: [2026-03-09]\n", saturdayNoon, "en", []string{"back on Tuesday 10 Mar at 09:00"}},
		{"in russian", berlinOffice, saturdayNoon, "ru", []string{"вернёмся в понедельник, 09.03, в 09:00 (Europe/Berlin)"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := newWorld(t, parseSettings(t, c.settings))
			w.clock.Set(c.now)
			ann := customer(1, c.lang)
			w.command(ann, "start")
			res := w.press(ann, "m:order")
			if res.State != storage.StateWaiting {
				t.Fatalf("state = %s, want waiting: the ticket keeps its place in the queue", res.State)
			}
			if conv := w.conversation(res.ConversationID); conv.Queue != "orders" || conv.HandedOverAt == nil {
				t.Errorf("queue %q, handed_over_at %v: want the orders queue and a time", conv.Queue, conv.HandedOverAt)
			}
			wantContains(t, "after-hours handover", w.lastReply(res.ConversationID).Text, c.want...)
		})
	}
}

func TestHandoverInHoursGivesTheQueueNotTheOpeningTime(t *testing.T) {
	w := newWorld(t, parseSettings(t, berlinOffice))
	w.clock.Set(time.Date(2026, time.March, 9, 17, 59, 0, 0, berlin))
	res := w.waiting(customer(1, "en"))
	wantContains(t, "handover", w.lastReply(res.ConversationID).Text, "number 1 in the queue", "5 minutes")
}
