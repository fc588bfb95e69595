package api_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/switchboardhq/switchboard/dialog"
	"github.com/switchboardhq/switchboard/storage"
)

// listedJSON is a conversation in a list with the console's additions.
type listedJSON struct {
	ID       uint64   `json:"id"`
	Unread   *int64   `json:"unread"`
	Operator *refJSON `json:"operator"`
}

type listedListJSON struct {
	Conversations []listedJSON `json:"conversations"`
}

// unreadOf is the caller's unread count of conversation id in the list.
func (s *server) unreadOf(t *testing.T, token string, id uint64) int64 {
	t.Helper()
	var list listedListJSON
	s.mustDo(t, http.MethodGet, "/api/v1/conversations", token, "", http.StatusOK, &list)
	for _, c := range list.Conversations {
		if c.ID == id {
			if c.Unread == nil {
				t.Fatalf("conversation %d has no unread count", id)
			}
			return *c.Unread
		}
	}
	t.Fatalf("conversation %d is not listed", id)
	return 0
}

func TestUnreadCountsFollowCustomerMessagesAndReadMarks(t *testing.T) {
	s := newServer(t)
	_, annToken := s.addOperator(t, "ann@example.com", storage.RoleOperator)
	_, bobToken := s.addOperator(t, "bob@example.com", storage.RoleOperator)
	id := s.waitingConversation(t, "hello") // /start and "hello": two customer messages
	path := fmt.Sprintf("/api/v1/conversations/%d", id)

	if got := s.unreadOf(t, annToken, id); got != 2 {
		t.Fatalf("unread at first = %d, want 2", got)
	}
	s.customerSays(t, dialog.Event{ExternalID: "3", Kind: dialog.KindText, Text: "anyone?"})
	if got := s.unreadOf(t, annToken, id); got != 3 {
		t.Fatalf("unread after another customer message = %d, want 3", got)
	}

	var conv conversationJSON
	s.mustDo(t, http.MethodGet, path, annToken, "", http.StatusOK, &conv)
	last := conv.Messages[len(conv.Messages)-1].ID
	var read struct {
		ConversationID uint64 `json:"conversation_id"`
		Unread         int64  `json:"unread"`
	}
	s.mustDo(t, http.MethodPost, path+"/read", annToken, fmt.Sprintf(`{"message_id":%d}`, last), http.StatusOK, &read)
	if read.ConversationID != id || read.Unread != 0 {
		t.Errorf("read answer = %+v, want 0 unread", read)
	}
	if got := s.unreadOf(t, annToken, id); got != 0 {
		t.Errorf("unread after reading = %d, want 0", got)
	}
	if got := s.unreadOf(t, bobToken, id); got != 3 {
		t.Errorf("Bob's unread = %d, want 3: Ann's read mark is hers", got)
	}

	// Replies and notes are not unread; the customer's next words are.
	s.mustDo(t, http.MethodPost, path+"/messages", annToken, `{"text":"Here!"}`, http.StatusCreated, nil)
	s.mustDo(t, http.MethodPost, path+"/notes", annToken, `{"text":"regular"}`, http.StatusCreated, nil)
	if got := s.unreadOf(t, annToken, id); got != 0 {
		t.Errorf("unread after a reply and a note = %d, want 0", got)
	}
	s.customerSays(t, dialog.Event{ExternalID: "4", Kind: dialog.KindText, Text: "thanks"})
	if got := s.unreadOf(t, annToken, id); got != 1 {
		t.Errorf("unread after the customer answers = %d, want 1", got)
	}
	// An older mark does not bring old messages back.
	s.mustDo(t, http.MethodPost, path+"/read", annToken, fmt.Sprintf(`{"message_id":%d}`, conv.Messages[0].ID), http.StatusOK, nil)
	if got := s.unreadOf(t, annToken, id); got != 1 {
		t.Errorf("unread after an older mark = %d, want still 1", got)
	}
}

