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

func TestEraseScrubsTheCustomerAndTheirNumberStartsAnew(t *testing.T) {
	s := newServer(t)
	lead, token := s.addOperator(t, "lead@example.com", storage.RoleSupervisor)
	_, annToken := s.addOperator(t, "ann@example.com", storage.RoleOperator)
	ctx := t.Context()
	convID := s.waitingConversation(t, "my secret order zebra4411")
	s.customerSays(t, dialog.Event{ExternalID: "3", Kind: dialog.KindMedia, Text: "zebra4411 scan",
		Media: dialog.Media{Kind: "document", FileID: "FILE-ZEBRA", FileName: "zebra4411.pdf", ContentType: "application/pdf", Size: 3}})
	path := fmt.Sprintf("/api/v1/conversations/%d", convID)
	s.mustDo(t, http.MethodPost, path+"/claim", annToken, "", http.StatusOK, nil)
	// Not delivered: no sender runs here, so the reply waits in the outbox.
	s.mustDo(t, http.MethodPost, path+"/messages", annToken, `{"text":"Order zebra4411 ships today"}`, http.StatusCreated, nil)
	conv, err := s.store.GetConversation(ctx, convID)
	if err != nil {
		t.Fatal(err)
	}
	custID := conv.CustomerID
	if err := s.store.SetCustomerPhone(ctx, custID, "+447911123456"); err != nil {
		t.Fatal(err)
	}
	var before conversationJSON
	s.mustDo(t, http.MethodGet, path, annToken, "", http.StatusOK, &before)
	var fileMsg uint64
	for _, m := range before.Messages {
		if m.Kind == "document" {
			fileMsg = m.ID
		}
	}
	if fileMsg == 0 {
		t.Fatalf("no document among %+v", before.Messages)
	}
	if err := s.store.SaveMediaFile(ctx, fileMsg, "application/pdf", []byte("pdf"), time.Now()); err != nil {
		t.Fatal(err)
	}
	cb := storage.Callback{CustomerID: custID, Phone: "+447911123456", RequestedAt: time.Now(), DueAt: time.Now().Add(time.Hour), MaxAttempts: 1}
	if err := s.store.CreateCallback(ctx, &cb); err != nil {
		t.Fatal(err)
	}
	sv, err := s.store.ScheduleSurvey(ctx, conv, time.Now(), "")
	if err == nil {
		_, err = s.store.ClaimSurvey(ctx, sv.ID, time.Now())
	}
	if err == nil {
		_, err = s.store.ScoreSurvey(ctx, sv.ID, 9, time.Now())
	}
	comment := storage.Message{ConversationID: convID, Direction: storage.Inbound, Author: storage.AuthorCustomer,
		Kind: "text", Text: "zebra4411 was great", Channel: "telegram", CreatedAt: time.Now()}
	if err == nil {
		err = s.store.InsertMessage(ctx, &comment)
	}
	if err == nil {
		_, err = s.store.CommentSurvey(ctx, sv.ID, comment.ID, time.Now())
	}
	if err != nil {
		t.Fatal(err)
	}
	if !s.rowExists(t, "SELECT 1 FROM outbox WHERE conversation_id = ? AND state = ?", convID, storage.OutboxPending) {
		t.Fatal("the reply is not waiting in the outbox: the test would prove nothing")
	}

	erase := fmt.Sprintf("/api/v1/customers/%d/erase", custID)
	for _, tc := range []struct {
		name, token, body string
		status            int
		want              string
	}{
		{"by an operator", annToken, `{"confirm":"ERASE"}`, http.StatusForbidden, "supervisor"},
		{"unconfirmed", token, `{}`, http.StatusBadRequest, `"ERASE"`},
		{"wrongly confirmed", token, `{"confirm":"erase"}`, http.StatusBadRequest, `"ERASE"`},
		{"an unknown customer", token, `{"confirm":"ERASE"}`, http.StatusNotFound, "not found"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := erase
			if tc.status == http.StatusNotFound {
				p = "/api/v1/customers/999999/erase"
			}
			status, raw := s.do(t, http.MethodPost, p, tc.token, tc.body)
			wantError(t, status, raw, tc.status, tc.want)
		})
	}
	if !s.rowExists(t, "SELECT 1 FROM customers WHERE id = ? AND name = 'Ann'", custID) {
		t.Fatal("a refused erasure changed the customer")
	}

	var p profileJSON
	s.mustDo(t, http.MethodPost, erase, token, `{"confirm":"ERASE"}`, http.StatusOK, &p)
	if p.ID != custID || p.Name != "" || p.Phone != "" || len(p.Identities) != 1 ||
		!strings.HasPrefix(p.Identities[0].ExternalID, storage.ErasedPrefix) {
		t.Errorf("erased profile = %+v", p)
	}
	if len(p.SurveyAnswers) != 1 || p.SurveyAnswers[0].Score != 9 || p.SurveyAnswers[0].Comment != storage.ErasedText {
		t.Errorf("survey answers = %+v, want the score kept and the comment erased", p.SurveyAnswers)
	}

	for _, q := range []struct {
		what, sql string
		args      []any
	}{
		{"a text", "SELECT 1 FROM messages WHERE text LIKE ?", []any{"%zebra%"}},
		{"a file", "SELECT 1 FROM messages WHERE conversation_id = ? AND (file_id <> '' OR file_name <> '' OR media_type <> '')", []any{convID}},
		{"fetched media", "SELECT 1 FROM media_files WHERE message_id = ?", []any{fileMsg}},
		{"a first text", "SELECT 1 FROM conversations WHERE first_text LIKE ?", []any{"%zebra%"}},
		{"a name, username or phone", "SELECT 1 FROM customers WHERE id = ? AND (name <> '' OR username <> '' OR phone <> '')", []any{custID}},
		{"the Telegram id", "SELECT 1 FROM identities WHERE external_id = '42' OR address = '42'", nil},
		{"a callback's phone", "SELECT 1 FROM callbacks WHERE phone <> ''", nil},
		{"a pending reply", "SELECT 1 FROM outbox WHERE state = ?", []any{storage.OutboxPending}},
		{"a reply's payload", "SELECT 1 FROM outbox WHERE payload LIKE ?", []any{"%zebra%"}},
		{"a chat key", "SELECT 1 FROM outbox WHERE chat_key LIKE ? OR address = '42'", []any{"%:42"}},
	} {
		if s.rowExists(t, q.sql, q.args...) {
			t.Errorf("%s is left after the erasure", q.what)
		}
	}
	if !s.rowExists(t, "SELECT 1 FROM callbacks WHERE id = ? AND state = 'cancelled'", cb.ID) {
		t.Error("the scheduled callback was not cancelled")
	}
	if !s.rowExists(t, "SELECT 1 FROM customers WHERE id = ? AND erased_at IS NOT NULL AND erased_by_id = ?", custID, lead.ID) {
		t.Error("the erasure is not recorded with who did it")
	}

	var after conversationJSON
	status, raw := s.do(t, http.MethodGet, path, annToken, "")
	if status != http.StatusOK || strings.Contains(string(raw), "zebra") || strings.Contains(string(raw), `"Ann"`) {
		t.Errorf("GET conversation after the erasure = %d %s", status, raw)
	}
	s.mustDo(t, http.MethodGet, path, annToken, "", http.StatusOK, &after)
	if len(after.Messages) != len(before.Messages)+1 {
		t.Errorf("messages after = %d, want all %d kept", len(after.Messages), len(before.Messages)+1)
	}
	for _, m := range after.Messages {
		if m.Author != storage.AuthorSystem && m.Text != "" && m.Text != storage.ErasedText {
			t.Errorf("message %d by %s reads %q", m.ID, m.Author, m.Text)
		}
	}

	for _, q := range []string{"zebra4411", "Ann", "447911123456"} {
		var page struct {
			Results []struct{ ConversationID uint64 } `json:"results"`
		}
		s.mustDo(t, http.MethodGet, "/api/v1/search?q="+q, annToken, "", http.StatusOK, &page)
		if len(page.Results) != 0 {
			t.Errorf("search %q still finds %+v", q, page.Results)
		}
	}

	// The same Telegram account writes again: a new customer.
	res := s.customerSays(t, dialog.Event{ExternalID: "10", Kind: dialog.KindText, Text: "hello again"})
	again, err := s.store.GetConversation(ctx, res.ConversationID)
	if err != nil {
		t.Fatal(err)
	}
	if again.CustomerID == custID || again.ID == convID {
		t.Errorf("a new message from the erased account went to customer %d, conversation %d", again.CustomerID, again.ID)
	}

	status, raw = s.do(t, http.MethodPost, erase, token, `{"confirm":"ERASE"}`)
	wantError(t, status, raw, http.StatusConflict, "erased")
}

