package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/switchboardhq/switchboard/dialog"
	"github.com/switchboardhq/switchboard/storage"
)

// transferredJSON is a conversation answer with the operator's name.
type transferredJSON struct {
	conversationJSON
	Queue    string   `json:"queue"`
	Operator *refJSON `json:"operator"`
}

type refJSON struct {
	ID   uint64 `json:"id"`
	Name string `json:"name"`
}

func TestTransferToOperatorTellsCustomerTheirName(t *testing.T) {
	s := newServer(t)
	_, annToken := s.addOperator(t, "ann@example.com", storage.RoleOperator)
	bob, _ := s.addOperator(t, "bob@example.com", storage.RoleOperator)
	id := s.waitingConversation(t, "Where is my order?")
	path := fmt.Sprintf("/api/v1/conversations/%d", id)
	s.mustDo(t, http.MethodPost, path+"/claim", annToken, "", http.StatusOK, nil)

	var got transferredJSON
	s.mustDo(t, http.MethodPost, path+"/transfer", annToken, fmt.Sprintf(`{"operator_id":%d}`, bob.ID), http.StatusOK, &got)
	if got.Status != storage.StateOpen || got.OperatorID == nil || *got.OperatorID != bob.ID || got.Operator == nil || got.Operator.Name != "bob" {
		t.Fatalf("after transfer: %+v (operator %+v), want open with bob", got.conversationJSON, got.Operator)
	}
	if last := s.lastSent(t, id); !strings.Contains(last.Text, "bob has joined") {
		t.Errorf("customer was last sent %q, want the join notice naming bob", last.Text)
	}
}

func TestTransferToQueueReturnsItToWaiting(t *testing.T) {
	s := newServer(t)
	_, annToken := s.addOperator(t, "ann@example.com", storage.RoleOperator)
	id := s.waitingConversation(t, "I was double charged")
	path := fmt.Sprintf("/api/v1/conversations/%d", id)
	var claimed transferredJSON
	s.mustDo(t, http.MethodPost, path+"/claim", annToken, "", http.StatusOK, &claimed)

	var got transferredJSON
	s.mustDo(t, http.MethodPost, path+"/transfer", annToken, `{"queue":"billing"}`, http.StatusOK, &got)
	if got.Status != storage.StateWaiting || got.Queue != "billing" || got.OperatorID != nil || got.Operator != nil {
		t.Fatalf("after transfer: %+v, want waiting in billing with nobody", got)
	}
	var list listJSON
	s.mustDo(t, http.MethodGet, "/api/v1/conversations?status=waiting", annToken, "", http.StatusOK, &list)
	if len(list.Conversations) != 1 || list.Conversations[0].ID != id {
		t.Errorf("waiting list = %+v, want the transferred conversation", list.Conversations)
	}
}

func TestTransferIsRefusedWithAReason(t *testing.T) {
	s := newServer(t)
	ann, annToken := s.addOperator(t, "ann@example.com", storage.RoleOperator)
	_, bobToken := s.addOperator(t, "bob@example.com", storage.RoleOperator)
	gone, _ := s.addOperator(t, "gone@example.com", storage.RoleOperator)
	if err := s.store.Exec(t.Context(), "UPDATE operators SET active = ? WHERE id = ?", false, gone.ID); err != nil {
		t.Fatal(err)
	}
	_, bossToken := s.addOperator(t, "boss@example.com", storage.RoleSupervisor)
	id := s.waitingConversation(t, "hello")
	transfer := fmt.Sprintf("/api/v1/conversations/%d/transfer", id)
	s.mustDo(t, http.MethodPost, fmt.Sprintf("/api/v1/conversations/%d/claim", id), annToken, "", http.StatusOK, nil)

	tests := []struct {
		name, token, body string
		wantStatus        int
		wantError         string
	}{
		{"neither target", annToken, `{}`, http.StatusBadRequest, `"operator_id"`},
		{"both targets", annToken, fmt.Sprintf(`{"operator_id":%d,"queue":"billing"}`, ann.ID), http.StatusBadRequest, "not both"},
		{"operator id zero", annToken, `{"operator_id":0}`, http.StatusBadRequest, `"operator_id"`},
		{"operator id not a number", annToken, `{"operator_id":"bob"}`, http.StatusBadRequest, `"operator_id"`},
		{"unknown operator", annToken, `{"operator_id":999}`, http.StatusBadRequest, "operator_id 999"},
		{"deactivated operator", annToken, fmt.Sprintf(`{"operator_id":%d}`, gone.ID), http.StatusConflict, "deactivated"},
		{"queue name too long", annToken, fmt.Sprintf(`{"queue":%q}`, strings.Repeat("q", dialog.MaxQueueLength+1)), http.StatusBadRequest, "queue name"},
		{"another operator's conversation", bobToken, `{"queue":"billing"}`, http.StatusForbidden, "supervisor"},
		{"unknown conversation", bossToken, `{"queue":"billing"}`, http.StatusNotFound, "not found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := transfer
			if tt.name == "unknown conversation" {
				path = "/api/v1/conversations/999999/transfer"
			}
			status, raw := s.do(t, http.MethodPost, path, tt.token, tt.body)
			wantError(t, status, raw, tt.wantStatus, tt.wantError)
		})
	}

	// A supervisor may move anyone's conversation.
	var got transferredJSON
	s.mustDo(t, http.MethodPost, transfer, bossToken, `{"queue":""}`, http.StatusOK, &got)
	if got.Status != storage.StateWaiting || got.Queue != "" {
		t.Errorf("after the supervisor's transfer: %+v, want waiting in the general queue", got)
	}
}

// lastSent is the newest reply queued for the customer of a conversation.
func (s *server) lastSent(t *testing.T, convID uint64) dialog.Reply {
	t.Helper()
	items, err := s.store.ListOutbox(t.Context(), convID)
	if err != nil {
		t.Fatal(err)
	}
	if len(items) == 0 {
		t.Fatalf("conversation %d: nothing queued", convID)
	}
	var r dialog.Reply
	if err := json.Unmarshal([]byte(items[len(items)-1].Payload), &r); err != nil {
		t.Fatal(err)
	}
	return r
}
