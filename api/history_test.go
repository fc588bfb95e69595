package api_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/dialog"
	"github.com/switchboardhq/switchboard/storage"
)

func TestHistorySpansEveryTicketAndChannelOfTheCustomer(t *testing.T) {
	s := newServer(t)
	_, token := s.addOperator(t, "ann@example.com", storage.RoleOperator)
	first := s.waitingConversation(t, "My parcel is late")
	s.mustDo(t, http.MethodPost, fmt.Sprintf("/api/v1/conversations/%d/resolve", first), token, "", http.StatusOK, nil)
	second := s.customerSays(t, dialog.Event{ExternalID: "3", Kind: dialog.KindCommand, Command: "start"}).ConversationID
	if second == first {
		t.Fatal("/start after resolving did not open a new ticket")
	}
	s.mustDo(t, http.MethodPost, fmt.Sprintf("/api/v1/conversations/%d/notes", second), token, `{"text":"second time this month"}`, http.StatusCreated, nil)
	third := s.smsConversation(t, first, "Calling about my parcel")
	s.otherCustomerWaiting(t, "7") // someone else: not in the history

	var conv conversationJSON
	s.mustDo(t, http.MethodGet, fmt.Sprintf("/api/v1/conversations/%d", first), token, "", http.StatusOK, &conv)
	var history struct {
		Customer      customerJSON `json:"customer"`
		Conversations []struct {
			ID       uint64        `json:"id"`
			Ticket   string        `json:"ticket"`
			Status   string        `json:"status"`
			Channel  string        `json:"channel"`
			Messages []messageJSON `json:"messages"`
		} `json:"conversations"`
	}
	s.mustDo(t, http.MethodGet, fmt.Sprintf("/api/v1/customers/%d/history", conv.Customer.ID), token, "", http.StatusOK, &history)
	if history.Customer.Name != "Ann" {
		t.Errorf("customer = %+v, want Ann", history.Customer)
	}
	want := []struct {
		id      uint64
		status  string
		channel string
		text    string
	}{
		{first, storage.StateResolved, dialog.ChannelTelegram, "My parcel is late"},
		{second, storage.StateBot, dialog.ChannelTelegram, "second time this month"},
		{third, storage.StateWaiting, dialog.ChannelSMS, "Calling about my parcel"},
	}
	if len(history.Conversations) != len(want) {
		t.Fatalf("history has %d conversations, want %d", len(history.Conversations), len(want))
	}
	for i, w := range want {
		got := history.Conversations[i]
		if got.ID != w.id || got.Ticket != storage.FormatTicket(w.id) || got.Status != w.status || got.Channel != w.channel {
			t.Errorf("conversation %d = %d %s %s on %s, want %d %s on %s", i, got.ID, got.Ticket, got.Status, got.Channel, w.id, w.status, w.channel)
		}
		if !hasMessage(got.Messages, func(m messageJSON) bool { return m.Text == w.text }) {
			t.Errorf("conversation %d messages %+v lack %q", got.ID, got.Messages, w.text)
		}
	}

	status, raw := s.do(t, http.MethodGet, "/api/v1/customers/999999/history", token, "")
	wantError(t, status, raw, http.StatusNotFound, "not found")
}

// smsConversation gives the customer of conversation sameAs an SMS identity
// and a waiting conversation there with one message, as an SMS channel
// linking by phone number would.
func (s *server) smsConversation(t *testing.T, sameAs uint64, text string) uint64 {
	t.Helper()
	ctx := t.Context()
	tg, err := s.store.GetConversation(ctx, sameAs)
	if err != nil {
		t.Fatal(err)
	}
	const phone = "+447700900123"
	if err := s.store.Exec(ctx, "INSERT INTO identities (customer_id, channel, external_id, address, unreachable, created_at) VALUES (?, ?, ?, ?, ?, ?)",
		tg.CustomerID, dialog.ChannelSMS, phone, phone, false, time.Now().UTC()); err != nil {
		t.Fatal(err)
	}
	ident, _, err := s.store.FindOrCreateIdentity(ctx, storage.Contact{Channel: dialog.ChannelSMS, ExternalID: phone})
	if err != nil || ident.CustomerID != tg.CustomerID {
		t.Fatalf("sms identity = %+v, %v", ident, err)
	}
	now := time.Now().UTC().Add(time.Second)
	conv := storage.Conversation{CustomerID: tg.CustomerID, IdentityID: ident.ID, Channel: dialog.ChannelSMS, State: storage.StateWaiting,
		CreatedAt: now, HandedOverAt: &now, LastMessageAt: now}
	if err := s.store.CreateConversation(ctx, &conv); err != nil {
		t.Fatal(err)
	}
	m := storage.Message{ConversationID: conv.ID, Direction: storage.Inbound, Author: storage.AuthorCustomer, Kind: "text", Text: text, Channel: dialog.ChannelSMS}
	if err := s.store.InsertMessage(ctx, &m); err != nil {
		t.Fatal(err)
	}
	return conv.ID
}
