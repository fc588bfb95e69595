package bench_test

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/config"
	"github.com/switchboardhq/switchboard/dialog"
	"github.com/switchboardhq/switchboard/storage"
	"github.com/switchboardhq/switchboard/storage/storagetest"
)

// databases are the engines every benchmark runs on: a fresh SQLite file,
// and a fresh PostgreSQL schema when SWITCHBOARD_TEST_DATABASE_URL is set.
var databases = []struct {
	name string
	url  func(b *testing.B) string
}{
	{"sqlite", func(b *testing.B) string { return "sqlite://" + filepath.Join(b.TempDir(), "switchboard.db") }},
	{"postgres", func(b *testing.B) string {
		if os.Getenv(storagetest.EnvDatabaseURL) == "" {
			b.Skip(storagetest.EnvDatabaseURL + " is not set")
		}
		return storagetest.URL(b)
	}},
}

// newEngine opens a migrated database and an engine on it with the
// built-in settings (open around the clock, so handovers count the queue).
func newEngine(b *testing.B, url string) (*dialog.Engine, *storage.Storage) {
	b.Helper()
	store := storagetest.OpenURL(b, url)
	e, err := dialog.New(store, dialog.Options{
		Settings: config.DefaultSettings(),
		Logger:   slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		b.Fatalf("new engine: %v", err)
	}
	return e, store
}

// events makes the updates of simulated Telegram customers, each with its
// own user id and every update with a new update_id.
type events struct{ updateID, userID atomic.Int64 }

func (g *events) newUser() int64 { return g.userID.Add(1) + 5_000_000_000 }

func (g *events) event(user int64, kind dialog.Kind, text string) dialog.Event {
	id := strconv.FormatInt(user, 10)
	ev := dialog.Event{
		ExternalID: strconv.FormatInt(g.updateID.Add(1), 10),
		From:       storage.Contact{Channel: dialog.ChannelTelegram, ExternalID: id, Address: id, Name: "Bench Customer", Language: "en"},
		Kind:       kind, Text: text, At: time.Now().UTC(),
	}
	if kind == dialog.KindCommand {
		ev.Command, ev.Text = text, ""
	}
	return ev
}

func handle(b *testing.B, e *dialog.Engine, ev dialog.Event) dialog.Result {
	b.Helper()
	res, err := e.Handle(context.Background(), ev)
	if err != nil {
		b.Fatalf("handle %s: %v", ev.Kind, err)
	}
	return res
}

// BenchmarkHandleStart: a new customer sends /start — customer, identity,
// conversation, inbound message, greeting and its outbox row.
func BenchmarkHandleStart(b *testing.B) {
	for _, db := range databases {
		b.Run(db.name, func(b *testing.B) {
			e, _ := newEngine(b, db.url(b))
			var g events
			for b.Loop() {
				handle(b, e, g.event(g.newUser(), dialog.KindCommand, "start"))
			}
		})
	}
}

// BenchmarkHandleText: a customer in the menu types a question and is
// handed over — the most expensive customer event: it also counts the
// queue ahead. Customers are made ready (after /start) outside the timer;
// the queue grows by one per iteration.
func BenchmarkHandleText(b *testing.B) {
	for _, db := range databases {
		b.Run(db.name, func(b *testing.B) {
			e, _ := newEngine(b, db.url(b))
			var g events
			var ready []int64
			for b.Loop() {
				if len(ready) == 0 {
					b.StopTimer()
					for range 500 {
						u := g.newUser()
						handle(b, e, g.event(u, dialog.KindCommand, "start"))
						ready = append(ready, u)
					}
					b.StartTimer()
				}
				u := ready[len(ready)-1]
				ready = ready[:len(ready)-1]
				if res := handle(b, e, g.event(u, dialog.KindText, "Hello, my order has not arrived yet. Where is it?")); res.State != storage.StateWaiting {
					b.Fatalf("state %q after the question, want waiting", res.State)
				}
			}
		})
	}
}

// BenchmarkHandleTextWaiting: a customer already in the queue writes again
// — stored for the operator, no reply.
func BenchmarkHandleTextWaiting(b *testing.B) {
	for _, db := range databases {
		b.Run(db.name, func(b *testing.B) {
			e, _ := newEngine(b, db.url(b))
			var g events
			users := make([]int64, 200)
			for i := range users {
				users[i] = g.newUser()
				handle(b, e, g.event(users[i], dialog.KindCommand, "operator"))
			}
			i := 0
			for b.Loop() {
				handle(b, e, g.event(users[i%len(users)], dialog.KindText, "Any news?"))
				i++
			}
		})
	}
}

// BenchmarkCommitterParallel: many webhook requests at once, each a new
// customer's /start, group-committed as app.New sets it up (one worker on
// SQLite, four on PostgreSQL, batches of up to 128). Reports updates/s.
func BenchmarkCommitterParallel(b *testing.B) {
	for _, db := range databases {
		b.Run(db.name, func(b *testing.B) {
			e, store := newEngine(b, db.url(b))
			workers := 1
			if store.Dialect() == storage.Postgres {
				workers = 4
			}
			benchCommitter(b, e, workers, 128)
		})
	}
}

// BenchmarkCommitterWorkers: the committer on PostgreSQL with more or
// fewer commits in flight, to show what the worker count app.New picks
// costs. Every event of a batch runs its statements one after another on
// one connection, so workers, not batching, bound the statement rate.
func BenchmarkCommitterWorkers(b *testing.B) {
	for _, workers := range []int{1, 4, 8, 16, 32} {
		b.Run("postgres/workers="+strconv.Itoa(workers), func(b *testing.B) {
			e, _ := newEngine(b, databases[1].url(b))
			benchCommitter(b, e, workers, 128)
		})
	}
}

func benchCommitter(b *testing.B, e *dialog.Engine, workers, batch int) {
	c := dialog.NewCommitter(e, workers, batch)
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { c.Run(ctx); close(done) }()
	defer func() { stop(); <-done }()
	var g events
	b.SetParallelism(32) // 64 requests in flight on 2 cores
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := c.Submit(context.Background(), g.event(g.newUser(), dialog.KindCommand, "start")); err != nil {
				b.Errorf("submit: %v", err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "updates/s")
}

// BenchmarkSearchIndexWriteCost: BenchmarkHandleTextWaiting on SQLite with
// search's indexes kept by the database (migrations 14 and 19: FTS5
// triggers, conversations by latest message) and with them dropped — what
// they cost the webhook path's write.
func BenchmarkSearchIndexWriteCost(b *testing.B) {
	drop := []string{"DROP TRIGGER message_search_insert", "DROP TRIGGER message_search_update",
		"DROP TRIGGER message_search_delete", "DROP TRIGGER customer_search_insert",
		"DROP TRIGGER customer_search_update", "DROP TRIGGER customer_search_delete",
		"DROP INDEX idx_conversation_last_message"}
	for _, kept := range []bool{true, false} {
		name := "without"
		if kept {
			name = "with"
		}
		b.Run("sqlite/"+name, func(b *testing.B) {
			e, store := newEngine(b, databases[0].url(b))
			if !kept {
				for _, stmt := range drop {
					if err := store.Exec(b.Context(), stmt); err != nil {
						b.Fatal(err)
					}
				}
			}
			var g events
			users := make([]int64, 200)
			for i := range users {
				users[i] = g.newUser()
				handle(b, e, g.event(users[i], dialog.KindCommand, "operator"))
			}
			i := 0
			for b.Loop() {
				handle(b, e, g.event(users[i%len(users)], dialog.KindText, "Where is my parcel number "+strconv.Itoa(i)+"?"))
				i++
			}
		})
	}
}
