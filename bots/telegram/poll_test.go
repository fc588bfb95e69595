package telegram_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/bots/telegram"
	"github.com/switchboardhq/switchboard/internal/faketelegram"
)

// TestPollEndsItsLongPollAtOnceAndRunsAgain: a Poll that stops (a shutdown,
// or another process taking over) hangs up its long poll at once, so the
// next poller is not refused with 409, and the same Bot can poll again.
func TestPollEndsItsLongPollAtOnceAndRunsAgain(t *testing.T) {
	tg := faketelegram.New()
	t.Cleanup(tg.Close)
	bot, err := telegram.Connect(faketelegram.Token, tg.Endpoint(), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	waitFor := func(what string, cond func(*faketelegram.Server) bool) {
		t.Helper()
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		defer cancel()
		if err := tg.WaitFor(ctx, cond); err != nil {
			t.Fatalf("waiting for %s: %v", what, err)
		}
	}
	waiting := func(s *faketelegram.Server) bool {
		polls := s.Polls()
		return len(polls) > 0 && polls[len(polls)-1].End.IsZero()
	}

	for term := 1; term <= 2; term++ {
		ctx, stop := context.WithCancel(t.Context())
		stopped := make(chan error, 1)
		go func() { stopped <- bot.Poll(ctx) }()
		// An update Parse ignores needs no submitter; confirming it shows
		// the poller works.
		tg.QueueUpdate([]byte(`{"update_id":` + strconv.Itoa(term) + `}`))
		waitFor("the update confirmed", func(s *faketelegram.Server) bool { return s.PendingUpdates() == 0 && waiting(s) })

		stop()
		select {
		case err := <-stopped:
			if err != nil {
				t.Fatalf("term %d: Poll returned %v", term, err)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("term %d: Poll still running after its context ended", term)
		}
		waitFor("the long poll to end", func(s *faketelegram.Server) bool { return !waiting(s) })
		last := tg.Polls()[len(tg.Polls())-1]
		if !last.ClientGone || last.End.Sub(last.Start) > 5*time.Second {
			t.Fatalf("term %d: last poll %+v, want it cut short by the client", term, last)
		}
	}
	if n := tg.Conflicts(); n != 0 {
		t.Errorf("the fake answered 409 %d times, want never", n)
	}
}
