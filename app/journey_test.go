package app_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/switchboardhq/switchboard/internal/faketelegram"
)

// TestTelegramJourneyFromStartToResolved walks one customer through the
// whole journey: greeting with ticket and menu, an answer, a person, an
// operator who claims, replies and resolves.
func TestTelegramJourneyFromStartToResolved(t *testing.T) {
	h := start(t)

	h.send(faketelegram.CommandUpdate(1, ann, "start", "promo42"))
	greeting := h.waitSent(1)[0]
	if greeting.ChatID != ann.ID || !strings.Contains(greeting.Text, "SB-000001") {
		t.Fatalf("greeting %+v: want ticket SB-000001 in chat %d", greeting, ann.ID)
	}
	rows := greeting.ReplyMarkup.Inline
	if len(rows) != 4 || rows[0][0].CallbackData != "m:hours" || rows[2][0].CallbackData != "m:call" || rows[3][0].Text != "Talk to a person" || rows[3][0].CallbackData != "op" {
		t.Fatalf("menu keyboard %+v: want 3 options then Talk to a person", rows)
	}

	h.send(faketelegram.CallbackUpdate(2, ann, greeting.MessageID, "m:hours"))
	answer := h.waitSent(2)[1]
	if !strings.Contains(answer.Text, "Did this help?") || len(answer.ReplyMarkup.Inline) != 1 || len(answer.ReplyMarkup.Inline[0]) != 2 {
		t.Fatalf("answer %+v: want the answer, 'Did this help?' and two buttons", answer)
	}
	h.waitFor("answerCallbackQuery", func() bool { return len(h.tg.Calls("answerCallbackQuery")) == 1 })

	h.send(faketelegram.CallbackUpdate(3, ann, answer.MessageID, "op"))
	queued := h.waitSent(3)[2]
	if !strings.Contains(queued.Text, "number 1 in the queue") || !strings.Contains(queued.Text, "minutes") {
		t.Fatalf("handover text %q: want place and wait estimate", queued.Text)
	}
	h.send(faketelegram.TextUpdate(4, ann, "My parcel <script>alert(1)</script> is late"))

	token := h.login(adminEmail, adminPassword)
	var list struct {
		Conversations []conversationJSON `json:"conversations"`
	}
	if code := h.call(http.MethodGet, "/api/v1/conversations?status=waiting", token, nil, &list); code != http.StatusOK || len(list.Conversations) != 1 {
		t.Fatalf("waiting list: status %d, %d conversations", code, len(list.Conversations))
	}
	id := list.Conversations[0].ID
	if code := h.call(http.MethodPost, fmt.Sprintf("/api/v1/conversations/%d/claim", id), token, nil, nil); code != http.StatusOK {
		t.Fatalf("claim: status %d", code)
	}
	joined := h.waitSent(4)[3]
	if !strings.Contains(joined.Text, "Administrator has joined") {
		t.Fatalf("join notice %q", joined.Text)
	}
	if code := h.call(http.MethodPost, fmt.Sprintf("/api/v1/conversations/%d/messages", id), token, map[string]string{"text": "Hello Ann, checking now."}, nil); code != http.StatusCreated {
		t.Fatalf("reply: status %d", code)
	}
	if got := h.waitSent(5)[4]; got.Text != "Hello Ann, checking now." || got.ChatID != ann.ID {
		t.Fatalf("operator reply delivered as %+v", got)
	}
	if code := h.call(http.MethodPost, fmt.Sprintf("/api/v1/conversations/%d/resolve", id), token, nil, nil); code != http.StatusOK {
		t.Fatalf("resolve: status %d", code)
	}
	if got := h.waitSent(6)[5]; !strings.Contains(got.Text, "SB-000001 is resolved") {
		t.Fatalf("resolution notice %q", got.Text)
	}

	var conv conversationJSON
	h.waitFor("every reply marked sent", func() bool {
		h.call(http.MethodGet, fmt.Sprintf("/api/v1/conversations/%d", id), token, nil, &conv)
		for _, m := range conv.Messages {
			if m.Author != "customer" && m.DeliveryState != "sent" {
				return false
			}
		}
		return true
	})
	if conv.Status != "resolved" || conv.Ticket != "SB-000001" || conv.Customer.Name != "Ann Lee" {
		t.Fatalf("conversation %+v", conv)
	}
	// Operators see the buttons the customer was offered with the greeting.
	if ch := conv.Messages[1].Choices; len(ch) != 4 || ch[0].Label != "Opening hours" || ch[3].Digit != "0" || ch[3].Label != "Talk to a person" {
		t.Fatalf("greeting's choices %+v: want the menu with the person as 0", ch)
	}
	var texts []string
	for _, m := range conv.Messages {
		texts = append(texts, m.Author+": "+m.Text)
	}
	want := []string{"customer: /start promo42", "bot: ", "customer: Opening hours", "bot: ", "customer: Talk to a person", "bot: ",
		"customer: My parcel <script>alert(1)</script> is late", "system: ", "operator: Hello Ann, checking now.", "system: "}
	if len(texts) != len(want) {
		t.Fatalf("history:\n%s", strings.Join(texts, "\n"))
	}
	for i := range want {
		if !strings.HasPrefix(texts[i], want[i]) {
			t.Fatalf("history[%d] = %q, want prefix %q\n%s", i, texts[i], want[i], strings.Join(texts, "\n"))
		}
	}
}

