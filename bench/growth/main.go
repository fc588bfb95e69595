// Command growth measures how the write path's cost grows with the data
// stored (issue 18): it fills a fresh PostgreSQL schema with -customers
// customers, each with a Telegram identity, one resolved conversation and
// -messages-per-customer messages, straight with SQL as pgbench would, then
// drives a dialog.Engine with batches of events — first contacts (new user
// ids), then returning customers (random filled ids) — and prints each
// phase's updates per second and the rows read by sequential scans on the
// hot tables per update, from pg_stat_user_tables. It also prints the plan
// of the batch prefetch statement for a batch of new and of returning
// contacts.
//
//	go run ./bench/growth -db 'postgres://postgres@127.0.0.1:5432/test?sslmode=disable' -customers 100000
//
// The schema (-schema) is dropped at the end unless -keep is given.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/switchboardhq/switchboard/config"
	"github.com/switchboardhq/switchboard/dialog"
	"github.com/switchboardhq/switchboard/storage"
)

// options are the command's flags.
type options struct {
	db        string
	schema    string
	customers int
	perCust   int
	updates   int
	batch     int
	keep      bool
	explain   bool
	analyze   bool
}

func main() {
	var o options
	flag.StringVar(&o.db, "db", "", "PostgreSQL URL (required)")
	flag.StringVar(&o.schema, "schema", "bench_growth", "schema to create fresh (dropped first)")
	flag.IntVar(&o.customers, "customers", 100_000, "customers to fill, one identity and conversation each")
	flag.IntVar(&o.perCust, "messages-per-customer", 10, "messages to fill per customer")
	flag.IntVar(&o.updates, "updates", 2000, "events to handle in each phase")
	flag.IntVar(&o.batch, "batch", 4, "events per HandleBatch")
	flag.BoolVar(&o.keep, "keep", false, "keep the schema after the run")
	flag.BoolVar(&o.explain, "explain", true, "print EXPLAIN (ANALYZE, BUFFERS) of the prefetch statement")
	flag.BoolVar(&o.analyze, "analyze", true, "VACUUM ANALYZE after the fill; false leaves the planner without statistics (autovacuum off on the hot tables)")
	flag.Parse()
	if err := run(context.Background(), o); err != nil {
		fmt.Fprintln(os.Stderr, "growth bench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, o options) error {
	if o.db == "" {
		return fmt.Errorf("-db is required")
	}
	admin, err := storage.Open(ctx, o.db)
	if err != nil {
		return err
	}
	defer admin.Close()
	if err := admin.Exec(ctx, "DROP SCHEMA IF EXISTS "+o.schema+" CASCADE"); err != nil {
		return err
	}
	if err := admin.Exec(ctx, "CREATE SCHEMA "+o.schema); err != nil {
		return err
	}
	if !o.keep {
		defer func() {
			if err := admin.Exec(context.Background(), "DROP SCHEMA "+o.schema+" CASCADE"); err != nil {
				fmt.Fprintln(os.Stderr, "growth bench: drop schema:", err)
			}
		}()
	}
	u, err := url.Parse(o.db)
	if err != nil {
		return fmt.Errorf("parse -db: %w", err)
	}
	q := u.Query()
	q.Set("search_path", o.schema)
	u.RawQuery = q.Encode()
	store, err := storage.Open(ctx, u.String())
	if err != nil {
		return err
	}
	defer store.Close()
	if _, err := store.Migrate(ctx); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	start := time.Now()
	if err := fill(ctx, store, o); err != nil {
		return fmt.Errorf("fill: %w", err)
	}
	fmt.Printf("filled %d customers, %d messages in %s (analyze %v)\n",
		o.customers, o.customers*o.perCust, time.Since(start).Round(100*time.Millisecond), o.analyze)
	hot, err := hotRows(ctx, store)
	if err != nil {
		return err
	}
	fmt.Printf("hot rows: %d\n", hot)
	if o.explain {
		if err := explainPrefetch(ctx, store, o); err != nil {
			return err
		}
	}
	e, err := dialog.New(store, dialog.Options{
		Settings: config.DefaultSettings(),
		Logger:   slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		return fmt.Errorf("new engine: %w", err)
	}
	g := &events{updateID: 1_000_000_000, nextUser: int64(o.customers)}
	fmt.Printf("%-10s %-10s %10s %14s %14s %14s\n", "hot rows", "phase", "updates/s", "seq rows/upd", "seq scans/upd", "idx scans/upd")
	first := func() int64 { g.nextUser++; return g.nextUser }
	rng := rand.New(rand.NewPCG(uint64(o.customers), 18))
	returning := func() int64 { return 1 + rng.Int64N(int64(o.customers)) }
	for _, p := range []struct {
		name string
		user func() int64
		text bool
	}{{"first", first, false}, {"returning", returning, true}} {
		if p.name == "returning" && o.customers == 0 {
			continue
		}
		r, err := phase(ctx, store, e, g, o, p.user, p.text)
		if err != nil {
			return fmt.Errorf("phase %s: %w", p.name, err)
		}
		fmt.Printf("%-10d %-10s %10.0f %14.1f %14.2f %14.1f  %s\n", hot, p.name, r.rate, r.seqRows, r.seqScans, r.idxScans, r.byTable)
	}
	return nil
}

// events makes Telegram updates, every one with a new update_id.
type events struct{ updateID, nextUser int64 }

// event is user's update: /start, or a question when text is set (a
// returning customer's batches mix both, so some hand conversations over).
func (g *events) event(user int64, text bool) dialog.Event {
	g.updateID++
	id := strconv.FormatInt(user, 10)
	ev := dialog.Event{
		ExternalID: strconv.FormatInt(g.updateID, 10),
		From: storage.Contact{Channel: dialog.ChannelTelegram, ExternalID: id, Address: id,
			Name: "Growth Customer", Language: "en"},
		Kind: dialog.KindCommand, Command: "start", At: time.Now().UTC(),
	}
	if text {
		ev.Kind, ev.Command, ev.Text = dialog.KindText, "", "Hello, where is my order?"
	}
	return ev
}

// result is one phase's figures.
type result struct {
	rate, seqRows, seqScans, idxScans float64
	// byTable says which tables were scanned: scans and rows read.
	byTable string
}

// phase handles o.updates events in batches of o.batch, users drawn by
// user (every other one a question when text is set), and measures the rate and the sequential scans on the hot tables.
func phase(ctx context.Context, store *storage.Storage, e *dialog.Engine, g *events, o options,
	user func() int64, text bool) (result, error) {
	before, err := seqStats(ctx, store)
	if err != nil {
		return result{}, err
	}
	start := time.Now()
	done := 0
	for done < o.updates {
		n := min(o.batch, o.updates-done)
		evs := make([]dialog.Event, n)
		for i := range evs {
			evs[i] = g.event(user(), text && i%2 == 1)
		}
		for i, r := range e.HandleBatch(ctx, evs) {
			if r.Err != nil {
				return result{}, fmt.Errorf("event %s: %w", evs[i].ExternalID, r.Err)
			}
		}
		done += n
	}
	elapsed := time.Since(start)
	after, err := seqStats(ctx, store)
	if err != nil {
		return result{}, err
	}
	return result{
		rate:     float64(done) / elapsed.Seconds(),
		seqRows:  float64(after.rows-before.rows) / float64(done),
		seqScans: float64(after.scans-before.scans) / float64(done),
		idxScans: float64(after.idx-before.idx) / float64(done),
		byTable:  byTable(before, after),
	}, nil
}

// byTable lists the tables scanned sequentially between before and after:
// "identities 500/1250000" is 500 scans that read 1,250,000 rows.
func byTable(before, after seqCounts) string {
	var out []string
	for _, t := range []string{"identities", "customers", "conversations", "messages", "outbox"} {
		if d := after.byTable[t][0] - before.byTable[t][0]; d > 0 {
			out = append(out, fmt.Sprintf("%s %d/%d", t, d, after.byTable[t][1]-before.byTable[t][1]))
		}
	}
	return strings.Join(out, ", ")
}
