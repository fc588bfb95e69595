package dialog_test

import (
	"strings"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/config"
	"github.com/switchboardhq/switchboard/dialog"
)

// TestCallbackBookingIsConfirmedInTheCustomersLanguage: an operator's
// booking for a time is confirmed in the customer's language, with the
// time in their number's zone; the YAML replaces the text as any other.
func TestCallbackBookingIsConfirmedInTheCustomersLanguage(t *testing.T) {
	due := monday10.Add(26 * time.Hour) // Tuesday 12:00 in Berlin, 14:00 in Moscow
	cases := []struct {
		name, settings, lang, want string
	}{
		{"Russian", "", "ru", "Звонок заказан: мы позвоним вам по номеру +74951234567 во вторник, 10.03, в 14:00 (Europe/Moscow). Номер обращения: SB-000001."},
		{"English", "", "en", "Your callback is booked: we will call you at +74951234567 on Tuesday 10 Mar at 14:00 (Europe/Moscow). Your request number is SB-000001."},
		{"YAML override", "texts: {en: {callback_booked: 'Call at {when}, {ticket}.'}}", "en", "Call at on Tuesday 10 Mar at 14:00 (Europe/Moscow), SB-000001."},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			settings := config.DefaultSettings()
			if c.settings != "" {
				settings = parseSettings(t, c.settings)
			}
			w := newWorld(t, settings)
			res := w.command(customer(1, c.lang), "start")
			conv := w.conversation(res.ConversationID)
			if _, err := w.engine.BookCallback(t.Context(), dialog.CallbackBooking{CustomerID: conv.CustomerID, Phone: "+74951234567", DueAt: due}); err != nil {
				t.Fatal(err)
			}
			if got := w.lastReply(conv.ID).Text; got != c.want {
				t.Errorf("confirmation %q\nwant %q", got, c.want)
			}
		})
	}
}

// TestDialNowInTheCustomersNightSaysWhenAndWhy: "dial now" for a
// Californian at 02:00 their time keeps the callback first in line but
// due when their quiet hours end, and says so.
func TestDialNowInTheCustomersNightSaysWhenAndWhy(t *testing.T) {
	w := newWorld(t, config.DefaultSettings())
	res := w.text(smsCustomer("+14155552671"), "hello")
	conv := w.conversation(res.ConversationID)
	cb, err := w.engine.BookCallback(t.Context(), dialog.CallbackBooking{CustomerID: conv.CustomerID, Phone: "+14155552671"})
	if err != nil {
		t.Fatal(err)
	}
	got, err := w.engine.DialCallbackNow(t.Context(), cb.ID)
	if err != nil {
		t.Fatal(err)
	}
	// monday10 is 02:00 PDT; the default quiet hours end at 09:00 PDT.
	if want := time.Date(2026, 3, 9, 16, 0, 0, 0, time.UTC); !got.DialNow || !got.NextAttemptAt.Equal(want) {
		t.Fatalf("dial now: dial_now %v next %s, want true and %s", got.DialNow, got.NextAttemptAt, want)
	}
	if !strings.Contains(got.LastError, "held until Mon 9 Mar 09:00 PDT") {
		t.Errorf("last error %q", got.LastError)
	}
	w.clock.Set(time.Date(2026, 3, 9, 17, 0, 0, 0, time.UTC)) // 10:00 PDT
	if got, err = w.engine.DialCallbackNow(t.Context(), cb.ID); err != nil || !got.NextAttemptAt.Equal(w.clock.Now().UTC()) || got.LastError != "" {
		t.Errorf("in the day: next %s, last error %q (%v), want now and no reason", got.NextAttemptAt, got.LastError, err)
	}
}
