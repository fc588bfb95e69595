// Command callbacks measures switchboard's callback dialer with 100,000
// callbacks scheduled: how late callbacks that fall due start (the call to
// the operator placed, against when the callback was due) and how many
// callbacks a second one or several dialers claim and dial.
//
// It runs real callback.Dialer instances (Run, at their poll interval) as
// goroutines of this process, each with its own storage.Storage and so its
// own connection pool, its own dialog engine and lease owner, as separate
// switchboard processes would have, and started spread over one poll
// interval as those would be (-stagger). The database is new: on PostgreSQL a
// database of its own (created, then dropped), or a SQLite file in a
// temporary directory. The telephony provider is in this process: a call
// is placed at once, the operator answers after a fifth of -hold (the
// connect step), the customer's leg completes after -hold and the
// operator's leg reports completed, each through the dialer as
// bots/twilio would pass Twilio's webhooks on; the completion frees the
// operator; -place-delay makes placing a call take as long as Twilio's
// API might. -operators operators are online with phones, enough that a
// free one is always there: what is measured is the scheduler, not
// operators' availability.
//
// Two phases, with -callbacks scheduled in all:
//
//   - schedule: -rate callbacks a second fall due over -window (times
//     drawn uniformly), the rest are due days later. Lateness is the call
//     placed − max(due, dialers started).
//   - drain: -backlog of the days-later callbacks are made due at once;
//     claims per second is how many of them were dialled a second, from
//     that commit to the last call.
//
// Every call placed is counted per callback, so a callback dialled twice
// is reported, and the database is checked for callbacks with more than
// one attempt.
//
//	go run ./bench/callbacks                      # PostgreSQL, one dialer
//	go run ./bench/callbacks -instances 3
//	go run ./bench/callbacks -db sqlite
//	go run ./bench/callbacks -wake next-due       # the wake experiment (see -help)
//	go run ./bench/callbacks -place-delay 200ms -rate 2 -window 1m -backlog 1000
//
// It prints what it measured and one RESULT line per phase.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	mrand "math/rand/v2"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"syscall"
	"time"

	"github.com/switchboardhq/switchboard/storage"
)

// options are the command's flags.
type options struct {
	db           string
	label        string
	instances    int
	callbacks    int
	rate         float64
	window       time.Duration
	backlog      int
	operators    int
	hold         time.Duration
	placeDelay   time.Duration
	poll         time.Duration
	wake         string
	lead         time.Duration
	grace        time.Duration
	drainTimeout time.Duration
	keep         bool
	explain      bool
	stagger      bool
	cpuProfile   string
}

