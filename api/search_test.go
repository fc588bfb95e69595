package api_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/switchboardhq/switchboard/storage"
)

type searchJSON struct {
	Results []struct {
		ConversationID uint64 `json:"conversation_id"`
		Ticket         string `json:"ticket"`
		Status         string `json:"status"`
		Matched        string `json:"matched"`
		Customer       struct {
			Name     string `json:"name"`
			Username string `json:"username"`
		} `json:"customer"`
		Snippet []struct {
			Text  string `json:"text"`
			Match bool   `json:"match"`
		} `json:"snippet"`
	} `json:"results"`
	NextCursor *string `json:"next_cursor"`
}

func TestSearchFindsTheCustomersWords(t *testing.T) {
	s := newServer(t)
	_, token := s.addOperator(t, "op@example.com", storage.RoleOperator)
	id := s.waitingConversation(t, "где моя <b>посылка</b>?")

	var got searchJSON
	s.mustDo(t, http.MethodGet, "/api/v1/search?q="+url.QueryEscape("ПОСЫЛ"), token, "", http.StatusOK, &got)
	if len(got.Results) != 1 || got.NextCursor == nil || *got.NextCursor != "" {
		t.Fatalf("search: %+v, want one result and an empty next_cursor", got)
	}
	r := got.Results[0]
	if r.ConversationID != id || r.Ticket != storage.FormatTicket(id) || r.Status != storage.StateWaiting ||
		r.Matched != "text" || r.Customer.Name != "Ann" {
		t.Errorf("result %+v, want conversation %d, waiting, Ann's words", r, id)
	}
	var text strings.Builder
	var marks []string
	for _, seg := range r.Snippet {
		text.WriteString(seg.Text)
		if seg.Match {
			marks = append(marks, seg.Text)
		}
	}
	if text.String() != "где моя <b>посылка</b>?" || len(marks) != 1 || marks[0] != "посылка" {
		t.Errorf("snippet %q marks %q", text.String(), marks)
	}

	s.mustDo(t, http.MethodGet, "/api/v1/search?q="+storage.FormatTicket(id), token, "", http.StatusOK, &got)
	if len(got.Results) != 1 || got.Results[0].Matched != "ticket" {
		t.Errorf("search by ticket: %+v", got)
	}
	s.mustDo(t, http.MethodGet, "/api/v1/search?q=%40ann", token, "", http.StatusOK, &got)
	if len(got.Results) != 1 || got.Results[0].Matched != "username" {
		t.Errorf("search by @ann: %+v", got)
	}
}

func TestSearchRefusesBadParameters(t *testing.T) {
	s := newServer(t)
	_, token := s.addOperator(t, "op@example.com", storage.RoleOperator)
	for _, tt := range []struct{ query, want string }{
		{"", "q"},
		{"q=+++", "q"},
		{"q=" + strings.Repeat("x", 201), "q"},
		{"q=a&limit=0", "limit"},
		{"q=a&limit=101", "limit"},
		{"q=a&limit=ten", "limit"},
		{"q=a&cursor=%21%21", "cursor"},
	} {
		status, raw := s.do(t, http.MethodGet, "/api/v1/search?"+tt.query, token, "")
		wantError(t, status, raw, http.StatusBadRequest, tt.want)
	}
}

func TestSearchNeedsALogin(t *testing.T) {
	s := newServer(t)
	status, _ := s.do(t, http.MethodGet, "/api/v1/search?q=a", "", "")
	if status != http.StatusUnauthorized {
		t.Errorf("search without a token: %d, want 401", status)
	}
}
