package faketelegram_test

import (
	"slices"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/switchboardhq/switchboard/internal/faketelegram"
)

var alice = faketelegram.User{ID: 501, FirstName: "Alice", Username: "alice", LanguageCode: "en"}

func updateIDs(updates []tgbotapi.Update) []int {
	ids := []int{}
	for _, u := range updates {
		ids = append(ids, u.UpdateID)
	}
	return ids
}

func TestGetUpdatesHonoursOffset(t *testing.T) {
	srv, bot := start(t)
	for id := 10; id <= 12; id++ {
		srv.QueueUpdate(faketelegram.TextUpdate(id, alice, "hello"))
	}
	steps := []struct {
		offset int
		limit  int
		want   []int
	}{
		{offset: 0, want: []int{10, 11, 12}},
		{offset: 0, limit: 2, want: []int{10, 11}},
		{offset: 11, want: []int{11, 12}},
		{offset: 0, want: []int{11, 12}}, // 10 was confirmed by offset 11
		{offset: 13, want: []int{}},
	}
	for _, step := range steps {
		updates, err := bot.GetUpdates(tgbotapi.UpdateConfig{Offset: step.offset, Limit: step.limit, Timeout: 1})
		if err != nil {
			t.Fatalf("GetUpdates(offset %d): %v", step.offset, err)
		}
		if got := updateIDs(updates); !slices.Equal(got, step.want) {
			t.Errorf("GetUpdates(offset %d, limit %d) = %v, want %v", step.offset, step.limit, got, step.want)
		}
	}
}

func TestGetUpdatesLongPollReturnsWhenQueued(t *testing.T) {
	srv, bot := start(t)
	go func() {
		ctx := t.Context()
		// Queue once the poll is waiting.
		_ = srv.WaitFor(ctx, func(s *faketelegram.Server) bool { return len(s.Calls("getUpdates")) > 0 })
		srv.QueueUpdate(faketelegram.TextUpdate(1, alice, "wake up"))
	}()
	start := time.Now()
	updates, err := bot.GetUpdates(tgbotapi.UpdateConfig{Timeout: 10})
	if err != nil {
		t.Fatalf("GetUpdates: %v", err)
	}
	if len(updates) != 1 || updates[0].Message.Text != "wake up" {
		t.Errorf("updates = %+v, want the queued one", updates)
	}
	if waited := time.Since(start); waited > 5*time.Second {
		t.Errorf("long poll took %v, want an early return", waited)
	}
}

func TestGetUpdatesTimesOutEmpty(t *testing.T) {
	_, bot := start(t)
	start := time.Now()
	updates, err := bot.GetUpdates(tgbotapi.UpdateConfig{Timeout: 1})
	if err != nil {
		t.Fatalf("GetUpdates: %v", err)
	}
	if len(updates) != 0 {
		t.Errorf("updates = %+v, want none", updates)
	}
	if waited := time.Since(start); waited < 900*time.Millisecond {
		t.Errorf("returned after %v, want about the 1s timeout", waited)
	}
}

func TestCloseEndsLongPoll(t *testing.T) {
	srv, bot := start(t)
	done := make(chan error, 1)
	go func() {
		_, err := bot.GetUpdates(tgbotapi.UpdateConfig{Timeout: 30})
		done <- err
	}()
	if err := srv.WaitFor(t.Context(), func(s *faketelegram.Server) bool { return len(s.Calls("getUpdates")) > 0 }); err != nil {
		t.Fatal(err)
	}
	srv.Close()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("long poll still running after Close")
	}
}
