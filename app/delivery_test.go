package app_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/internal/faketelegram"
	"github.com/switchboardhq/switchboard/storage"
)

func TestRedeliveredUpdateIsHandledOnce(t *testing.T) {
	h := start(t)
	raw := faketelegram.CommandUpdate(7, ann, "start", "")
	for i := 0; i < 3; i++ {
		h.send(raw)
	}
	h.send(faketelegram.TextUpdate(8, ann, "after"))
	h.waitSent(2)
	if n := len(h.tg.SentMessages()); n != 2 {
		t.Fatalf("%d messages sent, want one greeting and one handover", n)
	}
	msgs, err := h.app.Store.ListMessages(t.Context(), 1)
	if err != nil {
		t.Fatal(err)
	}
	customer := 0
	for _, m := range msgs {
		if m.Author == storage.AuthorCustomer {
			customer++
		}
	}
	if customer != 2 {
		t.Fatalf("%d customer messages stored, want 2", customer)
	}
}

func TestWebhookRejectsBadRequests(t *testing.T) {
	h := start(t)
	cases := []struct {
		name     string
		body     string
		secret   string
		code     int
		errorHas string
	}{
		{"missing secret", string(faketelegram.TextUpdate(1, ann, "hi")), "", http.StatusForbidden, "X-Telegram-Bot-Api-Secret-Token"},
		{"wrong secret", string(faketelegram.TextUpdate(1, ann, "hi")), "guess", http.StatusForbidden, "X-Telegram-Bot-Api-Secret-Token"},
		{"malformed JSON", `{"update_id": 5, "message": {`, secret, http.StatusBadRequest, "malformed JSON"},
		{"wrong type", `{"update_id": "five"}`, secret, http.StatusBadRequest, "update_id"},
		{"empty body", ``, secret, http.StatusBadRequest, "empty body"},
		{"no update_id", `{"message": {"message_id": 1}}`, secret, http.StatusBadRequest, "update_id"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, body := h.postUpdate([]byte(c.body), c.secret)
			if code != c.code || !strings.Contains(body, `"error"`) || !strings.Contains(body, c.errorHas) {
				t.Fatalf("got %d %s, want %d with an error naming %q", code, body, c.code, c.errorHas)
			}
		})
	}
	n, err := h.app.Store.CountByState(t.Context())
	if err != nil || len(n) != 0 {
		t.Fatalf("rejected requests stored conversations: %v %v", n, err)
	}
}

func TestTooManyRequestsWaitsRetryAfterThenDelivers(t *testing.T) {
	h := start(t)
	h.tg.FailTooManyRequests(ann.ID, 1)
	began := time.Now()
	h.send(faketelegram.CommandUpdate(1, ann, "start", ""))
	got := h.waitSent(1)[0]
	if waited := got.At.Sub(began); waited < time.Second {
		t.Fatalf("delivered %s after the 429, want at least retry_after=1s", waited)
	}
	if attempts := len(h.tg.Calls("sendMessage")); attempts != 2 {
		t.Fatalf("%d sendMessage calls, want the refused one and the retry", attempts)
	}
}

func TestServerErrorsAreRetried(t *testing.T) {
	h := start(t)
	h.tg.FailServerError("sendMessage", 3)
	h.send(faketelegram.CommandUpdate(1, ann, "start", ""))
	h.waitSent(1)
	if attempts := len(h.tg.Calls("sendMessage")); attempts != 4 {
		t.Fatalf("%d sendMessage calls, want 3 failures and a success", attempts)
	}
}

func TestBlockedCustomerIsMarkedUnreachableNotRetried(t *testing.T) {
	h := start(t)
	h.tg.BlockChat(ann.ID)
	h.send(faketelegram.CommandUpdate(1, ann, "start", ""))
	h.waitFor("identity marked unreachable", func() bool {
		id, _, err := h.app.Store.FindOrCreateIdentity(t.Context(), storage.Contact{Channel: "telegram", ExternalID: "1001"})
		return err == nil && id.Unreachable
	})
	token := h.login(adminEmail, adminPassword)
	var conv conversationJSON
	h.waitFor("greeting marked failed", func() bool {
		h.call(http.MethodGet, "/api/v1/conversations/1", token, nil, &conv)
		return len(conv.Messages) == 2 && conv.Messages[1].DeliveryState == "failed"
	})
	// An operator reply now is recorded as failed and never sent.
	h.send(faketelegram.TextUpdate(2, ann, "hello?"))
	if code := h.call(http.MethodPost, "/api/v1/conversations/1/messages", token, map[string]string{"text": "Are you there?"}, nil); code != http.StatusCreated {
		t.Fatalf("reply status %d", code)
	}
	time.Sleep(300 * time.Millisecond) // several poll intervals: nothing may be retried
	if attempts := len(h.tg.Calls("sendMessage")); attempts != 1 {
		t.Fatalf("%d sendMessage calls to a blocked chat, want 1", attempts)
	}
}

