package live_test

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/live"
	"github.com/switchboardhq/switchboard/storage/storagetest"
)

// leaderTerm is one stretch during which an elector's fn ran.
type leaderTerm struct {
	process    int
	start, end time.Time
}

// leaderTerms records who ran fn when, and whether two ever ran at once.
type leaderTerms struct {
	mu      sync.Mutex
	all     []*leaderTerm
	running int
	overlap bool
}

// fn is the work process i runs while it leads.
func (ts *leaderTerms) fn(i int) func(context.Context) {
	return func(ctx context.Context) {
		ts.mu.Lock()
		tm := &leaderTerm{process: i, start: time.Now()}
		ts.all = append(ts.all, tm)
		ts.running++
		ts.overlap = ts.overlap || ts.running > 1
		ts.mu.Unlock()
		<-ctx.Done()
		ts.mu.Lock()
		ts.running--
		tm.end = time.Now()
		ts.mu.Unlock()
	}
}

// current is the term running now, if any.
func (ts *leaderTerms) current() (leaderTerm, bool) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	for _, tm := range ts.all {
		if tm.end.IsZero() {
			return *tm, true
		}
	}
	return leaderTerm{}, false
}

func (ts *leaderTerms) count() int {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return len(ts.all)
}

func (ts *leaderTerms) overlapped() bool {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return ts.overlap
}

// waitFor polls cond every 20ms for up to limit.
func waitWithin(t *testing.T, limit time.Duration, what string, cond func() bool) time.Duration {
	t.Helper()
	began := time.Now()
	for !cond() {
		if time.Since(began) > limit {
			t.Fatalf("%s: not within %s", what, limit)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return time.Since(began)
}

// TestLeadRunsOneLeaderAndHandsOver: of three processes exactly one runs
// the work at any moment; when the leader's connection dies under it, its
// work stops before another's starts, well within 10 s; when the leader
// stops gracefully, another takes over.
func TestLeadRunsOneLeaderAndHandsOver(t *testing.T) {
	url := storagetest.URL(t)
	if !strings.HasPrefix(url, "postgres") {
		t.Skipf("leader election needs PostgreSQL: set %s", storagetest.EnvDatabaseURL)
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	var (
		ts     leaderTerms
		layers []*live.Layer
		stops  []context.CancelFunc
		wg     sync.WaitGroup
	)
	for i := range 3 {
		l, err := live.Open(t.Context(), live.Config{DatabaseURL: url, Logger: quiet})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(l.Close)
		ctx, stop := context.WithCancel(t.Context())
		layers, stops = append(layers, l), append(stops, stop)
		wg.Add(1)
		go func() {
			defer wg.Done()
			l.Lead(ctx, "test-election", ts.fn(i))
		}()
	}
	t.Cleanup(func() {
		for _, stop := range stops {
			stop()
		}
		wg.Wait()
	})
	ttl := live.LeaderTryInterval + live.LeaderGrace + 2*time.Second
	waitWithin(t, ttl, "a first leader", func() bool { _, ok := ts.current(); return ok })
	first, _ := ts.current()

	// The leader's connection dies; its process lives on.
	key := layers[first.process].LockKey("test-election")
	var killed int
	err := layers[first.process].Pool.QueryRow(t.Context(), `SELECT count(pg_terminate_backend(pid)) FROM pg_locks
		WHERE locktype = 'advisory' AND granted AND classid = $1 AND objid = $2 AND objsubid = 1`,
		uint32(uint64(key)>>32), uint32(uint64(key))).Scan(&killed)
	if err != nil || killed != 1 {
		t.Fatalf("terminate the leader's connection: killed %d, %v", killed, err)
	}
	killedAt := time.Now()
	waitWithin(t, live.LeaderPingInterval+live.LeaderPingTimeout+time.Second, "the old leader to stop", func() bool {
		_, ok := ts.current()
		return !ok
	})
	waitWithin(t, 10*time.Second, "a new leader after the old one's connection died", func() bool {
		_, ok := ts.current()
		return ok && ts.count() == 2
	})
	t.Logf("takeover after the leader's connection died: %s", time.Since(killedAt).Round(time.Millisecond))

	// The leader stops gracefully: another takes over.
	second, _ := ts.current()
	stops[second.process]()
	stoppedAt := time.Now()
	waitWithin(t, ttl, "a new leader after a graceful stop", func() bool {
		now, ok := ts.current()
		return ok && now.process != second.process
	})
	t.Logf("takeover after a graceful stop: %s", time.Since(stoppedAt).Round(time.Millisecond))
	if ts.overlapped() {
		t.Fatal("two processes ran the leader's work at once")
	}
}
