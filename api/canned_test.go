package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/switchboardhq/switchboard/storage"
)

type cannedJSON struct {
	ID        uint64 `json:"id"`
	Shortcut  string `json:"shortcut"`
	Title     string `json:"title"`
	Text      string `json:"text"`
	CreatedAt string `json:"created_at"`
	UpdatedAt string `json:"updated_at"`
}

type cannedListJSON struct {
	Canned []cannedJSON `json:"canned"`
}

func TestCannedResponsesAreSeeded(t *testing.T) {
	s := newServer(t)
	_, token := s.addOperator(t, "ann@example.com", storage.RoleOperator)
	var list cannedListJSON
	s.mustDo(t, http.MethodGet, "/api/v1/canned", token, "", http.StatusOK, &list)
	var shortcuts []string
	for _, c := range list.Canned {
		shortcuts = append(shortcuts, c.Shortcut)
		if c.Title == "" || c.Text == "" || c.CreatedAt == "" {
			t.Errorf("seeded %+v lacks a title, text or time", c)
		}
	}
	if fmt.Sprint(shortcuts) != "[complaint complaint_ru praise praise_ru question question_ru]" {
		t.Errorf("seeded shortcuts = %v, want complaint, praise and question in English and Russian", shortcuts)
	}
	for _, c := range list.Canned {
		if c.Shortcut == "praise" && !strings.Contains(c.Text, "small thank-you") {
			t.Errorf("the praise reply offers no small gift: %q", c.Text)
		}
		if c.Shortcut == "complaint" && !strings.Contains(c.Text, "what will be better") {
			t.Errorf("the complaint reply does not say what will be better: %q", c.Text)
		}
	}
}

func TestSupervisorManagesCannedResponses(t *testing.T) {
	s := newServer(t)
	_, boss := s.addOperator(t, "boss@example.com", storage.RoleSupervisor)
	_, ann := s.addOperator(t, "ann@example.com", storage.RoleOperator)

	var created cannedJSON
	s.mustDo(t, http.MethodPost, "/api/v1/canned", boss, `{"shortcut":"refund","title":"Refund on its way","text":"Your refund is on its way."}`, http.StatusCreated, &created)
	if created.ID == 0 || created.Shortcut != "refund" || created.Title != "Refund on its way" || created.Text != "Your refund is on its way." {
		t.Fatalf("created = %+v", created)
	}
	item := fmt.Sprintf("/api/v1/canned/%d", created.ID)

	var patched cannedJSON
	s.mustDo(t, http.MethodPatch, item, boss, `{"text":"Your refund left today."}`, http.StatusOK, &patched)
	if patched.Shortcut != "refund" || patched.Title != created.Title || patched.Text != "Your refund left today." {
		t.Errorf("patched = %+v, want only the text changed", patched)
	}
	var list cannedListJSON
	s.mustDo(t, http.MethodGet, "/api/v1/canned", ann, "", http.StatusOK, &list)
	found := false
	for _, c := range list.Canned {
		found = found || (c.ID == created.ID && c.Text == "Your refund left today.")
	}
	if !found {
		t.Errorf("list %+v lacks the patched response", list.Canned)
	}

	s.mustDo(t, http.MethodDelete, item, boss, "", http.StatusNoContent, nil)
	status, raw := s.do(t, http.MethodPatch, item, boss, `{"title":"x"}`)
	wantError(t, status, raw, http.StatusNotFound, "not found")
	status, raw = s.do(t, http.MethodDelete, item, boss, "")
	wantError(t, status, raw, http.StatusNotFound, "not found")
}

func TestCannedWritesAreRefused(t *testing.T) {
	s := newServer(t)
	_, boss := s.addOperator(t, "boss@example.com", storage.RoleSupervisor)
	_, ann := s.addOperator(t, "ann@example.com", storage.RoleOperator)
	var seeded cannedListJSON
	s.mustDo(t, http.MethodGet, "/api/v1/canned", ann, "", http.StatusOK, &seeded)
	first := fmt.Sprintf("/api/v1/canned/%d", seeded.Canned[0].ID)
	tests := []struct {
		name, token, method, path, body string
		wantStatus                      int
		wantError                       string
	}{
		{"create by an operator", ann, http.MethodPost, "/api/v1/canned", `{"shortcut":"hi","title":"Hi","text":"Hello!"}`, http.StatusForbidden, "supervisor"},
		{"edit by an operator", ann, http.MethodPatch, first, `{"title":"Mine now"}`, http.StatusForbidden, "supervisor"},
		{"delete by an operator", ann, http.MethodDelete, first, "", http.StatusForbidden, "supervisor"},
		{"without a session", "", http.MethodPost, "/api/v1/canned", `{"shortcut":"hi","title":"Hi","text":"Hello!"}`, http.StatusUnauthorized, ""},
		{"taken shortcut", boss, http.MethodPost, "/api/v1/canned", `{"shortcut":"praise","title":"Again","text":"Thanks!"}`, http.StatusConflict, "shortcut"},
		{"rename to a taken shortcut", boss, http.MethodPatch, first, `{"shortcut":"question"}`, http.StatusConflict, "shortcut"},
		{"capital letters", boss, http.MethodPost, "/api/v1/canned", `{"shortcut":"Hi","title":"Hi","text":"Hello!"}`, http.StatusBadRequest, `"shortcut"`},
		{"a space", boss, http.MethodPost, "/api/v1/canned", `{"shortcut":"hi there","title":"Hi","text":"Hello!"}`, http.StatusBadRequest, `"shortcut"`},
		{"a leading slash", boss, http.MethodPost, "/api/v1/canned", `{"shortcut":"/hi","title":"Hi","text":"Hello!"}`, http.StatusBadRequest, `"shortcut"`},
		{"empty shortcut", boss, http.MethodPost, "/api/v1/canned", `{"shortcut":"","title":"Hi","text":"Hello!"}`, http.StatusBadRequest, `"shortcut"`},
		{"shortcut of 33 characters", boss, http.MethodPost, "/api/v1/canned", `{"shortcut":"abcdefghijklmnopqrstuvwxyz0123456","title":"Hi","text":"Hello!"}`, http.StatusBadRequest, `"shortcut"`},
		{"missing fields", boss, http.MethodPost, "/api/v1/canned", `{"shortcut":"hi"}`, http.StatusBadRequest, `"title", "text"`},
		{"empty title", boss, http.MethodPatch, first, `{"title":"  "}`, http.StatusBadRequest, `"title"`},
		{"empty text", boss, http.MethodPatch, first, `{"text":""}`, http.StatusBadRequest, `"text"`},
		{"bad id", boss, http.MethodPatch, "/api/v1/canned/abc", `{"title":"x"}`, http.StatusBadRequest, `"abc"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, raw := s.do(t, tt.method, tt.path, tt.token, tt.body)
			wantError(t, status, raw, tt.wantStatus, tt.wantError)
		})
	}
	var after cannedListJSON
	s.mustDo(t, http.MethodGet, "/api/v1/canned", ann, "", http.StatusOK, &after)
	if fmt.Sprint(after) != fmt.Sprint(seeded) {
		t.Errorf("refused writes changed the list:\n%+v\nwas\n%+v", after, seeded)
	}
}
