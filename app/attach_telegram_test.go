package app_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/internal/faketelegram"
)

// attach posts a file (and a caption, when not empty) to the
// conversation's attachments and returns the status and body.
func (h *harness) attach(token string, convID uint64, name string, data []byte, caption string) (int, []byte) {
	h.t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	fw, _ := w.CreateFormFile("file", name)
	fw.Write(data)
	if caption != "" {
		w.WriteField("caption", caption)
	}
	w.Close()
	req, _ := http.NewRequest(http.MethodPost, fmt.Sprintf("%s/api/v1/conversations/%d/attachments", h.base, convID), &b)
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatalf("attach: %v", err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, raw
}

// claimedConversation has customer u ask for a person and an operator
// claim the conversation; it returns the operator's token and the
// conversation, once the "joined" notice has reached the chat.
func (h *harness) claimedConversation(u faketelegram.User) (string, uint64) {
	h.t.Helper()
	h.send(faketelegram.CommandUpdate(1, u, "start", ""))
	h.send(faketelegram.TextUpdate(2, u, "I need a person"))
	token := h.login(adminEmail, adminPassword)
	var list struct {
		Conversations []struct {
			ID uint64 `json:"id"`
		} `json:"conversations"`
	}
	h.waitFor("a waiting conversation", func() bool {
		h.call(http.MethodGet, "/api/v1/conversations?status=waiting", token, nil, &list)
		return len(list.Conversations) == 1
	})
	id := list.Conversations[0].ID
	if code := h.call(http.MethodPost, fmt.Sprintf("/api/v1/conversations/%d/claim", id), token, nil, nil); code != http.StatusOK {
		h.t.Fatalf("claim: %d", code)
	}
	h.waitFor("every reply delivered", func() bool { n, err := h.app.Store.CountPendingOutbox(h.t.Context()); return err == nil && n == 0 })
	return token, id
}

// waitFile waits for the fake to accept a message of method and returns
// it.
func (h *harness) waitFile(method string) faketelegram.SentMessage {
	h.t.Helper()
	var got faketelegram.SentMessage
	h.waitFor(method, func() bool {
		for _, m := range h.tg.SentMessages() {
			if m.Method == method {
				got = m
				return true
			}
		}
		return false
	})
	return got
}

func TestOperatorsPhotoReachesTelegramWithItsCaption(t *testing.T) {
	h := start(t)
	ann := faketelegram.User{ID: 601, FirstName: "Ann"}
	token, id := h.claimedConversation(ann)
	pic := tinyPNG(t)
	status, raw := h.attach(token, id, "plan.png", pic, "Here is the plan")
	if status != http.StatusCreated {
		t.Fatalf("attach = %d %s", status, raw)
	}
	got := h.waitFile("sendPhoto")
	if got.ChatID != ann.ID || !bytes.Equal(got.FileBytes, pic) || got.Text != "Here is the plan" || got.File != "plan.png" {
		t.Fatalf("sendPhoto = chat %d, file %q (%d bytes), caption %q; want the PNG with its caption", got.ChatID, got.File, len(got.FileBytes), got.Text)
	}
	var m struct {
		ID uint64 `json:"id"`
	}
	json.Unmarshal(raw, &m)
	h.waitFor("the photo marked sent", func() bool {
		msg, err := h.app.Store.Message(t.Context(), m.ID)
		return err == nil && msg.DeliveryState == "sent"
	})
}

func TestOperatorsPDFGoesAsADocument(t *testing.T) {
	h := start(t)
	ann := faketelegram.User{ID: 602, FirstName: "Ann"}
	token, id := h.claimedConversation(ann)
	pdf := []byte("%PDF-1.4\n1 0 obj << >> endobj\n%%EOF\n")
	if status, raw := h.attach(token, id, "invoice.pdf", pdf, ""); status != http.StatusCreated {
		t.Fatalf("attach = %d %s", status, raw)
	}
	got := h.waitFile("sendDocument")
	if !bytes.Equal(got.FileBytes, pdf) || got.File != "invoice.pdf" || got.Text != "" {
		t.Fatalf("sendDocument = file %q (%q), caption %q; want the PDF", got.File, got.FileBytes, got.Text)
	}
	if n := len(h.tg.Calls("sendPhoto")); n != 0 {
		t.Fatalf("%d sendPhoto calls for a PDF", n)
	}
}

func TestLongCaptionFollowsThePhotoAsText(t *testing.T) {
	h := start(t)
	ann := faketelegram.User{ID: 603, FirstName: "Ann"}
	token, id := h.claimedConversation(ann)
	caption := strings.Repeat("word ", 300) + "END"
	if status, raw := h.attach(token, id, "a.png", tinyPNG(t), caption); status != http.StatusCreated {
		t.Fatalf("attach = %d %s", status, raw)
	}
	photo := h.waitFile("sendPhoto")
	var rest faketelegram.SentMessage
	h.waitFor("the caption's rest", func() bool {
		for _, m := range h.tg.SentMessages() {
			if m.Method == "sendMessage" && m.MessageID > photo.MessageID {
				rest = m
				return true
			}
		}
		return false
	})
	if len(photo.Text) > 1024 || !strings.HasPrefix(caption, photo.Text) || !strings.HasSuffix(rest.Text, "END") ||
		len(photo.Text)+len(rest.Text) < len(caption)-2 {
		t.Fatalf("caption %d chars, then text %d chars ending %q; want the whole caption across both", len(photo.Text), len(rest.Text), rest.Text[max(0, len(rest.Text)-8):])
	}
}

func TestPhotoWaitsRetryAfterOn429(t *testing.T) {
	h := start(t)
	ann := faketelegram.User{ID: 604, FirstName: "Ann"}
	token, id := h.claimedConversation(ann)
	h.tg.Fail(faketelegram.Failure{Method: "sendPhoto", ChatID: ann.ID, Code: http.StatusTooManyRequests, RetryAfter: 1})
	pic := tinyPNG(t)
	began := time.Now()
	if status, raw := h.attach(token, id, "a.png", pic, "again"); status != http.StatusCreated {
		t.Fatalf("attach = %d %s", status, raw)
	}
	got := h.waitFile("sendPhoto")
	if waited := got.At.Sub(began); waited < time.Second {
		t.Fatalf("delivered %s after the 429, want at least retry_after=1s", waited)
	}
	if calls := h.tg.Calls("sendPhoto"); len(calls) != 2 || !bytes.Equal(got.FileBytes, pic) {
		t.Fatalf("%d sendPhoto calls, want the refused one and the retry with the same bytes", len(calls))
	}
}
