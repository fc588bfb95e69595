package feedback_test

import (
	"sync"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/config"
	"github.com/switchboardhq/switchboard/dialog"
	"github.com/switchboardhq/switchboard/feedback"
	"github.com/switchboardhq/switchboard/storage"
	"github.com/switchboardhq/switchboard/storage/storagetest"
)

func TestSchedulersSendEachSurveyOnce(t *testing.T) {
	ctx := t.Context()
	store := storagetest.Open(t)
	now := time.Date(2026, 3, 9, 10, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	settings := config.DefaultSettings()
	engine, err := dialog.New(store, dialog.Options{Settings: settings, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	op := storage.Operator{Email: "olga@example.org", Name: "Olga", PasswordHash: "x", Role: storage.RoleOperator, Active: true}
	if err := store.CreateOperator(ctx, &op); err != nil {
		t.Fatal(err)
	}
	var convs []uint64
	for i := range 5 {
		c := storage.Contact{Channel: dialog.ChannelTelegram, ExternalID: string(rune('a' + i)), Address: string(rune('a' + i)), Name: "C"}
		res, err := engine.Handle(ctx, dialog.Event{ExternalID: "u" + c.ExternalID, From: c, Kind: dialog.KindText, Text: "help"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := engine.Resolve(ctx, res.ConversationID, op); err != nil {
			t.Fatal(err)
		}
		convs = append(convs, res.ConversationID)
	}
	a := feedback.NewScheduler(store, engine, feedback.Config{Clock: clock})
	b := feedback.NewScheduler(store, engine, feedback.Config{Clock: clock})
	if n, err := a.RunOnce(ctx); err != nil || n != 0 {
		t.Fatalf("before they are due: %d sent, %v", n, err)
	}
	mu.Lock()
	now = now.Add(settings.Survey.Delay)
	mu.Unlock()
	var wg sync.WaitGroup
	counts := make([]int, 2)
	for i, s := range []*feedback.Scheduler{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n, err := s.RunOnce(ctx)
			if err != nil {
				t.Error(err)
			}
			counts[i] = n
		}()
	}
	wg.Wait()
	if counts[0]+counts[1] != len(convs) {
		t.Fatalf("the two schedulers sent %v surveys, want %d in all", counts, len(convs))
	}
	for _, id := range convs {
		items, err := store.ListOutbox(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		questions := 0
		for _, it := range items {
			if it.CreatedAt.Equal(now) || it.NextAttemptAt.Equal(now) {
				questions++
			}
		}
		if questions != 1 {
			t.Errorf("conversation %d got %d survey questions, want 1", id, questions)
		}
	}
}
