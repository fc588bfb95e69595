package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/switchboardhq/switchboard/storage"
)

func TestNoteIsShownToOperatorsAndNeverSent(t *testing.T) {
	s := newServer(t)
	ann, token := s.addOperator(t, "ann@example.com", storage.RoleOperator)
	id := s.waitingConversation(t, "My parcel is late")
	path := fmt.Sprintf("/api/v1/conversations/%d", id)
	s.mustDo(t, http.MethodPost, path+"/claim", token, "", http.StatusOK, nil)
	before, err := s.store.ListOutbox(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}

	const text = `<script>alert("note")</script> & <img src=x onerror=alert(1)>`
	var note messageJSON
	s.mustDo(t, http.MethodPost, path+"/notes", token, fmt.Sprintf(`{"text":%q}`, text), http.StatusCreated, &note)
	if note.ID == 0 || note.Kind != storage.KindNote || note.Direction != storage.Internal || note.Author != storage.AuthorOperator ||
		note.OperatorID == nil || *note.OperatorID != ann.ID || note.Text != text {
		t.Fatalf("note = %+v, want Ann's internal note with the text as it was", note)
	}

	status, raw := s.do(t, http.MethodGet, path, token, "")
	if status != http.StatusOK || strings.Contains(string(raw), "&lt;") || strings.Contains(string(raw), "&amp;") {
		t.Fatalf("GET conversation = %d, body HTML-escaped or failed: %s", status, raw)
	}
	var conv conversationJSON
	s.mustDo(t, http.MethodGet, path, token, "", http.StatusOK, &conv)
	if !hasMessage(conv.Messages, func(m messageJSON) bool { return m.ID == note.ID && m.Kind == "note" && m.Text == text }) {
		t.Fatalf("messages %+v lack the note", conv.Messages)
	}

	after, err := s.store.ListOutbox(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != len(before) {
		t.Errorf("outbox grew by %d for a note, want 0", len(after)-len(before))
	}
	for _, it := range after {
		if (it.MessageID != nil && *it.MessageID == note.ID) || strings.Contains(it.Payload, "alert") {
			t.Errorf("outbox item %d carries the note: %s", it.ID, it.Payload)
		}
	}
}

func TestNoteCallRefusesBadRequests(t *testing.T) {
	s := newServer(t)
	_, token := s.addOperator(t, "ann@example.com", storage.RoleOperator)
	id := s.waitingConversation(t, "hello")
	notes := fmt.Sprintf("/api/v1/conversations/%d/notes", id)
	tests := []struct {
		name, path, body string
		wantStatus       int
		wantError        string
	}{
		{"empty text", notes, `{"text":"  "}`, http.StatusBadRequest, "note text is empty"},
		{"no text", notes, `{}`, http.StatusBadRequest, "note text is empty"},
		{"text not a string", notes, `{"text":1}`, http.StatusBadRequest, `"text"`},
		{"unknown conversation", "/api/v1/conversations/999999/notes", `{"text":"hi"}`, http.StatusNotFound, "not found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, raw := s.do(t, http.MethodPost, tt.path, token, tt.body)
			wantError(t, status, raw, tt.wantStatus, tt.wantError)
		})
	}
}
