package callback_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/callback"
	"github.com/switchboardhq/switchboard/callback/policy"
	"github.com/switchboardhq/switchboard/config"
	"github.com/switchboardhq/switchboard/dialog"
	"github.com/switchboardhq/switchboard/internal/faketwilio"
	"github.com/switchboardhq/switchboard/storage"
)

// bookAt is a callback asked for by SMS from number and booked for due
// (zero: as soon as possible), with the conversation it was asked in.
func (w *world) bookAt(number string, due time.Time) storage.Callback {
	w.t.Helper()
	from := storage.Contact{Channel: dialog.ChannelSMS, ExternalID: number, Address: number, Phone: number, Name: "Ann"}
	res, err := w.engine.Handle(w.t.Context(), dialog.Event{ExternalID: faketwilio.NewMessageSid(), From: from,
		Kind: dialog.KindText, Text: "please call me", At: w.clock.Now()})
	if err != nil {
		w.t.Fatal(err)
	}
	ident, _, err := w.store.FindOrCreateIdentity(w.t.Context(), from)
	if err != nil {
		w.t.Fatal(err)
	}
	cb, err := w.engine.BookCallback(w.t.Context(), dialog.CallbackBooking{CustomerID: ident.CustomerID,
		ConversationID: &res.ConversationID, IdentityID: &ident.ID, Phone: number, DueAt: due})
	if err != nil {
		w.t.Fatal(err)
	}
	return cb
}

func (w *world) notifier() *callback.Notifier {
	w.t.Helper()
	slots, err := w.settings.SlotPolicy()
	if err != nil {
		w.t.Fatal(err)
	}
	return callback.NewNotifier(w.store, w.engine, callback.NotifierConfig{RemindBefore: w.settings.Callbacks.RemindBefore,
		LateAfter: w.settings.Callbacks.LateAfter, Slots: slots, Clock: w.clock.Now, Logger: discard})
}

func notify(t *testing.T, n *callback.Notifier) {
	t.Helper()
	if err := n.RunOnce(t.Context()); err != nil {
		t.Fatalf("notifier round: %v", err)
	}
}

// told counts the messages to cb's customer that contain part.
func (w *world) told(cb storage.Callback, part string) int {
	w.t.Helper()
	msgs, err := w.store.ListMessages(w.t.Context(), *cb.ConversationID)
	if err != nil {
		w.t.Fatal(err)
	}
	n := 0
	for _, m := range msgs {
		if strings.Contains(m.Text, part) {
			n++
		}
	}
	return n
}

const (
	reminderText = "A reminder: we will call you"
	lateText     = "we are running late"
)

// TestBookedCallbackIsRemindedOnceRemindBeforeItsTime: the reminder comes
// remind_before (15m) ahead, not earlier, once, by SMS, with the ticket
// and the time on the customer's Californian clock.
func TestBookedCallbackIsRemindedOnceRemindBeforeItsTime(t *testing.T) {
	w := newWorld(t)
	cb := w.bookAt(customer, w.clock.Now().Add(2*time.Hour)) // 15:00 in California
	n := w.notifier()
	w.clock.Add(2*time.Hour - 15*time.Minute - time.Second)
	notify(t, n)
	if got := w.told(cb, reminderText); got != 0 {
		t.Fatalf("reminded %d times before remind_before", got)
	}
	w.clock.Add(time.Second)
	notify(t, n)
	notify(t, n)
	if got := w.told(cb, reminderText); got != 1 {
		t.Fatalf("reminded %d times, want once", got)
	}
	msgs, err := w.store.ListMessages(t.Context(), *cb.ConversationID)
	if err != nil {
		t.Fatal(err)
	}
	last := msgs[len(msgs)-1]
	want := "A reminder: we will call you at " + customer + " on Tuesday 10 Mar at 15:00 (America/Los_Angeles) about your request " +
		storage.FormatTicket(*cb.ConversationID) + "."
	if last.Text != want || last.Channel != dialog.ChannelSMS {
		t.Errorf("reminder %q on %s\nwant     %q by SMS", last.Text, last.Channel, want)
	}
	items, err := w.store.ListOutbox(t.Context(), *cb.ConversationID)
	if err != nil || len(items) == 0 || items[len(items)-1].Address != customer {
		t.Errorf("no outbox item to %s: %+v, %v", customer, items, err)
	}
}

