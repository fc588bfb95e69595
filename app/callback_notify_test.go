package app_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/callback/policy"
	"github.com/switchboardhq/switchboard/internal/faketelegram"
	"github.com/switchboardhq/switchboard/internal/faketwilio"
	"github.com/switchboardhq/switchboard/storage"
)

// countTelegram counts the messages sent to chat that contain part.
func countTelegram(tg *faketelegram.Server, chat int64, part string) int {
	n := 0
	for _, m := range tg.SentMessages() {
		if m.ChatID == chat && strings.Contains(m.Text, part) {
			n++
		}
	}
	return n
}

// TestOperatorBookingIsConfirmedAndCancelledOnTelegram: an operator books
// a callback with only the customer's id; the customer is told on
// Telegram, the channel they last wrote from, with their ticket and the
// time in their number's time zone, and told once more when it is
// cancelled.
func TestOperatorBookingIsConfirmedAndCancelledOnTelegram(t *testing.T) {
	h := start(t)
	h.send(faketelegram.CommandUpdate(1, ann, "start", ""))
	h.waitSent(1)
	ident, _, err := h.app.Store.FindOrCreateIdentity(t.Context(), storage.Contact{Channel: "telegram", ExternalID: fmt.Sprint(ann.ID)})
	if err != nil {
		t.Fatal(err)
	}
	token := h.login(adminEmail, adminPassword)
	due := time.Now().UTC().Add(48 * time.Hour).Truncate(time.Hour)
	var cb struct {
		ID uint64 `json:"id"`
	}
	if code := h.call(http.MethodPost, "/api/v1/callbacks", token, map[string]any{"customer_id": ident.CustomerID,
		"phone": smsAnn, "due_at": due.Format(time.RFC3339)}, &cb); code != http.StatusCreated {
		t.Fatalf("book: %d", code)
	}
	local := due.In(policy.CustomerLocation("", smsAnn, time.UTC))
	if local.Location() == time.UTC {
		t.Fatalf("no time zone for %s", smsAnn)
	}
	confirmed := h.waitSent(2)[1]
	wantWhen := local.Format("2 Jan") + " at " + local.Format("15:04") + " (" + local.Location().String() + ")"
	if confirmed.ChatID != ann.ID || !strings.Contains(confirmed.Text, "SB-000001") || !strings.Contains(confirmed.Text, smsAnn) ||
		!strings.Contains(confirmed.Text, wantWhen) {
		t.Fatalf("confirmation %q: want ticket SB-000001, %s and %q", confirmed.Text, smsAnn, wantWhen)
	}
	t.Logf("confirmation: %s", confirmed.Text)
	if code := h.call(http.MethodPost, fmt.Sprintf("/api/v1/callbacks/%d/cancel", cb.ID), token, nil, nil); code != http.StatusOK {
		t.Fatalf("cancel: %d", code)
	}
	cancelled := h.waitSent(3)[2]
	if !strings.Contains(cancelled.Text, "is cancelled") || !strings.Contains(cancelled.Text, "SB-000001") || !strings.Contains(cancelled.Text, "/callback") {
		t.Fatalf("cancellation %q", cancelled.Text)
	}
	if code := h.call(http.MethodPost, fmt.Sprintf("/api/v1/callbacks/%d/cancel", cb.ID), token, nil, nil); code != http.StatusConflict {
		t.Fatalf("second cancel: %d", code)
	}
	time.Sleep(200 * time.Millisecond) // a few outbox polls
	if got := countTelegram(h.tg, ann.ID, "callback"); got != 2 {
		t.Errorf("%d messages about the callback, want 2: %+v", got, h.tg.SentMessages())
	}
}

// smsCount counts the texts to number that contain part.
func smsCount(fake *faketwilio.Server, number, part string) int {
	n := 0
	for _, m := range fake.MessagesTo(number) {
		if strings.Contains(m.Body, part) {
			n++
		}
	}
	return n
}

// TestConversationBookingIsConfirmedBySMS: a callback booked on an SMS
// conversation, for as soon as possible, is confirmed and its cancellation
// told by SMS, once each; a customer known only by a call gets no text.
func TestConversationBookingIsConfirmedBySMS(t *testing.T) {
	w := startCallbacks(t)
	cb := w.book(smsAnn)
	ticket := storage.FormatTicket(*cb.ConversationID)
	waitSMSTo := func(part string) {
		t.Helper()
		ctx, cancel := context.WithTimeout(t.Context(), 15*time.Second)
		defer cancel()
		if err := w.twilio.WaitFor(ctx, func(s *faketwilio.Server) bool { return smsCount(s, smsAnn, part) > 0 }); err != nil {
			t.Fatalf("no SMS with %q: %v", part, err)
		}
	}
	waitSMSTo("as soon as a colleague is free")
	if n := smsCount(w.twilio, smsAnn, ticket); n < 1 {
		t.Errorf("confirmation without ticket %s: %+v", ticket, w.twilio.MessagesTo(smsAnn))
	}
	if code := w.call(http.MethodPost, fmt.Sprintf("/api/v1/callbacks/%d/cancel", cb.ID), w.token, nil, nil); code != http.StatusOK {
		t.Fatalf("cancel: %d", code)
	}
	waitSMSTo("is cancelled")

	caller := "+14155552688"
	w.dial(caller)
	voiceOnly, _, err := w.app.Store.FindOrCreateIdentity(t.Context(), storage.Contact{Channel: "voice", ExternalID: caller, Address: caller, Phone: caller})
	if err != nil {
		t.Fatal(err)
	}
	if code := w.call(http.MethodPost, "/api/v1/callbacks", w.token, map[string]any{"customer_id": voiceOnly.CustomerID, "phone": caller}, nil); code != http.StatusCreated {
		t.Fatalf("book for the caller: %d", code)
	}
	time.Sleep(200 * time.Millisecond) // a few outbox polls
	if n := len(w.twilio.MessagesTo(caller)); n != 0 {
		t.Errorf("a caller was texted: %+v", w.twilio.MessagesTo(caller))
	}
	if a, b := smsCount(w.twilio, smsAnn, "Your callback is booked"), smsCount(w.twilio, smsAnn, "is cancelled"); a != 1 || b != 1 {
		t.Errorf("%d confirmations and %d cancellations, want one each", a, b)
	}
}