func main() {
	var o options
	flag.StringVar(&o.db, "db", "postgres://postgres@127.0.0.1:5432/test?sslmode=disable",
		"PostgreSQL server URL (a database bench_callbacks_… is created on it and dropped after), or sqlite")
	flag.StringVar(&o.label, "label", "", "name of the run in RESULT lines (default from the flags)")
	flag.IntVar(&o.instances, "instances", 1, "dialers, each with its own connection pool and owner")
	flag.IntVar(&o.callbacks, "callbacks", 100_000, "callbacks scheduled in all")
	flag.Float64Var(&o.rate, "rate", 20, "schedule phase: callbacks falling due per second")
	flag.DurationVar(&o.window, "window", 2*time.Minute, "schedule phase: how long callbacks keep falling due")
	flag.IntVar(&o.backlog, "backlog", 10_000, "drain phase: callbacks made due at once (0 skips the phase)")
	flag.IntVar(&o.operators, "operators", 400, "operators online with a phone")
	flag.DurationVar(&o.hold, "hold", 500*time.Millisecond, "how long an operator is on a callback's call")
	flag.DurationVar(&o.placeDelay, "place-delay", 0, "how long placing a call takes, as Twilio's API would (0: at once); lateness is still counted from when the call was asked for")
	flag.DurationVar(&o.poll, "poll", 0, "the dialers' poll interval (0: callback.DefaultPollInterval)")
	flag.StringVar(&o.wake, "wake", "poll", "poll: the dialers as they are; next-due: also wake each from outside at the earliest due time and when its operator's call ends (the experiment before commit baf74e3 built that into Dialer.Run; since, it only adds wakes)")
	flag.DurationVar(&o.lead, "lead", 5*time.Second, "time from seeding to the first due callback of the schedule phase")
	flag.DurationVar(&o.grace, "grace", 30*time.Second, "schedule phase: how long after the window to wait for the last calls")
	flag.DurationVar(&o.drainTimeout, "drain-timeout", 5*time.Minute, "drain phase: the longest it may take")
	flag.BoolVar(&o.stagger, "stagger", true, "start the instances spread over one poll interval, as separate processes would be, rather than all at once")
	flag.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of this process during the drain phase to this file")
	flag.BoolVar(&o.keep, "keep", false, "keep the database (or SQLite file) afterwards")
	flag.BoolVar(&o.explain, "explain", true, "on PostgreSQL, print the claim query's plan when the backlog is due")
	flag.Parse()
	if err := o.check(); err != nil {
		fmt.Fprintln(os.Stderr, "callbacks:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "callbacks:", err)
		os.Exit(1)
	}
}

func (o *options) check() error {
	var errs []error
	if o.instances < 1 {
		errs = append(errs, errors.New("-instances must be at least 1"))
	}
	if o.wake != "poll" && o.wake != "next-due" {
		errs = append(errs, fmt.Errorf("-wake %q: want poll or next-due", o.wake))
	}
	if o.rate <= 0 || o.window <= 0 || o.hold <= 0 || o.operators < 1 || o.placeDelay < 0 {
		errs = append(errs, errors.New("-rate, -window, -hold and -operators must be positive"))
	}
	if o.onSchedule()+o.backlog > o.callbacks {
		errs = append(errs, fmt.Errorf("-rate × -window (%d) plus -backlog (%d) is more than -callbacks (%d)", o.onSchedule(), o.backlog, o.callbacks))
	}
	if o.label == "" {
		db := "postgres"
		if o.db == "sqlite" {
			db = "sqlite"
		}
		o.label = fmt.Sprintf("%s-x%d-poll%s-%s", db, o.instances, pollOf(*o), o.wake)
		if o.placeDelay > 0 {
			o.label += "-place" + o.placeDelay.String()
		}
		if !o.stagger && o.instances > 1 {
			o.label += "-together"
		}
	}
	return errors.Join(errs...)
}

// onSchedule is how many callbacks fall due in the schedule phase.
func (o options) onSchedule() int { return int(o.rate * o.window.Seconds()) }

func run(ctx context.Context, o options) error {
	fmt.Printf("machine: nproc=%d GOMAXPROCS=%d load average %s\n", runtime.NumCPU(), runtime.GOMAXPROCS(0), loadAverage())
	db, err := prepareDatabase(ctx, o.db, o.keep)
	if err != nil {
		return err
	}
	defer db.close()
	window, err := seed(ctx, db, o)
	if err != nil {
		return err
	}

	t := newTally()
	logs := newLogCounter()
	schedule := phase{name: "schedule", due: window.due}
	cpu0, tx0, upd0 := markCPU(), db.transactions(ctx), db.callbackUpdates(ctx)
	schedule.claimable = time.Now()
	ds, err := startDialers(ctx, db, dialerOptions{instances: o.instances, poll: o.poll, hold: o.hold,
		placeDelay: o.placeDelay, wakeAtDue: o.wake == "next-due", stagger: o.stagger}, t, slog.New(logs))
	if err != nil {
		return err
	}
	stopped := false
	defer func() {
		if !stopped {
			ds.shutdown()
		}
	}()
	fmt.Printf("schedule: %d callbacks due over %s from %s (%g/s), %d instance(s), poll %s, wake %s\n",
		len(schedule.due), o.window, window.start.Format("15:04:05"), o.rate, o.instances, pollOf(o), o.wake)
	waitDialled(ctx, t, schedule, window.start.Add(o.window+o.grace))
	cpu1, tx1 := markCPU(), db.transactions(ctx)
	rs := summarize(schedule, t.firstCalls(schedule.ids()))
	report(o, "schedule", rs, rs.perSecond(window.start), cpu0, cpu1, tx1-tx0)

	if o.backlog > 0 && ctx.Err() == nil {
		ids, at, err := db.makeDue(ctx, o.backlog, window.start.Add(o.window))
		if err != nil {
			return err
		}
		cpu2, tx2 := markCPU(), db.transactions(ctx)
		drain := phase{name: "drain", due: make(map[uint64]time.Time, len(ids)), claimable: at}
		for _, id := range ids {
			drain.due[id] = at
		}
		fmt.Printf("drain: %d callbacks made due at %s\n", len(ids), at.Format("15:04:05.000"))
		if o.explain && db.dialect == storage.Postgres {
			if plan, err := db.explainClaim(ctx, 100); err == nil {
				fmt.Fprintf(os.Stderr, "claim query with the backlog due:\n%s\n", plan)
			} else {
				fmt.Fprintln(os.Stderr, "callbacks:", err)
			}
		}
		stopProfile, err := startProfile(o.cpuProfile)
		if err != nil {
			return err
		}
		waitDialled(ctx, t, drain, at.Add(o.drainTimeout))
		stopProfile()
		cpu3, tx3 := markCPU(), db.transactions(ctx)
		rd := summarize(drain, t.firstCalls(drain.ids()))
		report(o, "drain", rd, rd.perSecond(at), cpu2, cpu3, tx3-tx2)
	}

	ds.shutdown()
	stopped = true
	return check(ctx, db, o, t, ds, logs, upd0)
}

// startProfile starts a CPU profile into path, if one is asked for, and
// returns what stops it.
func startProfile(path string) (stop func(), err error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("-cpuprofile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("-cpuprofile: %w", err)
	}
	return func() { pprof.StopCPUProfile(); _ = f.Close() }, nil
}

func pollOf(o options) time.Duration { return pollOrDefault(o.poll) }

// scheduled is the schedule phase's callbacks as seeded.
type scheduled struct {
	start time.Time
	due   map[uint64]time.Time
}

// seed migrates the schema, adds the operators and the callbacks: first
// those due days later (then ANALYZE, as autovacuum would have), then
// those due over the window, starting -lead from now.
func seed(ctx context.Context, db *benchDB, o options) (scheduled, error) {
	began := time.Now()
	store, err := storage.Open(ctx, db.url)
	if err != nil {
		return scheduled{}, err
	}
	if _, err := store.Migrate(ctx); err != nil {
		_ = store.Close()
		return scheduled{}, fmt.Errorf("migrate: %w", err)
	}
	err = seedOperators(ctx, store, o.operators)
	_ = store.Close()
	if err != nil {
		return scheduled{}, err
	}
	if err := db.openAdmin(); err != nil {
		return scheduled{}, err
	}
	customer, err := db.seedCustomer(ctx)
	if err != nil {
		return scheduled{}, err
	}
	later := o.callbacks - o.onSchedule()
	if err := db.seedCallbacks(ctx, customer, evenlyDue(time.Now().Add(24*time.Hour), 7*24*time.Hour, later)); err != nil {
		return scheduled{}, err
	}
	if err := db.analyze(ctx); err != nil {
		return scheduled{}, err
	}
	start := time.Now().Add(o.lead)
	rng := mrand.New(mrand.NewPCG(7, 100_000))
	if err := db.seedCallbacks(ctx, customer, uniformDue(rng, start, o.window, o.onSchedule())); err != nil {
		return scheduled{}, err
	}
	due, err := db.dueBetween(ctx, start.Add(-time.Second), start.Add(o.window+time.Second))
	if err != nil {
		return scheduled{}, err
	}
	fmt.Printf("seeded: %d callbacks (%d due over the window, %d later), %d operators, in %.1fs; load average %s\n",
		o.callbacks, len(due), later, o.operators, time.Since(began).Seconds(), loadAverage())
	return scheduled{start: start, due: due}, nil
}

// waitDialled waits until every callback of p has been dialled, or until
// deadline, printing progress every 10 seconds.
func waitDialled(ctx context.Context, t *tally, p phase, deadline time.Time) {
	ids := p.ids()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	progress := time.Now()
	for {
		n := t.dialled(ids)
		if n == len(ids) {
			return
		}
		if time.Now().After(deadline) {
			fmt.Fprintf(os.Stderr, "%s: gave up with %d of %d dialled\n", p.name, n, len(ids))
			return
		}
		if time.Since(progress) >= 10*time.Second {
			progress = time.Now()
			fmt.Fprintf(os.Stderr, "%s: %d of %d dialled, load average %s\n", p.name, n, len(ids), loadAverage())
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
