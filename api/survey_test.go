package api_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/dialog"
	"github.com/switchboardhq/switchboard/storage"
)

type surveyConversationJSON struct {
	Status        string  `json:"status"`
	ResolvedAt    string  `json:"resolved_at"`
	SurveyDueAt   *string `json:"survey_due_at"`
	SurveySkipped string  `json:"survey_skipped"`
	Survey        *struct {
		State string `json:"state"`
		Score *int   `json:"score"`
	} `json:"survey"`
	Messages []struct {
		ID          uint64 `json:"id"`
		Direction   string `json:"direction"`
		Text        string `json:"text"`
		Label       string `json:"label"`
		LabelSource string `json:"label_source"`
	} `json:"messages"`
}

func TestResolvedConversationShowsWhenItsSurveyIsDue(t *testing.T) {
	s := newServer(t)
	_, token := s.addOperator(t, "ann@example.com", storage.RoleOperator)
	id := s.waitingConversation(t, "Where is my order?")
	path := fmt.Sprintf("/api/v1/conversations/%d", id)
	s.mustDo(t, http.MethodPost, path+"/resolve", token, "", http.StatusOK, nil)

	var got surveyConversationJSON
	s.mustDo(t, http.MethodGet, path, token, "", http.StatusOK, &got)
	if got.SurveyDueAt == nil || got.SurveySkipped != "" {
		t.Fatalf("resolved conversation: survey_due_at %v, survey_skipped %q", got.SurveyDueAt, got.SurveySkipped)
	}
	resolved, err1 := time.Parse(time.RFC3339, got.ResolvedAt)
	due, err2 := time.Parse(time.RFC3339, *got.SurveyDueAt)
	if err1 != nil || err2 != nil || due.Sub(resolved).Round(time.Second) != 24*time.Hour {
		t.Fatalf("survey due %s for a ticket resolved %s, want a day later (%v %v)", *got.SurveyDueAt, got.ResolvedAt, err1, err2)
	}

	// Once it went out, none more will: the list says so too.
	sv, err := s.store.SurveyOf(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.store.ClaimSurvey(t.Context(), sv.ID, time.Now()); err != nil {
		t.Fatal(err)
	}
	var list struct {
		Conversations []surveyConversationJSON `json:"conversations"`
	}
	s.mustDo(t, http.MethodGet, "/api/v1/conversations?status=resolved", token, "", http.StatusOK, &list)
	if len(list.Conversations) != 1 || list.Conversations[0].SurveyDueAt != nil ||
		list.Conversations[0].SurveySkipped != storage.SkipAlreadySurveyed || list.Conversations[0].Survey.State != storage.SurveySent {
		t.Fatalf("resolved list = %+v", list.Conversations)
	}
}

func TestOperatorCorrectsALabel(t *testing.T) {
	s := newServer(t)
	_, token := s.addOperator(t, "ann@example.com", storage.RoleOperator)
	id := s.waitingConversation(t, "Where is my order?")
	path := fmt.Sprintf("/api/v1/conversations/%d", id)
	s.mustDo(t, http.MethodPost, path+"/resolve", token, "", http.StatusOK, nil)
	s.customerSays(t, dialog.Event{ExternalID: "3", Kind: dialog.KindText, Text: "Thanks a lot!"})

	var got surveyConversationJSON
	s.mustDo(t, http.MethodGet, path, token, "", http.StatusOK, &got)
	var thanks, outbound uint64
	for _, m := range got.Messages {
		if m.Text == "Thanks a lot!" {
			thanks = m.ID
			if m.Label != "thanks" || m.LabelSource != "rules" {
				t.Fatalf("message about the resolved ticket: label %q by %q, want thanks by rules", m.Label, m.LabelSource)
			}
		}
		if m.Direction == storage.Outbound {
			outbound = m.ID
		}
	}
	if thanks == 0 || outbound == 0 {
		t.Fatalf("messages = %+v", got.Messages)
	}
	var relabelled struct {
		Label       string `json:"label"`
		LabelSource string `json:"label_source"`
	}
	msg := fmt.Sprintf("/api/v1/messages/%d", thanks)
	s.mustDo(t, http.MethodPatch, msg, token, `{"label":"complaint"}`, http.StatusOK, &relabelled)
	if relabelled.Label != "complaint" || relabelled.LabelSource != "operator" {
		t.Fatalf("after the correction: %+v", relabelled)
	}
	cases := []struct {
		path, body string
		status     int
		want       string
	}{
		{msg, `{"label":"praise"}`, http.StatusBadRequest, `"praise" is not a label`},
		{msg, `{}`, http.StatusBadRequest, `"label" is missing`},
		{msg, `{"label":"thanks","colour":"red"}`, http.StatusBadRequest, "colour"},
		{fmt.Sprintf("/api/v1/messages/%d", outbound), `{"label":"thanks"}`, http.StatusConflict, "only a customer's message"},
		{"/api/v1/messages/999999", `{"label":"thanks"}`, http.StatusNotFound, "not found"},
	}
	for _, tc := range cases {
		status, raw := s.do(t, http.MethodPatch, tc.path, token, tc.body)
		wantError(t, status, raw, tc.status, tc.want)
	}
}