func TestNoReminder(t *testing.T) {
	cases := []struct {
		name   string
		yaml   string
		due    time.Duration // from now; 0 is as soon as possible
		before time.Duration // how long before due the notifier looks
	}{
		{"booked closer than remind_before", "", 10 * time.Minute, 5 * time.Minute},
		{"as soon as possible", "", 0, 0},
		{"remind_before 0s", "callbacks: {remind_before: 0s}", 2 * time.Hour, 5 * time.Minute},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := newWorld(t)
			if c.yaml != "" {
				w.settingsFrom(c.yaml)
			}
			var due time.Time
			if c.due > 0 {
				due = w.clock.Now().Add(c.due)
			}
			cb := w.bookAt(customer, due)
			n := w.notifier()
			w.clock.Add(c.due - c.before)
			notify(t, n)
			if got := w.told(cb, reminderText); got != 0 {
				t.Errorf("reminded %d times", got)
			}
		})
	}
}

// TestTwoNotifiersRemindOnce: two switchboard processes on one database
// looking at the same moment send one reminder and one late notice.
func TestTwoNotifiersRemindOnce(t *testing.T) {
	w := newWorld(t)
	reminded := w.bookAt(customer, w.clock.Now().Add(time.Hour))
	late := w.bookAt("+14155552672", time.Time{})
	w.clock.Add(50 * time.Minute)
	notifiers := []*callback.Notifier{w.notifier(), w.notifier(), w.notifier()}
	var wg sync.WaitGroup
	for _, n := range notifiers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 3 {
				if err := n.RunOnce(context.Background()); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	if a, b := w.told(reminded, reminderText), w.told(late, lateText); a != 1 || b != 1 {
		t.Errorf("%d reminders and %d late notices, want one each", a, b)
	}
}

// TestLateNoticeComesOnceLateAfterTheCallbackCouldFirstBeDialled: a
// callback not dialled late_after (10m) past its time, or past when it
// was asked for, is told once that it runs late; one asked for in the
// customer's night counts from when their morning allows a call; one
// dialled on time is never told.
func TestLateNoticeComesOnceLateAfterTheCallbackCouldFirstBeDialled(t *testing.T) {
	cases := []struct {
		name   string
		at     time.Time     // the clock when booked
		number string        // the customer
		due    time.Duration // from at; 0 is as soon as possible
		late   time.Time     // when the notice is due
	}{
		{"booked", time.Date(2026, time.March, 10, 20, 0, 0, 0, time.UTC), customer, time.Hour,
			time.Date(2026, time.March, 10, 21, 10, 0, 0, time.UTC)},
		{"as soon as possible", time.Date(2026, time.March, 10, 20, 0, 0, 0, time.UTC), customer, 0,
			time.Date(2026, time.March, 10, 20, 10, 0, 0, time.UTC)},
		{"as soon as possible, asked at night in London", time.Date(2026, time.March, 10, 23, 0, 0, 0, time.UTC), "+447911123456", 0,
			time.Date(2026, time.March, 11, 9, 10, 0, 0, time.UTC)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := newWorld(t)
			w.clock.now = c.at
			var due time.Time
			if c.due > 0 {
				due = c.at.Add(c.due)
			}
			cb := w.bookAt(c.number, due)
			n := w.notifier()
			w.clock.now = c.late.Add(-time.Second)
			notify(t, n)
			if got := w.told(cb, lateText); got != 0 {
				t.Fatalf("told %d times before it was late", got)
			}
			w.clock.now = c.late
			notify(t, n)
			w.clock.Add(time.Hour)
			notify(t, n)
			if got := w.told(cb, lateText); got != 1 {
				t.Errorf("told %d times that it runs late, want once", got)
			}
		})
	}
}

func TestDialledCallbackIsNotToldItRunsLate(t *testing.T) {
	w := newWorld(t)
	w.operator(nil)
	d := w.dialer("a")
	cb := w.bookAt(customer, time.Time{})
	runOnce(t, d)
	call := w.fake.Calls()[0]
	if _, err := d.FinishDial(t.Context(), cb.ID, call.Sid, policy.CallBusy, ""); err != nil {
		t.Fatal(err)
	}
	w.clock.Add(time.Hour)
	notify(t, w.notifier())
	if got := w.told(cb, lateText); got != 0 {
		t.Errorf("a callback dialled on time was told %d times it runs late", got)
	}
}

// settingsFrom replaces the world's settings with yaml over the defaults,
// for the dialers and notifiers made after.
func (w *world) settingsFrom(yaml string) {
	w.t.Helper()
	s, err := config.ParseSettings([]byte(yaml))
	if err != nil {
		w.t.Fatal(err)
	}
	w.settings = s
}
