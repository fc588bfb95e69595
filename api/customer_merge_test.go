package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/storage"
)

// rowExists asks the database whether query finds a row.
func (s *server) rowExists(t *testing.T, query string, args ...any) bool {
	t.Helper()
	found, err := s.store.Exists(t.Context(), query, args...)
	if err != nil {
		t.Fatal(err)
	}
	return found
}

func TestMergeMovesEverythingIntoOneCustomerAndSaysSo(t *testing.T) {
	s := newServer(t)
	lead, token := s.addOperator(t, "lead@example.com", storage.RoleSupervisor)
	_, opToken := s.addOperator(t, "ann@example.com", storage.RoleOperator)
	ctx := t.Context()
	start := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	keep := s.storeTicket(t, "kim", storage.StateResolved, start)
	// Kim again, on SMS, known as another customer: a later ticket, a
	// callback, a survey answer with its comment, a follow-up.
	dup := s.storeTicket(t, "kim-sms", storage.StateResolved, start.Add(time.Hour))
	if err := s.store.SetCustomerPhone(ctx, dup.CustomerID, "+447911123456"); err != nil {
		t.Fatal(err)
	}
	cb := storage.Callback{CustomerID: dup.CustomerID, Phone: "+447911123456", RequestedAt: start, DueAt: start, MaxAttempts: 1}
	if err := s.store.CreateCallback(ctx, &cb); err != nil {
		t.Fatal(err)
	}
	sv, err := s.store.ScheduleSurvey(ctx, dup, start, "")
	if err == nil {
		_, err = s.store.ClaimSurvey(ctx, sv.ID, start)
	}
	if err == nil {
		_, err = s.store.ScoreSurvey(ctx, sv.ID, 3, start.Add(time.Minute))
	}
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.store.OpenFollowUp(ctx, storage.FollowUp{ConversationID: dup.ID, CustomerID: dup.CustomerID,
		Kind: "detractor", State: storage.FollowUpOpen}); err != nil {
		t.Fatal(err)
	}

	merge := func(into, from uint64, tok string) (int, []byte) {
		return s.do(t, http.MethodPost, fmt.Sprintf("/api/v1/customers/%d/merge", into), tok, fmt.Sprintf(`{"from": %d}`, from))
	}
	status, raw := merge(keep.CustomerID, dup.CustomerID, opToken)
	wantError(t, status, raw, http.StatusForbidden, "supervisor")

	var p profileJSON
	s.mustDo(t, http.MethodPost, fmt.Sprintf("/api/v1/customers/%d/merge", keep.CustomerID), token,
		fmt.Sprintf(`{"from": %d}`, dup.CustomerID), http.StatusOK, &p)
	if p.ID != keep.CustomerID || p.Name != "kim" || p.Phone != "+447911123456" {
		t.Errorf("merged profile = %+v, want Kim with the SMS number", p)
	}
	if len(p.Identities) != 2 || len(p.Conversations) != 2 || p.Conversations[0].ID != dup.ID ||
		len(p.Callbacks) != 1 || p.Callbacks[0].ID != cb.ID || len(p.SurveyAnswers) != 1 || p.SurveyAnswers[0].Score != 3 {
		t.Errorf("merged profile = %+v, want both identities, tickets, the callback and the answer", p)
	}
	for _, table := range []string{"identities", "conversations", "callbacks", "surveys", "follow_ups"} {
		if s.rowExists(t, "SELECT 1 FROM "+table+" WHERE customer_id = ?", dup.CustomerID) {
			t.Errorf("%s still has rows of the merged customer", table)
		}
	}
	if !s.rowExists(t, "SELECT 1 FROM customers WHERE id = ? AND merged_into = ?", dup.CustomerID, keep.CustomerID) {
		t.Error("the merged customer is not marked merged into the other")
	}

	// The latest conversation (the SMS one) says who merged whom.
	var conv conversationJSON
	s.mustDo(t, http.MethodGet, fmt.Sprintf("/api/v1/conversations/%d", dup.ID), token, "", http.StatusOK, &conv)
	var notes []string
	for _, m := range conv.Messages {
		if m.Author == storage.AuthorSystem {
			notes = append(notes, m.Text)
		}
	}
	want := fmt.Sprintf("Customer #%d was merged into customer #%d by lead (operator #%d)", dup.CustomerID, keep.CustomerID, lead.ID)
	if len(notes) != 1 || !strings.HasPrefix(notes[0], want) {
		t.Errorf("system messages = %q, want one starting %q", notes, want)
	}

	other := s.storeTicket(t, "someone", storage.StateWaiting, start)
	for _, tc := range []struct {
		name       string
		into, from uint64
		body       string
		status     int
		want       string
	}{
		{"into themselves", keep.CustomerID, keep.CustomerID, "", http.StatusConflict, "themselves"},
		{"from a merged one again", keep.CustomerID, dup.CustomerID, "", http.StatusConflict, "already merged"},
		{"into a merged one", dup.CustomerID, other.CustomerID, "", http.StatusConflict, "already merged"},
		{"from an unknown one", keep.CustomerID, 999999, "", http.StatusNotFound, "not found"},
		{"into an unknown one", 999999, other.CustomerID, "", http.StatusNotFound, "not found"},
		{"without from", keep.CustomerID, 0, `{}`, http.StatusBadRequest, `"from"`},
		{"with a bad body", keep.CustomerID, 0, `{"from": "x"}`, http.StatusBadRequest, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := tc.body
			if body == "" {
				body = fmt.Sprintf(`{"from": %d}`, tc.from)
			}
			status, raw := s.do(t, http.MethodPost, fmt.Sprintf("/api/v1/customers/%d/merge", tc.into), token, body)
			wantError(t, status, raw, tc.status, tc.want)
		})
	}
	if !s.rowExists(t, "SELECT 1 FROM conversations WHERE id = ? AND customer_id = ?", other.ID, other.CustomerID) {
		t.Error("a refused merge moved a conversation")
	}
}
