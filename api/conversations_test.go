package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/dialog"
	"github.com/switchboardhq/switchboard/storage"
)

type customerJSON struct {
	ID       uint64 `json:"id"`
	Name     string `json:"name"`
	Username string `json:"username"`
	Language string `json:"language"`
}

type messageJSON struct {
	ID            uint64  `json:"id"`
	Direction     string  `json:"direction"`
	Author        string  `json:"author"`
	OperatorID    *uint64 `json:"operator_id"`
	Kind          string  `json:"kind"`
	Text          string  `json:"text"`
	DeliveryState string  `json:"delivery_state"`
	CreatedAt     string  `json:"created_at"`
}

type conversationJSON struct {
	ID            uint64        `json:"id"`
	Ticket        string        `json:"ticket"`
	Status        string        `json:"status"`
	Channel       string        `json:"channel"`
	OperatorID    *uint64       `json:"operator_id"`
	FirstText     string        `json:"first_text"`
	CreatedAt     string        `json:"created_at"`
	Customer      *customerJSON `json:"customer"`
	Messages      []messageJSON `json:"messages"`
	LastMessageAt string        `json:"last_message_at"`
}

type listJSON struct {
	Conversations []conversationJSON `json:"conversations"`
}

func TestOperatorsClaimReplyAndResolve(t *testing.T) {
	s := newServer(t)
	ann, annToken := s.addOperator(t, "ann@example.com", storage.RoleOperator)
	_, bobToken := s.addOperator(t, "bob@example.com", storage.RoleOperator)
	id := s.waitingConversation(t, "Where is my order?")
	path := fmt.Sprintf("/api/v1/conversations/%d", id)

	var waiting listJSON
	s.mustDo(t, http.MethodGet, "/api/v1/conversations?status=waiting", annToken, "", http.StatusOK, &waiting)
	if len(waiting.Conversations) != 1 {
		t.Fatalf("waiting list = %+v, want the one conversation", waiting)
	}
	w := waiting.Conversations[0]
	if w.ID != id || w.Ticket != storage.FormatTicket(id) || w.Status != storage.StateWaiting || w.Channel != "telegram" ||
		w.FirstText != "Where is my order?" || w.Customer == nil || w.Customer.Name != "Ann" || w.Customer.Username != "ann" {
		t.Fatalf("waiting conversation = %+v (customer %+v)", w, w.Customer)
	}
	if _, err := time.Parse(time.RFC3339, w.CreatedAt); err != nil || !strings.HasSuffix(w.CreatedAt, "Z") {
		t.Fatalf("created_at %q is not RFC 3339 in UTC", w.CreatedAt)
	}

	var claimed conversationJSON
	s.mustDo(t, http.MethodPost, path+"/claim", annToken, "", http.StatusOK, &claimed)
	if claimed.Status != storage.StateOpen || claimed.OperatorID == nil || *claimed.OperatorID != ann.ID {
		t.Fatalf("after Ann's claim: %+v", claimed)
	}
	status, raw := s.do(t, http.MethodPost, path+"/claim", bobToken, "")
	wantError(t, status, raw, http.StatusConflict, "claimed by another operator")

	var reply messageJSON
	s.mustDo(t, http.MethodPost, path+"/messages", annToken, `{"text":"It ships today."}`, http.StatusCreated, &reply)
	if reply.ID == 0 || reply.Author != storage.AuthorOperator || reply.Direction != storage.Outbound || reply.Text != "It ships today." {
		t.Fatalf("reply = %+v", reply)
	}
	var conv conversationJSON
	s.mustDo(t, http.MethodGet, path, annToken, "", http.StatusOK, &conv)
	if !hasMessage(conv.Messages, func(m messageJSON) bool {
		return m.ID == reply.ID && m.Author == storage.AuthorOperator && m.OperatorID != nil && *m.OperatorID == ann.ID &&
			m.DeliveryState == storage.DeliveryPending
	}) {
		t.Fatalf("messages %+v lack Ann's pending reply", conv.Messages)
	}
	if !hasMessage(conv.Messages, func(m messageJSON) bool { return m.Author == storage.AuthorCustomer && m.Text == "Where is my order?" }) {
		t.Fatalf("messages %+v lack the customer's text", conv.Messages)
	}
	if n, err := s.store.CountPendingOutbox(t.Context()); err != nil || n == 0 {
		t.Fatalf("pending outbox = %d, %v; want the reply queued", n, err)
	}

	var resolved conversationJSON
	s.mustDo(t, http.MethodPost, path+"/resolve", annToken, "", http.StatusOK, &resolved)
	if resolved.Status != storage.StateResolved {
		t.Fatalf("after resolve: status %q", resolved.Status)
	}
	status, raw = s.do(t, http.MethodPost, path+"/resolve", annToken, "")
	wantError(t, status, raw, http.StatusConflict, "not in a state")
}

