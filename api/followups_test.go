package api_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/switchboardhq/switchboard/dialog"
	"github.com/switchboardhq/switchboard/storage"
)

type followUpJSON struct {
	ID       uint64 `json:"id"`
	Ticket   string `json:"ticket"`
	Kind     string `json:"kind"`
	State    string `json:"state"`
	Summary  string `json:"summary"`
	Decision string `json:"decision"`
	Customer *struct {
		Name string `json:"name"`
	} `json:"customer"`
}

func TestComplaintFollowUpIsClosedWithADecisionTheCustomerGets(t *testing.T) {
	s := newServer(t)
	_, ann := s.addOperator(t, "ann@example.com", storage.RoleOperator)
	_, boss := s.addOperator(t, "boss@example.com", storage.RoleSupervisor)
	id := s.waitingConversation(t, "Where is my order?")
	path := fmt.Sprintf("/api/v1/conversations/%d", id)
	s.mustDo(t, http.MethodPost, path+"/resolve", ann, "", http.StatusOK, nil)
	s.customerSays(t, dialog.Event{ExternalID: "3", Kind: dialog.KindText, Text: "The parcel arrived broken, awful"})

	var list struct {
		FollowUps []followUpJSON `json:"followups"`
	}
	s.mustDo(t, http.MethodGet, "/api/v1/followups?state=open", boss, "", http.StatusOK, &list)
	if len(list.FollowUps) != 1 || list.FollowUps[0].Kind != "complaint" || list.FollowUps[0].Ticket != storage.FormatTicket(id) ||
		list.FollowUps[0].Summary != "The parcel arrived broken, awful" || list.FollowUps[0].Customer == nil || list.FollowUps[0].Customer.Name != "Ann" {
		t.Fatalf("supervisor's follow-ups = %+v", list.FollowUps)
	}
	var mine struct {
		FollowUps []followUpJSON `json:"followups"`
	}
	s.mustDo(t, http.MethodGet, "/api/v1/followups", ann, "", http.StatusOK, &mine)
	if len(mine.FollowUps) != 0 {
		t.Fatalf("an operator who owns none sees %+v", mine.FollowUps)
	}
	close := fmt.Sprintf("/api/v1/followups/%d/close", list.FollowUps[0].ID)
	cases := []struct {
		token, body string
		status      int
		want        string
	}{
		{ann, `{"decision":"A new parcel goes out today."}`, http.StatusForbidden, "feedback owner"},
		{boss, `{"decision":" "}`, http.StatusBadRequest, "decision is empty"},
		{boss, `{"verdict":"x"}`, http.StatusBadRequest, "verdict"},
	}
	for _, tc := range cases {
		status, raw := s.do(t, http.MethodPost, close, tc.token, tc.body)
		wantError(t, status, raw, tc.status, tc.want)
	}
	var closed followUpJSON
	s.mustDo(t, http.MethodPost, close, boss, `{"decision":"A new parcel goes out today, and we refund the delivery."}`, http.StatusOK, &closed)
	if closed.State != "closed" || closed.Decision != "A new parcel goes out today, and we refund the delivery." {
		t.Fatalf("closed = %+v", closed)
	}
	var conv surveyConversationJSON
	s.mustDo(t, http.MethodGet, path, boss, "", http.StatusOK, &conv)
	last := conv.Messages[len(conv.Messages)-1]
	if last.Direction != storage.Outbound || last.Text != closed.Decision {
		t.Fatalf("the customer's last message is %+v, want the decision", last)
	}
	status, raw := s.do(t, http.MethodPost, close, boss, `{"decision":"again"}`)
	wantError(t, status, raw, http.StatusConflict, "closed")
	status, raw = s.do(t, http.MethodGet, "/api/v1/followups?state=done", boss, "")
	wantError(t, status, raw, http.StatusBadRequest, "want open or closed")
	status, raw = s.do(t, http.MethodGet, "/api/v1/followups?limit=501", boss, "")
	wantError(t, status, raw, http.StatusBadRequest, "limit must be a number from 1 to 500")
}