func TestFreeTextInMenuGoesToAPersonWithTheText(t *testing.T) {
	h := start(t)
	h.send(faketelegram.CommandUpdate(1, ann, "start", ""))
	h.waitSent(1)
	h.send(faketelegram.TextUpdate(2, ann, "I was charged twice"))
	if got := h.waitSent(2)[1]; !strings.Contains(got.Text, "number 1 in the queue") {
		t.Fatalf("handover reply %q", got.Text)
	}
	token := h.login(adminEmail, adminPassword)
	var list struct {
		Conversations []struct {
			FirstText string `json:"first_text"`
		} `json:"conversations"`
	}
	h.call(http.MethodGet, "/api/v1/conversations?status=waiting", token, nil, &list)
	if len(list.Conversations) != 1 || list.Conversations[0].FirstText != "I was charged twice" {
		t.Fatalf("queue %+v: want the customer's text attached", list.Conversations)
	}
}

func TestRussianCustomerGetsRussianTexts(t *testing.T) {
	h := start(t)
	ivan := faketelegram.User{ID: 2002, FirstName: "Иван", LanguageCode: "ru"}
	h.send(faketelegram.CommandUpdate(1, ivan, "start", ""))
	got := h.waitSent(1)[0]
	if !strings.Contains(got.Text, "Спасибо, что написали") || got.ReplyMarkup.Inline[len(got.ReplyMarkup.Inline)-1][0].Text != "Поговорить с человеком" {
		t.Fatalf("greeting %q / %+v", got.Text, got.ReplyMarkup.Inline)
	}
}

func TestMediaIsStoredWithItsFileID(t *testing.T) {
	h := start(t)
	h.send(faketelegram.CommandUpdate(1, ann, "operator", ""))
	h.waitSent(1)
	h.send(faketelegram.PhotoUpdate(2, ann, "the broken lid"))
	h.send(faketelegram.VoiceUpdate(3, ann, 4))
	h.send(faketelegram.StickerUpdate(4, ann, "👍"))
	h.send(faketelegram.DocumentUpdate(5, ann, "invoice.pdf", "application/pdf", ""))
	token := h.login(adminEmail, adminPassword)
	var conv conversationJSON
	h.call(http.MethodGet, "/api/v1/conversations/1", token, nil, &conv)
	kinds := map[string]string{}
	for _, m := range conv.Messages {
		if m.Author == "customer" && m.FileID != "" {
			kinds[m.Kind] = m.FileID
		}
	}
	for _, k := range []string{"photo", "voice", "sticker", "document"} {
		if kinds[k] == "" {
			t.Errorf("no %s message with a file id among %+v", k, conv.Messages)
		}
	}
	if kinds["photo"] != "photo-2-x" {
		t.Errorf("photo file id %q: want the largest size", kinds["photo"])
	}
}