func hasMessage(ms []messageJSON, match func(messageJSON) bool) bool {
	for _, m := range ms {
		if match(m) {
			return true
		}
	}
	return false
}

func TestListConversationsByStatus(t *testing.T) {
	s := newServer(t)
	_, token := s.addOperator(t, "ann@example.com", storage.RoleOperator)
	id := s.waitingConversation(t, "hello")
	tests := []struct {
		query      string
		wantStatus int
		wantIDs    []uint64
		wantError  string
	}{
		{"", http.StatusOK, []uint64{id}, ""},
		{"?status=waiting", http.StatusOK, []uint64{id}, ""},
		{"?status=open", http.StatusOK, nil, ""},
		{"?status=closed", http.StatusBadRequest, nil, `"closed"`},
		{"?status=WAITING", http.StatusBadRequest, nil, `"WAITING"`},
		{"?status=waiting&limit=500", http.StatusOK, []uint64{id}, ""},
		{"?limit=0", http.StatusBadRequest, nil, "limit"},
		{"?limit=501", http.StatusBadRequest, nil, "limit"},
		{"?limit=ten", http.StatusBadRequest, nil, "limit"},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			status, raw := s.do(t, http.MethodGet, "/api/v1/conversations"+tt.query, token, "")
			if tt.wantError != "" {
				wantError(t, status, raw, tt.wantStatus, tt.wantError)
				return
			}
			var list listJSON
			s.mustDo(t, http.MethodGet, "/api/v1/conversations"+tt.query, token, "", tt.wantStatus, &list)
			if list.Conversations == nil {
				t.Fatal(`"conversations" is null, want a list`)
			}
			var ids []uint64
			for _, c := range list.Conversations {
				ids = append(ids, c.ID)
			}
			if fmt.Sprint(ids) != fmt.Sprint(tt.wantIDs) {
				t.Fatalf("ids = %v, want %v", ids, tt.wantIDs)
			}
		})
	}
}

func TestWaitingConversationsComeOldestFirst(t *testing.T) {
	s := newServer(t)
	_, token := s.addOperator(t, "ann@example.com", storage.RoleOperator)
	var want []uint64
	for i := range 3 {
		from := storage.Contact{Channel: dialog.ChannelTelegram, ExternalID: fmt.Sprint(100 + i), Address: fmt.Sprint(100 + i), Name: "C"}
		res, err := s.engine.Handle(t.Context(), dialog.Event{ExternalID: fmt.Sprint(200 + i), From: from, Kind: dialog.KindCommand, Command: "operator"})
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, res.ConversationID)
	}
	var list listJSON
	s.mustDo(t, http.MethodGet, "/api/v1/conversations?status=waiting", token, "", http.StatusOK, &list)
	var got []uint64
	for _, c := range list.Conversations {
		got = append(got, c.ID)
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("waiting order = %v, want %v", got, want)
	}
}