func TestMyChatMemberKickedMarksUnreachable(t *testing.T) {
	h := start(t)
	h.send(faketelegram.CommandUpdate(1, ann, "start", ""))
	h.waitSent(1)
	h.send(faketelegram.MyChatMemberUpdate(2, ann, "kicked"))
	id, _, err := h.app.Store.FindOrCreateIdentity(t.Context(), storage.Contact{Channel: "telegram", ExternalID: "1001"})
	if err != nil || !id.Unreachable {
		t.Fatalf("identity %+v err %v: want unreachable", id, err)
	}
	h.send(faketelegram.MyChatMemberUpdate(3, ann, "member"))
	id, _, _ = h.app.Store.FindOrCreateIdentity(t.Context(), storage.Contact{Channel: "telegram", ExternalID: "1001"})
	if id.Unreachable {
		t.Fatal("still unreachable after unblocking")
	}
}

// TestRestartDeliversWhatACrashLeftBehind stores an update while Telegram is
// down, stops switchboard before the reply goes out, and starts a new
// process on the same database: the reply is delivered.
func TestRestartDeliversWhatACrashLeftBehind(t *testing.T) {
	tg := faketelegram.New()
	t.Cleanup(tg.Close)
	first := start(t, withFake(tg))
	tg.Fail(faketelegram.Failure{Method: "sendMessage", Code: 502, Times: -1})
	first.send(faketelegram.CommandUpdate(1, ann, "start", ""))
	first.waitFor("a failed delivery attempt", func() bool { return len(tg.Calls("sendMessage")) > 0 })
	first.stop()
	if n := len(tg.SentMessages()); n != 0 {
		t.Fatalf("%d messages delivered while Telegram was down", n)
	}
	tg.Reset()
	second := start(t, withFake(tg), withDB(first.dbURL))
	got := second.waitSent(1)[0]
	if !strings.Contains(got.Text, "SB-000001") {
		t.Fatalf("after restart delivered %q, want the stored greeting", got.Text)
	}
	// The redelivered update is recognised as handled.
	second.send(faketelegram.CommandUpdate(1, ann, "start", ""))
	time.Sleep(200 * time.Millisecond)
	if n := len(tg.SentMessages()); n != 1 {
		t.Fatalf("%d messages after redelivery, want 1", n)
	}
}

func TestWebhookAnswers503WhileTheDatabaseIsDown(t *testing.T) {
	h := start(t)
	h.send(faketelegram.CommandUpdate(1, ann, "start", ""))
	if err := h.app.Store.Close(); err != nil {
		t.Fatal(err)
	}
	code, body := h.postUpdate(faketelegram.TextUpdate(2, ann, "anyone?"), secret)
	if code != http.StatusServiceUnavailable || !strings.Contains(body, "error") {
		t.Fatalf("got %d %s, want 503 so Telegram redelivers", code, body)
	}
	resp, err := http.Get(h.base + "/readyz")
	if err != nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("readyz with the database down: %v %v", resp.StatusCode, err)
	}
	resp.Body.Close()
}

func TestDeliveryKeepsOrderAndPaceWithinAChat(t *testing.T) {
	h := start(t, withEnv("TELEGRAM_CHAT_INTERVAL", "300ms"))
	h.send(faketelegram.CommandUpdate(1, ann, "start", ""))
	h.send(faketelegram.CallbackUpdate(2, ann, 1, "m:hours"))
	h.send(faketelegram.CommandUpdate(3, ann, "status", ""))
	msgs := h.waitSent(3)
	if !strings.Contains(msgs[0].Text, "Thank you for writing") || !strings.Contains(msgs[1].Text, "Did this help?") || !strings.Contains(msgs[2].Text, "SB-000001") {
		t.Fatalf("out of order: %q / %q / %q", msgs[0].Text, msgs[1].Text, msgs[2].Text)
	}
	for i := 1; i < len(msgs); i++ {
		if gap := msgs[i].At.Sub(msgs[i-1].At); gap < 290*time.Millisecond {
			t.Fatalf("messages %d and %d to one chat %s apart, want at least the chat interval", i-1, i, gap)
		}
	}
}

func TestLongPollingWithoutWebhookSecret(t *testing.T) {
	tg := faketelegram.New()
	t.Cleanup(tg.Close)
	tg.QueueUpdate(faketelegram.CommandUpdate(10, ann, "start", ""))
	h := start(t, withFake(tg), withEnv("TELEGRAM_WEBHOOK_SECRET", " "))
	got := h.waitSent(1)[0]
	if !strings.Contains(got.Text, "SB-000001") {
		t.Fatalf("greeting %q", got.Text)
	}
	if len(tg.Calls("deleteWebhook")) != 1 {
		t.Fatal("long polling did not delete a webhook first")
	}
	code, _ := h.postUpdate(faketelegram.TextUpdate(11, ann, "x"), secret)
	if code != http.StatusForbidden {
		t.Fatalf("webhook in polling mode answered %d, want 403", code)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if err := tg.WaitFor(ctx, func(s *faketelegram.Server) bool { return s.PendingUpdates() == 0 }); err != nil {
		t.Fatal(err)
	}
}
