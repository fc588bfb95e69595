package api_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/api"
	"github.com/switchboardhq/switchboard/storage"
)

type profileJSON struct {
	ID         uint64 `json:"id"`
	Name       string `json:"name"`
	Phone      string `json:"phone"`
	TimeZone   string `json:"time_zone"`
	Language   string `json:"language"`
	Identities []struct {
		Channel    string `json:"channel"`
		ExternalID string `json:"external_id"`
	} `json:"identities"`
	Conversations []struct {
		ID       uint64       `json:"id"`
		Channel  string       `json:"channel"`
		Customer *customerRef `json:"customer"`
	} `json:"conversations"`
	MoreConversations bool `json:"more_conversations"`
	Callbacks         []struct {
		ID         uint64 `json:"id"`
		CustomerID uint64 `json:"customer_id"`
	} `json:"callbacks"`
	MoreCallbacks bool `json:"more_callbacks"`
	SurveyAnswers []struct {
		Ticket  string `json:"ticket"`
		Score   int    `json:"score"`
		Comment string `json:"comment"`
	} `json:"survey_answers"`
	MoreSurveyAnswers bool `json:"more_survey_answers"`
}

type customerRef struct {
	ID uint64 `json:"id"`
}

func TestCustomerProfileShowsIdentitiesConversationsCallbacksAndAnswers(t *testing.T) {
	s := newServer(t)
	_, token := s.addOperator(t, "ann@example.com", storage.RoleOperator)
	ctx := t.Context()
	start := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	first := s.storeTicket(t, "kim", storage.StateResolved, start)
	id := first.CustomerID
	if err := s.store.SetCustomerPhone(ctx, id, "+447911123456"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.engine.SetCustomerTimeZone(ctx, id, "Europe/London"); err != nil {
		t.Fatal(err)
	}
	// The same person texts from their number: one customer, two identities.
	smsIdent, same, err := s.store.FindOrCreateIdentity(ctx, storage.Contact{Channel: "sms", ExternalID: "+447911123456",
		Address: "+447911123456", Phone: "+447911123456"})
	if err != nil || same.ID != id {
		t.Fatalf("the SMS identity went to customer %d (%v), want %d", same.ID, err, id)
	}
	sms := storage.Conversation{CustomerID: id, IdentityID: smsIdent.ID, Channel: "sms", State: storage.StateOpen,
		CreatedAt: start.Add(time.Hour), LastMessageAt: start.Add(time.Hour)}
	if err := s.store.CreateConversation(ctx, &sms); err != nil {
		t.Fatal(err)
	}
	cb := storage.Callback{CustomerID: id, Phone: "+447911123456", RequestedAt: start, DueAt: start, MaxAttempts: 1}
	if err := s.store.CreateCallback(ctx, &cb); err != nil {
		t.Fatal(err)
	}
	sv, err := s.store.ScheduleSurvey(ctx, first, start, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.store.ClaimSurvey(ctx, sv.ID, start); err != nil {
		t.Fatal(err)
	}
	if _, err := s.store.ScoreSurvey(ctx, sv.ID, 9, start.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	comment := storage.Message{ConversationID: first.ID, Direction: storage.Inbound, Author: storage.AuthorCustomer,
		Kind: "text", Text: "Quick and kind <b>thanks</b>", Channel: "telegram", CreatedAt: start.Add(2 * time.Minute)}
	if err := s.store.InsertMessage(ctx, &comment); err != nil {
		t.Fatal(err)
	}
	if _, err := s.store.CommentSurvey(ctx, sv.ID, comment.ID, start.Add(2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	other := s.storeTicket(t, "someone else", storage.StateWaiting, start) // not in Kim's profile

	var p profileJSON
	s.mustDo(t, http.MethodGet, fmt.Sprintf("/api/v1/customers/%d", id), token, "", http.StatusOK, &p)
	if p.ID != id || p.Name != "kim" || p.Phone != "+447911123456" || p.TimeZone != "Europe/London" {
		t.Errorf("profile = %+v", p)
	}
	if len(p.Identities) != 2 || p.Identities[0].Channel != "telegram" || p.Identities[1].Channel != "sms" {
		t.Errorf("identities = %+v, want Telegram then SMS", p.Identities)
	}
	if len(p.Conversations) != 2 || p.Conversations[0].ID != sms.ID || p.Conversations[1].ID != first.ID || p.MoreConversations {
		t.Errorf("conversations = %+v (more %v), want SMS %d then Telegram %d", p.Conversations, p.MoreConversations, sms.ID, first.ID)
	}
	for _, c := range p.Conversations {
		if c.Customer != nil {
			t.Errorf("conversation %d repeats the customer", c.ID)
		}
		if c.ID == other.ID {
			t.Errorf("another customer's conversation %d is listed", c.ID)
		}
	}
	if len(p.Callbacks) != 1 || p.Callbacks[0].ID != cb.ID || p.MoreCallbacks {
		t.Errorf("callbacks = %+v, want %d", p.Callbacks, cb.ID)
	}
	if len(p.SurveyAnswers) != 1 || p.SurveyAnswers[0].Score != 9 || p.SurveyAnswers[0].Comment != comment.Text ||
		p.SurveyAnswers[0].Ticket != first.Ticket() {
		t.Errorf("survey answers = %+v", p.SurveyAnswers)
	}

	// A long-standing customer: the profile shows the latest, and says
	// there is more.
	for i := range api.ProfileListLength {
		s.storeTicket(t, "kim", storage.StateResolved, start.Add(time.Duration(i+2)*time.Hour))
	}
	s.mustDo(t, http.MethodGet, fmt.Sprintf("/api/v1/customers/%d", id), token, "", http.StatusOK, &p)
	if len(p.Conversations) != api.ProfileListLength || !p.MoreConversations || p.Conversations[len(p.Conversations)-1].ID == first.ID {
		t.Errorf("%d conversations (more %v), want the latest %d and more", len(p.Conversations), p.MoreConversations, api.ProfileListLength)
	}

	status, raw := s.do(t, http.MethodGet, "/api/v1/customers/999999", token, "")
	wantError(t, status, raw, http.StatusNotFound, "not found")
	status, raw = s.do(t, http.MethodGet, "/api/v1/customers/abc", token, "")
	wantError(t, status, raw, http.StatusBadRequest, "id")
	status, _ = s.do(t, http.MethodGet, fmt.Sprintf("/api/v1/customers/%d", id), "", "")
	if status != http.StatusUnauthorized {
		t.Errorf("without a login: %d, want 401", status)
	}
}

func TestCustomerProfileListsNotesAndPagesOn(t *testing.T) {
	s := newServer(t)
	ann, token := s.addOperator(t, "ann@example.com", storage.RoleOperator)
	ctx := t.Context()
	start := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	first := s.storeTicket(t, "kim", storage.StateResolved, start)
	id := first.CustomerID
	convs := []storage.Conversation{first}
	for i := range api.ProfileListLength + 2 {
		convs = append(convs, s.storeTicket(t, "kim", storage.StateResolved, start.Add(time.Duration(i+1)*time.Hour)))
	}
	other := s.storeTicket(t, "someone else", storage.StateOpen, start)
	older, err := s.engine.AddNote(ctx, first.ID, ann, "Prefers <i>SMS</i>")
	if err != nil {
		t.Fatal(err)
	}
	newer, err := s.engine.AddNote(ctx, convs[5].ID, ann, "Refund promised")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.engine.AddNote(ctx, other.ID, ann, "not Kim's"); err != nil {
		t.Fatal(err)
	}
	reply := storage.Message{ConversationID: first.ID, Direction: storage.Outbound, Author: storage.AuthorOperator,
		OperatorID: &ann.ID, Kind: "text", Text: "a reply, not a note", Channel: "telegram", CreatedAt: start}
	if err := s.store.InsertMessage(ctx, &reply); err != nil {
		t.Fatal(err)
	}

	var p struct {
		Notes []struct {
			ID             uint64 `json:"id"`
			ConversationID uint64 `json:"conversation_id"`
			Ticket         string `json:"ticket"`
			Kind           string `json:"kind"`
			Text           string `json:"text"`
			OperatorID     uint64 `json:"operator_id"`
		} `json:"notes"`
		MoreNotes           bool                  `json:"more_notes"`
		Conversations       []struct{ ID uint64 } `json:"conversations"`
		ConversationsCursor string                `json:"conversations_cursor"`
		CallbacksCursor     string                `json:"callbacks_cursor"`
	}
	s.mustDo(t, http.MethodGet, fmt.Sprintf("/api/v1/customers/%d", id), token, "", http.StatusOK, &p)
	if len(p.Notes) != 2 || p.Notes[0].ID != newer.ID || p.Notes[1].ID != older.ID || p.MoreNotes {
		t.Fatalf("notes = %+v (more %v), want %d then %d", p.Notes, p.MoreNotes, newer.ID, older.ID)
	}
	if n := p.Notes[1]; n.Text != "Prefers <i>SMS</i>" || n.Kind != storage.KindNote || n.Ticket != first.Ticket() || n.OperatorID != ann.ID {
		t.Errorf("note = %+v", n)
	}
	if p.CallbacksCursor != "" {
		t.Errorf("callbacks_cursor = %q with no callbacks", p.CallbacksCursor)
	}

	// The rest of the conversations, from the profile's cursor on.
	if len(p.Conversations) != api.ProfileListLength || p.ConversationsCursor == "" {
		t.Fatalf("%d conversations, cursor %q", len(p.Conversations), p.ConversationsCursor)
	}
	seen := map[uint64]bool{}
	for _, c := range p.Conversations {
		seen[c.ID] = true
	}
	var rest struct {
		Conversations []struct {
			ID         uint64 `json:"id"`
			CustomerID uint64 `json:"customer_id"`
		} `json:"conversations"`
		NextCursor string `json:"next_cursor"`
	}
	s.mustDo(t, http.MethodGet, fmt.Sprintf("/api/v1/conversations?customer_id=%d&cursor=%s", id, p.ConversationsCursor),
		token, "", http.StatusOK, &rest)
	for _, c := range rest.Conversations {
		if seen[c.ID] || c.CustomerID != id {
			t.Errorf("conversation %d of customer %d on the next page", c.ID, c.CustomerID)
		}
		seen[c.ID] = true
	}
	if len(seen) != len(convs) || rest.NextCursor != "" {
		t.Errorf("%d conversations in all (next %q), want %d", len(seen), rest.NextCursor, len(convs))
	}
	status, raw := s.do(t, http.MethodGet, "/api/v1/conversations?customer_id=x", token, "")
	wantError(t, status, raw, http.StatusBadRequest, "customer_id")
}
