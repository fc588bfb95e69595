package app_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/internal/faketelegram"
	"github.com/switchboardhq/switchboard/storage/storagetest"
)

// withPolling runs the app in long-polling mode: no webhook secret.
func withPolling() func(*setup) { return withEnv("TELEGRAM_WEBHOOK_SECRET", "") }

// poller finds which of hs holds the Telegram poller's lock, by the name
// its leader connection gives PostgreSQL, and that connection's pid,
// asking through the running app via.
func poller(t *testing.T, via *harness, hs []*harness) (int, int) {
	t.Helper()
	key := via.app.Live.LockKey("telegram-poller")
	var name string
	var pid int
	err := via.app.Live.Pool.QueryRow(t.Context(), `SELECT a.application_name, l.pid
		FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
		WHERE l.locktype = 'advisory' AND l.granted AND l.classid = $1 AND l.objid = $2 AND l.objsubid = 1`,
		uint32(uint64(key)>>32), uint32(uint64(key))).Scan(&name, &pid)
	if err != nil {
		t.Fatalf("find the poller's lock: %v", err)
	}
	for i, h := range hs {
		if name != "" && strings.HasPrefix(h.app.Live.Process, name) {
			return i, pid
		}
	}
	t.Fatalf("the poller's lock is held by %q, none of the apps", name)
	return 0, 0
}

// greetedOnce waits until each user has had exactly one greeting with a
// ticket number, and fails on a second one.
func greetedOnce(t *testing.T, tg *faketelegram.Server, users ...faketelegram.User) {
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

// overlapping describes two polls from different clients that were open
// at the same moment, or is empty.
func overlapping(polls []faketelegram.Poll) string {
	for i := 1; i < len(polls); i++ {
		prev, next := polls[i-1], polls[i]
		if prev.Client != next.Client && (prev.End.IsZero() || prev.End.After(next.Start)) {
			return fmt.Sprintf("%s polled from %s while %s still polled from %s", next.Client, next.Start.Format(time.StampMilli),
				prev.Client, prev.Start.Format(time.StampMilli))
		}
	}
	return ""
}

// TestOnePollerAmongProcessesWithTakeover: three processes share one
// PostgreSQL and one bot in long-polling mode. Only one calls getUpdates,
// and every update is handled once; when that process's database
// connection dies and it stops, another takes over within 10 s, and
// Telegram never answers 409 Conflict.
func TestOnePollerAmongProcessesWithTakeover(t *testing.T) {
	url := storagetest.URL(t)
	if !strings.HasPrefix(url, "postgres") {
		t.Skipf("several processes need PostgreSQL: set %s", storagetest.EnvDatabaseURL)
	}
	tg := faketelegram.New()
	t.Cleanup(tg.Close)
	var hs []*harness
	for i := range 3 {
		// Each process calls through its own label, so the fake tells
		// processes apart, not connections.
		label := withEnv("TELEGRAM_API_ENDPOINT", tg.EndpointAs(fmt.Sprintf("process-%d", i)))
		hs = append(hs, start(t, withFake(tg), withDB(url), withPolling(), label))
	}
	polling := func(s *faketelegram.Server) bool {
		polls := s.Polls()
		return len(polls) > 0 && polls[len(polls)-1].End.IsZero()
	}
	ctx, cancel := context.WithTimeout(t.Context(), 15*time.Second)
	defer cancel()
	if err := tg.WaitFor(ctx, polling); err != nil {
		t.Fatalf("nobody polls Telegram: %v", err)
	}

	bea := faketelegram.User{ID: 1002, FirstName: "Bea", LanguageCode: "en"}
	cy := faketelegram.User{ID: 1003, FirstName: "Cy", LanguageCode: "en"}
	tg.QueueUpdate(faketelegram.CommandUpdate(1, ann, "start", ""))
	tg.QueueUpdate(faketelegram.CommandUpdate(2, bea, "start", ""))
	greetedOnce(t, tg, ann, bea)
	before := tg.Polls()
	for _, p := range before {
		if p.Client != before[0].Client {
			t.Fatalf("polls came from %s and %s, want one process", before[0].Client, p.Client)
		}
	}
	leader, pid := poller(t, hs[0], hs)
	survivor := hs[(leader+1)%3]

	// The poller dies: its database connection first, then the rest.
	if _, err := survivor.app.Live.Pool.Exec(t.Context(), "SELECT pg_terminate_backend($1)", pid); err != nil {
		t.Fatalf("terminate the poller's connection: %v", err)
	}
	killed := time.Now()
	hs[leader].stop()
	tg.QueueUpdate(faketelegram.CommandUpdate(3, cy, "start", ""))

	ctx, cancel = context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	err := tg.WaitFor(ctx, func(s *faketelegram.Server) bool {
		polls := s.Polls()
		return len(polls) > 0 && polls[len(polls)-1].Client != before[0].Client
	})
	if err != nil {
		t.Fatalf("no other process polled within 10s of the poller's death: %v", err)
	}
	t.Logf("takeover %s after the poller's death", time.Since(killed).Round(time.Millisecond))
	greetedOnce(t, tg, ann, bea, cy)
	if next, _ := poller(t, survivor, hs); next == leader {
		t.Fatalf("the stopped process %d still holds the poller's lock", leader)
	}
	if s := overlapping(tg.Polls()); s != "" {
		t.Error(s)
	}
	if n := tg.Conflicts(); n != 0 {
		t.Errorf("Telegram answered 409 Conflict %d times, want never", n)
	}
}
