package dialog_test

import (
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/config"
	"github.com/switchboardhq/switchboard/dialog"
	"github.com/switchboardhq/switchboard/storage"
)

// bookFor has a new Telegram customer in lang write in, and an operator
// book them a callback to a Moscow number at due (zero: as soon as
// possible); it returns the callback.
func (w *world) bookFor(lang string, due time.Time) storage.Callback {
	w.t.Helper()
	res := w.command(customer(int(w.nextID.Add(1)), lang), "start")
	conv := w.conversation(res.ConversationID)
	cb, err := w.engine.BookCallback(w.t.Context(), dialog.CallbackBooking{CustomerID: conv.CustomerID, Phone: "+74951234567", DueAt: due})
	if err != nil {
		w.t.Fatal(err)
	}
	return cb
}

// notice is one of the engine's notices of a waiting callback.
type notice func(*dialog.Engine, *testing.T, uint64) (bool, error)

func remind(e *dialog.Engine, t *testing.T, id uint64) (bool, error) {
	return e.RemindCallback(t.Context(), id)
}
func late(e *dialog.Engine, t *testing.T, id uint64) (bool, error) {
	return e.TellCallbackLate(t.Context(), id)
}

// TestCallbackNoticesSayTicketAndTimeInTheCustomersLanguage: a reminder
// gives the ticket, the number and the booked time in the number's zone;
// a late notice that they keep their place; each in the customer's
// language, replaceable in YAML, and sent once however often asked.
func TestCallbackNoticesSayTicketAndTimeInTheCustomersLanguage(t *testing.T) {
	due := monday10.Add(26 * time.Hour) // Tuesday 12:00 in Berlin, 14:00 in Moscow
	cases := []struct {
		name, settings, lang string
		send                 notice
		want                 string
	}{
		{"reminder in English", "", "en", remind,
			"A reminder: we will call you at +74951234567 on Tuesday 10 Mar at 14:00 (Europe/Moscow) about your request SB-000001."},
		{"reminder in Russian", "", "ru", remind,
			"Напоминаем: мы позвоним вам по номеру +74951234567 во вторник, 10.03, в 14:00 (Europe/Moscow) по обращению SB-000001."},
		{"reminder from YAML", "texts: {en: {callback_reminder: 'Soon: {when}, {ticket}.'}}", "en", remind,
			"Soon: on Tuesday 10 Mar at 14:00 (Europe/Moscow), SB-000001."},
		{"late notice in English", "", "en", late,
			"Sorry, we are running late with your callback for request SB-000001. You keep your place: we will call you at +74951234567 as soon as a colleague is free."},
		{"late notice in Russian", "", "ru", late,
			"Извините, мы задерживаемся с обратным звонком по обращению SB-000001. Ваше место в очереди сохраняется: мы позвоним вам по номеру +74951234567, как только освободится сотрудник."},
		{"late notice from YAML", "texts: {ru: {callback_late: 'Задерживаемся, {ticket}.'}}", "ru", late,
			"Задерживаемся, SB-000001."},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			settings := config.DefaultSettings()
			if c.settings != "" {
				settings = parseSettings(t, c.settings)
			}
			w := newWorld(t, settings)
			cb := w.bookFor(c.lang, due)
			before := len(w.replies(*conversationOf(t, w, cb)))
			for i, want := range []bool{true, false} {
				sent, err := c.send(w.engine, t, cb.ID)
				if err != nil || sent != want {
					t.Fatalf("notice %d: sent %v, %v; want %v", i+1, sent, err, want)
				}
			}
			replies := w.replies(*conversationOf(t, w, cb))
			if len(replies) != before+1 {
				t.Fatalf("%d replies after two notices, want %d", len(replies), before+1)
			}
			if got := replies[len(replies)-1].Text; got != c.want {
				t.Errorf("notice %q\nwant   %q", got, c.want)
			}
		})
	}
}

// conversationOf is the conversation the customer of cb was written to in.
func conversationOf(t *testing.T, w *world, cb storage.Callback) *uint64 {
	t.Helper()
	got, err := w.store.GetCallback(t.Context(), cb.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.IdentityID == nil {
		t.Fatal("the callback has no identity to write to")
	}
	conv, err := w.store.LatestConversation(t.Context(), *got.IdentityID)
	if err != nil {
		t.Fatal(err)
	}
	return &conv.ID
}

// TestCallbackNoticeMarksTheCallback: a notice taken is recorded on the
// callback at the engine's time; one for a callback already dialled, or
// for a customer with no channel to write to, writes nothing.
func TestCallbackNoticeMarksTheCallback(t *testing.T) {
	w := newWorld(t, config.DefaultSettings())
	cb := w.bookFor("en", monday10.Add(time.Hour))
	if _, err := w.engine.RemindCallback(t.Context(), cb.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := w.engine.TellCallbackLate(t.Context(), cb.ID); err != nil {
		t.Fatal(err)
	}
	got, err := w.store.GetCallback(t.Context(), cb.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.RemindedAt == nil || !got.RemindedAt.Equal(monday10) || got.LateNoticeAt == nil || !got.LateNoticeAt.Equal(monday10) {
		t.Errorf("reminded_at %v, late_notice_at %v; want both %v", got.RemindedAt, got.LateNoticeAt, monday10)
	}

	// A caller known only by their calls has nowhere to be written to.
	caller := storage.Contact{Channel: dialog.ChannelVoice, ExternalID: "+74951234500", Address: "+74951234500", Phone: "+74951234500"}
	ident, _, err := w.store.FindOrCreateIdentity(t.Context(), caller)
	if err != nil {
		t.Fatal(err)
	}
	voiceOnly, err := w.engine.BookCallback(t.Context(), dialog.CallbackBooking{CustomerID: ident.CustomerID, Phone: caller.Phone, DueAt: monday10.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if sent, err := w.engine.RemindCallback(t.Context(), voiceOnly.ID); err != nil || !sent {
		t.Fatalf("reminder for a caller: %v, %v; want it taken", sent, err)
	}
	if got, _ := w.store.GetCallback(t.Context(), voiceOnly.ID); got.RemindedAt == nil {
		t.Error("the caller's callback is not marked reminded")
	}

	dialled := w.bookFor("en", time.Time{})
	if _, err := w.store.ClaimDueCallbacks(t.Context(), monday10, "a", time.Minute, 10); err != nil {
		t.Fatal(err)
	}
	before := len(w.replies(*conversationOf(t, w, dialled)))
	if sent, err := w.engine.TellCallbackLate(t.Context(), dialled.ID); err != nil || sent {
		t.Errorf("late notice of a dialing callback: %v, %v", sent, err)
	}
	if n := len(w.replies(*conversationOf(t, w, dialled))); n != before {
		t.Errorf("%d replies, want %d", n, before)
	}
}

// TestCallbackNoticeTextsExistInEveryBuiltInLanguage: both texts are
// built in in English and Russian, and differ between them.
func TestCallbackNoticeTextsExistInEveryBuiltInLanguage(t *testing.T) {
	w := newWorld(t, config.DefaultSettings())
	for _, key := range []string{dialog.TextCallbackReminder, dialog.TextCallbackLate} {
		en, ru := w.engine.Texts().Get("en", key), w.engine.Texts().Get("ru", key)
		if en == "" || ru == "" || en == ru {
			t.Errorf("%s: en %q, ru %q", key, en, ru)
		}
	}
}
