package faketelegram_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
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

func TestNewerPollTerminatesTheWaitingOneWithConflict(t *testing.T) {
	srv, first := start(t)
	second, err := tgbotapi.NewBotAPIWithClient(faketelegram.Token, srv.Endpoint(), &http.Client{Transport: &http.Transport{}})
	if err != nil {
		t.Fatalf("second bot: %v", err)
	}
	older := make(chan error, 1)
	go func() {
		_, err := first.GetUpdates(tgbotapi.UpdateConfig{Timeout: 30})
		older <- err
	}()
	if err := srv.WaitFor(t.Context(), func(s *faketelegram.Server) bool { return len(s.Polls()) == 1 }); err != nil {
		t.Fatal(err)
	}
	// The first bot's polls come from one client, one after the other.
	srv.QueueUpdate(faketelegram.TextUpdate(7, alice, "hello"))
	if err := srv.WaitFor(t.Context(), func(s *faketelegram.Server) bool { return len(s.Polls()) == 1 && !s.Polls()[0].End.IsZero() }); err != nil {
		t.Fatal(err)
	}
	if err := <-older; err != nil {
		t.Fatalf("first poll: %v", err)
	}
	go func() {
		_, err := first.GetUpdates(tgbotapi.UpdateConfig{Offset: 8, Timeout: 30})
		older <- err
	}()
	if err := srv.WaitFor(t.Context(), func(s *faketelegram.Server) bool { return len(s.Polls()) == 2 }); err != nil {
		t.Fatal(err)
	}
	updates, err := second.GetUpdates(tgbotapi.UpdateConfig{Offset: 8, Timeout: 1})
	if err != nil || len(updates) != 0 {
		t.Fatalf("newer poll = %v, %v; want no updates and no error", updates, err)
	}
	select {
	case err := <-older:
		if got := apiError(t, err); got.Code != http.StatusConflict || !strings.Contains(got.Message, "terminated by other getUpdates request") {
			t.Fatalf("older poll got %d %q, want 409 terminated by other getUpdates request", got.Code, got.Message)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("older poll still waiting after a newer one")
	}
	polls := srv.Polls()
	statuses := []int{polls[0].Status, polls[1].Status, polls[2].Status}
	if !slices.Equal(statuses, []int{http.StatusOK, http.StatusConflict, http.StatusOK}) {
		t.Errorf("statuses = %v, want 200, 409, 200", statuses)
	}
	if polls[0].Client != polls[1].Client || polls[1].Client == polls[2].Client {
		t.Errorf("clients = %q, %q, %q; want the first bot twice, then the second", polls[0].Client, polls[1].Client, polls[2].Client)
	}
	if n := srv.Conflicts(); n != 1 {
		t.Errorf("Conflicts() = %d, want 1", n)
	}
}

func TestPollsRecordAClientThatHangsUp(t *testing.T) {
	srv, _ := start(t)
	ctx, cancel := context.WithCancel(t.Context())
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, fmt.Sprintf(srv.Endpoint(), faketelegram.Token, "getUpdates"),
		strings.NewReader("timeout=30"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	done := make(chan struct{})
	go func() {
		defer close(done)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
		}
	}()
	if err := srv.WaitFor(t.Context(), func(s *faketelegram.Server) bool { return len(s.Polls()) == 1 }); err != nil {
		t.Fatal(err)
	}
	cancel()
	<-done
	wait, stop := context.WithTimeout(t.Context(), 5*time.Second)
	defer stop()
	if err := srv.WaitFor(wait, func(s *faketelegram.Server) bool { return !s.Polls()[0].End.IsZero() }); err != nil {
		t.Fatalf("the fake still holds a poll whose client hung up: %v", err)
	}
	if p := srv.Polls()[0]; !p.ClientGone || srv.Conflicts() != 0 {
		t.Errorf("poll = %+v, conflicts %d; want the client gone and no conflict", p, srv.Conflicts())
	}
}

// Calls through EndpointAs are recorded with the instance's label, which
// stays the same across its connections; other calls with their address.
func TestPollsNameTheInstanceThatLabelledItsEndpoint(t *testing.T) {
	srv := faketelegram.New()
	t.Cleanup(srv.Close)
	for _, endpoint := range []string{srv.EndpointAs("process-2"), srv.Endpoint()} {
		bot, err := tgbotapi.NewBotAPIWithAPIEndpoint(faketelegram.Token, endpoint)
		if err != nil {
			t.Fatalf("connect through %s: %v", endpoint, err)
		}
		if _, err := bot.GetUpdates(tgbotapi.UpdateConfig{Timeout: 0}); err != nil {
			t.Fatalf("GetUpdates through %s: %v", endpoint, err)
		}
	}
	polls := srv.Polls()
	if len(polls) != 2 || polls[0].Client != "process-2" || !strings.HasPrefix(polls[1].Client, "127.0.0.1:") {
		t.Fatalf("polls %+v, want one from process-2 and one from an address", polls)
	}
}