func TestCustomerTextComesBackAsDataNotMarkup(t *testing.T) {
	s := newServer(t)
	_, token := s.addOperator(t, "ann@example.com", storage.RoleOperator)
	const script = `<script>alert(1)</script> & "quotes"`
	id := s.waitingConversation(t, script)
	status, raw := s.do(t, http.MethodGet, fmt.Sprintf("/api/v1/conversations/%d", id), token, "")
	if status != http.StatusOK {
		t.Fatalf("GET conversation = %d %s", status, raw)
	}
	if strings.Contains(string(raw), "&lt;") || strings.Contains(string(raw), "&amp;") {
		t.Fatalf("response is HTML-escaped: %s", raw)
	}
	var conv conversationJSON
	s.mustDo(t, http.MethodGet, fmt.Sprintf("/api/v1/conversations/%d", id), token, "", http.StatusOK, &conv)
	if conv.FirstText != script || !hasMessage(conv.Messages, func(m messageJSON) bool { return m.Text == script }) {
		t.Fatalf("first_text %q and messages %+v, want the text unchanged", conv.FirstText, conv.Messages)
	}
}

func TestConversationCallsRefuseBadRequests(t *testing.T) {
	s := newServer(t)
	_, token := s.addOperator(t, "ann@example.com", storage.RoleOperator)
	id := s.waitingConversation(t, "hello")
	conv := fmt.Sprintf("/api/v1/conversations/%d", id)
	tests := []struct {
		name, method, path, body string
		wantStatus               int
		wantError                string
	}{
		{"id that is not a number", http.MethodGet, "/api/v1/conversations/abc", "", http.StatusBadRequest, `"abc"`},
		{"claim with id zero", http.MethodPost, "/api/v1/conversations/0/claim", "", http.StatusBadRequest, `"0"`},
		{"unknown conversation", http.MethodGet, "/api/v1/conversations/999999", "", http.StatusNotFound, "not found"},
		{"claim unknown conversation", http.MethodPost, "/api/v1/conversations/999999/claim", "", http.StatusNotFound, "not found"},
		{"empty reply", http.MethodPost, conv + "/messages", `{"text":"  "}`, http.StatusBadRequest, "empty"},
		{"reply without text", http.MethodPost, conv + "/messages", `{}`, http.StatusBadRequest, "empty"},
		{"reply too long", http.MethodPost, conv + "/messages", `{"text":"` + strings.Repeat("x", dialog.MaxReplyLength+1) + `"}`, http.StatusBadRequest, "longer than"},
		{"reply text not a string", http.MethodPost, conv + "/messages", `{"text":42}`, http.StatusBadRequest, `"text"`},
		{"malformed reply", http.MethodPost, conv + "/messages", `{"text":"hi"`, http.StatusBadRequest, "malformed JSON"},
		{"reply with trailing data", http.MethodPost, conv + "/messages", `{"text":"hi"} {}`, http.StatusBadRequest, "after the object"},
		{"reply body not an object", http.MethodPost, conv + "/messages", `"hi"`, http.StatusBadRequest, "want an object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, raw := s.do(t, tt.method, tt.path, token, tt.body)
			wantError(t, status, raw, tt.wantStatus, tt.wantError)
		})
	}
}

func TestListLimitCapsTheNumberOfConversations(t *testing.T) {
	s := newServer(t)
	_, token := s.addOperator(t, "ann@example.com", storage.RoleOperator)
	for i := range 3 {
		from := storage.Contact{Channel: dialog.ChannelTelegram, ExternalID: fmt.Sprint(300 + i), Address: fmt.Sprint(300 + i), Name: "C"}
		if _, err := s.engine.Handle(t.Context(), dialog.Event{ExternalID: fmt.Sprint(400 + i), From: from, Kind: dialog.KindCommand, Command: "operator"}); err != nil {
			t.Fatal(err)
		}
	}
	var list listJSON
	s.mustDo(t, http.MethodGet, "/api/v1/conversations?status=waiting&limit=2", token, "", http.StatusOK, &list)
	if len(list.Conversations) != 2 {
		t.Fatalf("%d conversations with limit=2", len(list.Conversations))
	}
}
