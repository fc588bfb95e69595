package app_test

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/internal/faketelegram"
)

// TestABurstOfFirstContactsStaysUnderTelegramsLimit: 300 customers write
// /start within a moment, through the webhook, to one process with the
// default TELEGRAM_MAX_PER_SECOND of 30. Every one is greeted, and the fake
// Telegram never sees more than 30 messages in any sliding second — not
// even in the first second of the burst.
func TestABurstOfFirstContactsStaysUnderTelegramsLimit(t *testing.T) {
	if testing.Short() {
		t.Skip("300 messages at 30 a second take ten seconds")
	}
	h := start(t, withEnv("TELEGRAM_MAX_PER_SECOND", "30"))
	const customers = 300
	var wg sync.WaitGroup
	codes := make(chan int, customers)
	for i := range customers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			user := faketelegram.User{ID: int64(50000 + i), FirstName: "Burst", LanguageCode: "en"}
			code, _ := h.postUpdate(faketelegram.CommandUpdate(90000+i, user, "start", ""), secret)
			codes <- code
		}()
	}
	wg.Wait()
	close(codes)
	for code := range codes {
		if code != http.StatusOK {
			t.Fatalf("webhook answered %d", code)
		}
	}
	// 300 at 30 a second: ten seconds, and some room on a busy machine.
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	sent, err := h.tg.WaitForMessages(ctx, customers)
	if err != nil {
		t.Fatalf("waiting for %d greetings, have %d: %v", customers, len(h.tg.SentMessages()), err)
	}
	chats := map[int64]bool{}
	for _, m := range sent {
		chats[m.ChatID] = true
	}
	if len(chats) != customers {
		t.Fatalf("%d customers greeted, want %d", len(chats), customers)
	}
	took := sent[len(sent)-1].At.Sub(sent[0].At)
	t.Logf("%d greetings in %v", len(sent), took.Round(time.Millisecond))
	if peak := h.tg.BusiestSecond(0); peak > 30 {
		t.Errorf("Telegram got %d messages within one second, want at most 30", peak)
	}
}
