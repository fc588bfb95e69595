package replicas_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/internal/faketelegram"
	"github.com/switchboardhq/switchboard/live"
)

// TestKilledPollerIsReplacedWithinTenSeconds: three processes in
// long-polling mode (no webhook secret) share one bot. Only one calls
// getUpdates; SIGKILLed, it is replaced by another within 10 s, the
// updates queued after its death are each answered once, and Telegram
// never answers 409 Conflict.
func TestKilledPollerIsReplacedWithinTenSeconds(t *testing.T) {
	procs, tg := cluster(t, 3, "TELEGRAM_WEBHOOK_SECRET=")
	layer, err := live.Open(t.Context(), live.Config{DatabaseURL: dbURL(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(layer.Close)
	waitPoll(t, tg, 15*time.Second, "a first poll", func(faketelegram.Poll) bool { return true })

	users := make([]faketelegram.User, 10)
	for i := range users {
		users[i] = faketelegram.User{ID: int64(6000 + i), FirstName: fmt.Sprintf("U%d", i), LanguageCode: "en"}
	}
	for i, u := range users[:5] {
		tg.QueueUpdate(faketelegram.CommandUpdate(i+1, u, "start", ""))
	}
	greetedOnce(t, tg, users[:5])
	// The others try for the lock every LeaderTryInterval: give them two
	// tries after the first poll to show they do not poll too.
	first := tg.Polls()[0].Start
	time.Sleep(time.Until(first.Add(2*live.LeaderTryInterval + 500*time.Millisecond)))
	before := tg.Polls()
	for _, p := range before {
		if p.Client != before[0].Client {
			t.Fatalf("polls came from %s and %s before the kill, want one process", before[0].Client, p.Client)
		}
	}
	leader := pollerOf(t, layer, procs)

	leader.kill()
	killed := time.Now()
	for i, u := range users[5:] {
		tg.QueueUpdate(faketelegram.CommandUpdate(6+i, u, "start", ""))
	}
	took := waitPoll(t, tg, 10*time.Second, "a poll from another process", func(p faketelegram.Poll) bool {
		return p.Client != before[0].Client && p.Start.After(killed)
	}).Start.Sub(killed)
	t.Logf("takeover %s after SIGKILL (at most LeaderTryInterval %s + LeaderGrace %s expected); %d polls before",
		took.Round(time.Millisecond), live.LeaderTryInterval, live.LeaderGrace, len(before))
	greetedOnce(t, tg, users)
	if next := pollerOf(t, layer, procs); next == leader {
		t.Error("the killed process still holds the poller's lock")
	}
	after := tg.Polls()[len(before):]
	clients := map[string]bool{}
	for _, p := range after {
		clients[p.Client] = true
	}
	if len(clients) != 1 {
		t.Errorf("after the kill polls came from %d clients, want one: %v", len(clients), clients)
	}
	if n := tg.Conflicts(); n != 0 {
		t.Errorf("Telegram answered 409 Conflict %d times, want never", n)
	}
}

// waitPoll waits up to d for a getUpdates call that match accepts.
func waitPoll(t *testing.T, tg *faketelegram.Server, d time.Duration, what string, match func(faketelegram.Poll) bool) faketelegram.Poll {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), d)
	defer cancel()
	var found faketelegram.Poll
	err := tg.WaitFor(ctx, func(s *faketelegram.Server) bool {
		for _, p := range s.Polls() {
			if match(p) {
				found = p
				return true
			}
		}
		return false
	})
	if err != nil {
		t.Fatalf("no %s within %s: %v", what, d, err)
	}
	return found
}

// pollerOf is the process holding the Telegram poller's lock, found by
// the pid in the name its leader connection gives PostgreSQL.
func pollerOf(t *testing.T, layer *live.Layer, procs []*process) *process {
	t.Helper()
	key := layer.LockKey("telegram-poller")
	var name string
	err := layer.Pool.QueryRow(t.Context(), `SELECT a.application_name
		FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
		WHERE l.locktype = 'advisory' AND l.granted AND l.classid = $1 AND l.objid = $2 AND l.objsubid = 1`,
		uint32(uint64(key)>>32), uint32(uint64(key))).Scan(&name)
	if err != nil {
		t.Fatalf("find the poller's lock: %v", err)
	}
	for _, p := range procs {
		if strings.Contains(name, fmt.Sprintf("-%d-", p.cmd.Process.Pid)) {
			return p
		}
	}
	t.Fatalf("the poller's lock is held by %q, none of the processes", name)
	return nil
}

// greetedOnce waits until each user has had a greeting with a ticket
// number, and fails on a second one.
func greetedOnce(t *testing.T, tg *faketelegram.Server, users []faketelegram.User) {
	t.Helper()
	ids := make([]int64, len(users))
	for i, u := range users {
		ids[i] = u.ID
	}
	ctx, cancel := context.WithTimeout(t.Context(), 15*time.Second)
	defer cancel()
	greetings, err := tg.WaitForEachChat(ctx, "SB-", ids...)
	if err != nil {
		t.Fatalf("greetings by chat %v: %v", greetings, err)
	}
	for _, u := range users {
		if n := greetings[u.ID]; n != 1 {
			t.Errorf("%s was greeted %d times, want once", u.FirstName, n)
		}
	}
}