func TestEraseKeepsReportsNumbers(t *testing.T) {
	s, _, _, token := workedExampleServer(t, "bob")
	_, lead := s.addOperator(t, "lead@example.com", storage.RoleSupervisor)
	const report = "/api/v1/reports/feedback?from=2026-02-20&to=2026-03-10"
	var probe feedbackReportJSON
	s.mustDo(t, http.MethodGet, report, token, "", http.StatusOK, &probe)
	if probe.Responses == 0 {
		t.Fatal("the report counts nothing: the test would prove nothing")
	}
	_, before := s.do(t, http.MethodGet, report, token, "")
	erased := 0
	for id := 1; ; id++ {
		status, raw := s.do(t, http.MethodPost, fmt.Sprintf("/api/v1/customers/%d/erase", id), lead, `{"confirm":"ERASE"}`)
		if status == http.StatusNotFound {
			break
		}
		if status != http.StatusOK {
			t.Fatalf("erase customer %d = %d %s", id, status, raw)
		}
		erased++
	}
	if erased < 10 {
		t.Fatalf("erased %d customers, want every one of the example", erased)
	}
	status, after := s.do(t, http.MethodGet, report, token, "")
	if status != http.StatusOK || string(after) != string(before) {
		t.Errorf("report after erasing everyone =\n%s\nwant as before\n%s", after, before)
	}
}
