// Command search measures conversation search (package search) on a large
// database: it seeds -customers customers with two conversations each and
// -messages messages spread over them (Russian and English words, names,
// usernames, UK phone numbers), then times -queries searches of each kind
// — ticket, phone in three formats, name, @username, a word's start — and
// prints p50, p95 and the slowest. It then times what the index costs the
// webhook path: -writes messages written one per transaction, as a webhook
// writes them, with the index kept and with it dropped.
//
//	go run ./bench/search -db 'postgres://postgres@127.0.0.1:5432/test?sslmode=disable'
//	go run ./bench/search -db sqlite:///tmp/search-bench.db
//
// On PostgreSQL it works in a schema of its own (-schema), kept between
// runs so a second run skips the seeding; -fresh drops it first.
package main

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/switchboardhq/switchboard/search"
	"github.com/switchboardhq/switchboard/storage"
)

type options struct {
	db        string
	schema    string
	fresh     bool
	customers int
	messages  int
	queries   int
	writes    int
	only      string
}

func main() {
	var o options
	flag.StringVar(&o.db, "db", "", "database URL: postgres://… or sqlite://PATH")
	flag.StringVar(&o.schema, "schema", "bench_search", "PostgreSQL: the schema to seed and search")
	flag.BoolVar(&o.fresh, "fresh", false, "drop what an earlier run seeded first")
	flag.IntVar(&o.customers, "customers", 100_000, "customers to seed (two conversations each)")
	flag.IntVar(&o.messages, "messages", 1_000_000, "messages to seed")
	flag.IntVar(&o.queries, "queries", 200, "searches of each kind to time")
	flag.IntVar(&o.writes, "writes", 2000, "messages written one per transaction, with and without the index")
	flag.StringVar(&o.only, "only", "", "time only the kinds of query whose name holds this, and no writes")
	flag.Parse()
	if err := run(context.Background(), o); err != nil {
		fmt.Fprintln(os.Stderr, "search bench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, o options) error {
	if o.db == "" {
		return fmt.Errorf("-db is required")
	}
	dbURL := o.db
	if strings.HasPrefix(dbURL, "postgres") {
		admin, err := storage.Open(ctx, dbURL)
		if err != nil {
			return err
		}
		if o.fresh {
			if err := admin.Exec(ctx, "DROP SCHEMA IF EXISTS "+o.schema+" CASCADE"); err != nil {
				return err
			}
		}
		if err := admin.Exec(ctx, "CREATE SCHEMA IF NOT EXISTS "+o.schema); err != nil {
			return err
		}
		_ = admin.Close()
		u, err := url.Parse(dbURL)
		if err != nil {
			return err
		}
		q := u.Query()
		q.Set("search_path", o.schema)
		u.RawQuery = q.Encode()
		dbURL = u.String()
	} else if o.fresh {
		path := strings.TrimPrefix(dbURL, "sqlite://")
		for _, suffix := range []string{"", "-wal", "-shm"} {
			_ = os.Remove(path + suffix)
		}
	}
	store, err := storage.Open(ctx, dbURL)
	if err != nil {
		return err
	}
	defer store.Close()
	if _, err := store.Migrate(ctx); err != nil {
		return err
	}
	var counts []struct{ N int64 }
	if err := store.Select(ctx, &counts, "SELECT count(*) AS n FROM messages"); err != nil {
		return err
	}
	if counts[0].N < int64(o.messages) {
		start := time.Now()
		if err := seed(ctx, store, o); err != nil {
			return fmt.Errorf("seed: %w", err)
		}
		fmt.Printf("seeded %d customers, %d conversations, %d messages in %s\n",
			o.customers, 2*o.customers, o.messages, time.Since(start).Round(time.Second))
	}
	if store.Dialect() == storage.Postgres {
		if err := store.Exec(ctx, "VACUUM ANALYZE"); err != nil {
			return err
		}
	}
	if err := timeSearches(ctx, store, o); err != nil {
		return err
	}
	if o.only != "" {
		return nil
	}
	return timeWrites(ctx, store, o)
}

// timeSearches runs each kind of query o.queries times, on customers and
// words picked at random, and prints the latencies.
func timeSearches(ctx context.Context, store *storage.Storage, o options) error {
	s := search.New(store, "GB")
	rng := rand.New(rand.NewPCG(1, 2))
	kinds := []struct {
		name string
		q    func() string
	}{
		{"ticket SB-000042", func() string { return storage.FormatTicket(uint64(1 + rng.IntN(2*o.customers))) }},
		{"ticket 42", func() string { return fmt.Sprint(1 + rng.IntN(2*o.customers)) }},
		{"number 1-99", func() string { return fmt.Sprint(1 + rng.IntN(99)) }},
		{"phone +44 77xx xxxxxx", func() string { n := phoneOf(rng.IntN(o.customers)); return "+44 " + n[3:7] + " " + n[7:] }},
		{"phone 077xx-xxxxxx", func() string { n := phoneOf(rng.IntN(o.customers)); return "0" + n[3:7] + "-" + n[7:] }},
		{"phone 4477xxxxxxxx", func() string { return phoneOf(rng.IntN(o.customers))[1:] }},
		{"name (two words)", func() string {
			return firstNames[rng.IntN(len(firstNames))] + " " + lastNames[rng.IntN(len(lastNames))]
		}},
		{"@username", func() string { return "@" + usernameOf(rng.IntN(o.customers)) }},
		{"word prefix, rare", func() string { return prefix(rareWord(rng), 5) }},
		// A rare word's first 4 letters match a few thousand messages:
		// between a probe's "rare" and "common".
		{"word prefix, 4 of a rare", func() string { return prefix(rareWord(rng), 4) }},
		{"word prefix, common (ru)", func() string { return prefix(commonRu[rng.IntN(len(commonRu))], 4) }},
		{"word prefix, common (en)", func() string { return prefix(commonEn[rng.IntN(len(commonEn))], 4) }},
		{"two words", func() string { return commonRu[rng.IntN(len(commonRu))] + " " + rareWord(rng) }},
	}
	fmt.Printf("\n%s, %d searches of each kind, first page of %d\n", store.Dialect(), o.queries, search.DefaultLimit)
	fmt.Printf("%-26s %8s %8s %8s %8s  %s\n", "query", "p50", "p95", "max", "found", "slowest")
	for _, k := range kinds {
		if !strings.Contains(k.name, o.only) {
			continue
		}
		lat := make([]time.Duration, 0, o.queries)
		found := 0
		var slowest string
		var slowestTook time.Duration
		for range o.queries {
			q := k.q()
			start := time.Now()
			page, err := s.Search(ctx, q, search.DefaultLimit, "")
			if err != nil {
				return fmt.Errorf("search %q: %w", q, err)
			}
			took := time.Since(start)
			lat = append(lat, took)
			if took > slowestTook {
				slowest, slowestTook = q, took
			}
			if len(page.Results) > 0 {
				found++
			}
		}
		sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
		fmt.Printf("%-26s %8s %8s %8s %7d%%  %q\n", k.name, ms(lat[len(lat)/2]), ms(lat[len(lat)*95/100]), ms(lat[len(lat)-1]),
			100*found/o.queries, slowest)
	}
	return nil
}

// prefix is the first n characters of w.
func prefix(w string, n int) string {
	r := []rune(w)
	return string(r[:min(len(r), n)])
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1fms", float64(d.Microseconds())/1000) }