func TestReadMarkRefusesBadRequests(t *testing.T) {
	s := newServer(t)
	_, token := s.addOperator(t, "ann@example.com", storage.RoleOperator)
	id := s.waitingConversation(t, "hello")
	other := s.otherCustomerWaiting(t, "7")
	var conv conversationJSON
	s.mustDo(t, http.MethodGet, fmt.Sprintf("/api/v1/conversations/%d", other), token, "", http.StatusOK, &conv)
	read := fmt.Sprintf("/api/v1/conversations/%d/read", id)
	tests := []struct {
		name, path, body string
		wantStatus       int
		wantError        string
	}{
		{"no message id", read, `{}`, http.StatusBadRequest, `"message_id"`},
		{"message id not a number", read, `{"message_id":"x"}`, http.StatusBadRequest, `"message_id"`},
		{"message of another conversation", read, fmt.Sprintf(`{"message_id":%d}`, conv.Messages[0].ID), http.StatusBadRequest, `"message_id"`},
		{"unknown conversation", "/api/v1/conversations/999999/read", `{"message_id":1}`, http.StatusNotFound, "not found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, raw := s.do(t, http.MethodPost, tt.path, token, tt.body)
			wantError(t, status, raw, tt.wantStatus, tt.wantError)
		})
	}
}

func TestMineListsOnlyTheCallersConversations(t *testing.T) {
	s := newServer(t)
	ann, annToken := s.addOperator(t, "ann@example.com", storage.RoleOperator)
	_, bobToken := s.addOperator(t, "bob@example.com", storage.RoleOperator)
	mine := s.waitingConversation(t, "hello")
	waiting := s.otherCustomerWaiting(t, "7")
	s.mustDo(t, http.MethodPost, fmt.Sprintf("/api/v1/conversations/%d/claim", mine), annToken, "", http.StatusOK, nil)

	tests := []struct {
		name, token, query string
		want               []uint64
	}{
		{"Ann's own", annToken, "?mine=1", []uint64{mine}},
		{"Ann's own, open", annToken, "?mine=1&status=open", []uint64{mine}},
		{"Ann's own, waiting", annToken, "?mine=1&status=waiting", nil},
		{"Bob has none", bobToken, "?mine=1", nil},
		{"mine=0 is everyone's", bobToken, "?mine=0&status=waiting", []uint64{waiting}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var list listedListJSON
			s.mustDo(t, http.MethodGet, "/api/v1/conversations"+tt.query, tt.token, "", http.StatusOK, &list)
			var ids []uint64
			for _, c := range list.Conversations {
				ids = append(ids, c.ID)
			}
			if fmt.Sprint(ids) != fmt.Sprint(tt.want) {
				t.Fatalf("ids = %v, want %v", ids, tt.want)
			}
		})
	}

	var list listedListJSON
	s.mustDo(t, http.MethodGet, "/api/v1/conversations", bobToken, "", http.StatusOK, &list)
	for _, c := range list.Conversations {
		switch {
		case c.ID == mine && (c.Operator == nil || c.Operator.ID != ann.ID || c.Operator.Name != "ann"):
			t.Errorf("claimed conversation's operator = %+v, want ann", c.Operator)
		case c.ID == waiting && c.Operator != nil:
			t.Errorf("waiting conversation's operator = %+v, want null", c.Operator)
		}
	}

	status, raw := s.do(t, http.MethodGet, "/api/v1/conversations?mine=yes", annToken, "")
	wantError(t, status, raw, http.StatusBadRequest, `"yes"`)
}

// otherCustomerWaiting has a second Telegram customer (externalID) ask for
// a person and returns their conversation.
func (s *server) otherCustomerWaiting(t *testing.T, externalID string) uint64 {
	t.Helper()
	from := storage.Contact{Channel: dialog.ChannelTelegram, ExternalID: externalID, Address: externalID, Name: "Other " + externalID}
	res, err := s.engine.Handle(t.Context(), dialog.Event{ExternalID: "other-" + externalID, From: from, Kind: dialog.KindCommand, Command: "operator"})
	if err != nil {
		t.Fatal(err)
	}
	return res.ConversationID
}
