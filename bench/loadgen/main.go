// Command loadgen loads a Telegram webhook with realistic updates and
// measures how fast and how quickly it answers.
//
// Each simulated customer (a distinct Telegram user) sends /start, presses
// the menu's first answer button, then types a question — the usual way
// into a handover — and waits for the bot's reply before its next step.
// Replies go to a fake Telegram (internal/faketelegram) through a recorder
// that notes, per chat, when the fake accepted each message, so latency is
// measured from the webhook POST to the reply delivered.
//
// Modes:
//
//	switchboard  start the fake and switchboard in this process (app.New)
//	             on -db (sqlite, sqlite://PATH or a postgres:// URL, where a
//	             fresh schema is made and dropped) and load its webhook
//	memory       like switchboard, but a fixed -customers (10,000) each
//	             handed over to the queue; reports resident memory
//	target       start the fake; load the webhook at -url of a server run
//	             with -exec (given the fake's address in its environment)
//	replicas     start the fake and -replicas processes of the switchboard
//	             binary -bin on one fresh schema of the postgres:// -db,
//	             each with -max-conns engine connections; send the updates
//	             to each in turn, as a load balancer would
//	bare         post the same updates to -url without watching replies:
//	             requests per second and answer latency only
//	cpu          only report which processes kept the CPUs busy for
//	             -duration (to run beside wrk or pgbench)
//	quiet        wait, at most -duration, until the machine is idle (less
//	             than -quiet cores busy), so a shared machine's other work
//	             disturbs the next measurement less
//
// Without -rate the load is a closed loop of -c customers at a time; with
// -rate N (updates per second) it is an open loop, latency counted from
// when each update was due.
package main

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/switchboardhq/switchboard/bench/internal/cpu"
	"github.com/switchboardhq/switchboard/internal/faketelegram"
	"github.com/switchboardhq/switchboard/storage"
)

type options struct {
	mode, db, url, exec, label string
	conc                       int
	rate                       float64
	duration, warmup           time.Duration
	updates, customers         int64
	maxInFlight                int
	chatInterval, fakeLatency  time.Duration
	perSecond                  float64
	replyTimeout, timeout      time.Duration
	keep                       bool
	cpuProfile                 string
	idleConns                  int
	quiet                      float64
	commitWorkers              int
	bin                        string
	replicas, maxConns         int
}

func main() {
	var o options
	var rate string
	flag.StringVar(&o.mode, "mode", "switchboard", "switchboard, memory, target, replicas, bare, cpu or quiet")
	flag.StringVar(&o.db, "db", "sqlite", "database for switchboard and memory: sqlite, sqlite://PATH or postgres://…")
	flag.StringVar(&o.url, "url", "", "webhook URL for target and bare")
	flag.StringVar(&o.exec, "exec", "", "target: command that runs the server (split on spaces)")
	flag.StringVar(&o.label, "label", "", "name of this run in the RESULT line (default: the mode)")
	flag.IntVar(&o.commitWorkers, "commit-workers", 0, "switchboard: group commits at once (0: app.New's default)")
	flag.IntVar(&o.conc, "c", 64, "closed loop: customers in flight at once")
	flag.StringVar(&rate, "rate", "", "open loop: updates per second, such as 500 or 500/s")
	flag.DurationVar(&o.duration, "duration", 10*time.Second, "measured time, after the warm-up")
	flag.DurationVar(&o.warmup, "warmup", 2*time.Second, "unmeasured time first")
	flag.Int64Var(&o.updates, "updates", 0, "stop after this many updates (0: no limit but -duration)")
	flag.Int64Var(&o.customers, "customers", 0, "stop after this many customers (memory: default 10000)")
	flag.IntVar(&o.maxInFlight, "max-inflight", 20000, "open loop: most updates waiting at once")
	flag.DurationVar(&o.chatInterval, "chat-interval", 0, "TELEGRAM_CHAT_INTERVAL for the server under test")
	flag.Float64Var(&o.perSecond, "telegram-per-second", 100000, "TELEGRAM_MAX_PER_SECOND for the server under test")
	flag.DurationVar(&o.fakeLatency, "fake-latency", 0, "delay the fake Telegram adds to every answer")
	flag.DurationVar(&o.replyTimeout, "reply-timeout", 10*time.Second, "how long to wait for a reply before counting an error")
	flag.DurationVar(&o.timeout, "timeout", 5*time.Minute, "hard limit on the whole run")
	flag.BoolVar(&o.keep, "keep", false, "keep the SQLite file or PostgreSQL schema")
	flag.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of the measured window (whole process)")
	flag.Float64Var(&o.quiet, "quiet", 0.3, "quiet mode: wait (at most -duration) until fewer cores than this are busy")
	flag.IntVar(&o.idleConns, "experiment-idle-conns", 0, "experiment, in-process only: raise http.DefaultTransport's MaxIdleConnsPerHost, which switchboard's Telegram client uses (0: leave Go's default of 2)")
	flag.StringVar(&o.bin, "bin", "", "replicas: the switchboard binary to run")
	flag.IntVar(&o.replicas, "replicas", 3, "replicas: how many processes")
	flag.IntVar(&o.maxConns, "max-conns", 16, "replicas: SWITCHBOARD_DATABASE_MAX_CONNS of each process")
	flag.Parse()
	if rate != "" {
		r, err := strconv.ParseFloat(strings.TrimSuffix(rate, "/s"), 64)
		if err != nil || r <= 0 {
			fatalf("-rate %q: want updates per second such as 500 or 500/s", rate)
		}
		o.rate = r
	}
	if o.label == "" {
		o.label = o.mode
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	if err := run(ctx, o); err != nil {
		fatalf("%v", err)
	}
}

func fatalf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "loadgen: "+format+"\n", args...)
	os.Exit(1)
}

func run(ctx context.Context, o options) error {
	switch o.mode {
	case "cpu":
		// Only watch the machine, e.g. while wrk or pgbench runs.
		a := cpu.Take()
		select {
		case <-time.After(o.duration):
		case <-ctx.Done():
		}
		u := cpu.Split(a, cpu.Take())
		fmt.Printf("CPU label=%s busy=%.2f others=%.2f  # %s\n", o.label, u.Busy, u.Others, u.Detail)
		return nil
	case "quiet":
		if u, ok := cpu.WaitQuiet(o.quiet, o.duration); !ok {
			fmt.Printf("loadgen: the machine is still busy after %s, going on: %s\n", o.duration, u.Detail)
		}
		return nil
	case "bare":
		if o.url == "" {
			return fmt.Errorf("-mode bare needs -url")
		}
		g := newGenerator(o.url, webhookSecret, o.conc, nil)
		load(ctx, g, o)
		report(o, g, nil, memory{}, "")
		return nil
	case "switchboard", "memory", "target", "replicas":
	default:
		return fmt.Errorf("unknown -mode %q", o.mode)
	}
	fake := faketelegram.NewWithConfig(faketelegram.Config{Latency: o.fakeLatency})
	rec := newRecorder(fake)
	defer rec.Close()
	stopResets := resetPeriodically(rec, 2*time.Second)
	defer stopResets()
	switch o.mode {
	case "target":
		return runTarget(ctx, o, rec)
	case "replicas":
		return runReplicas(ctx, o, rec)
	}
	return runSwitchboard(ctx, o, rec)
}

// runTarget loads a server at -url, started with -exec when given, whose
// replies go to the fake behind rec.
func runTarget(ctx context.Context, o options, rec *recorder) error {
	if o.url == "" {
		return fmt.Errorf("-mode target needs -url")
	}
	var c *child
	if o.exec != "" {
		var err error
		if c, err = startChild(o.exec, botEnv(rec, o.chatInterval, o.perSecond), o.url); err != nil {
			return err
		}
		defer c.stop()
	}
	fmt.Fprintf(os.Stderr, "loadgen: target %s; fake Telegram at %s\n", o.url, rec.fake.URL())
	g := newGenerator(o.url, webhookSecret, o.conc, rec)
	if c != nil {
		g.childPIDs = []int{c.cmd.Process.Pid}
	}
	if o.customers > 0 && o.updates == 0 {
		o.warmup = 0 // a fixed population is measured whole
	}
	load(ctx, g, o)
	var mem memory
	if c != nil {
		mem = readMemory(c.pid())
	}
	report(o, g, rec, mem, "server process")
	return nil
}

// runSwitchboard builds switchboard in this process on -db and loads it;
// in memory mode with a fixed population of customers, then reports the
// conversations' states and the memory they hold.
func runSwitchboard(ctx context.Context, o options, rec *recorder) error {
	if o.idleConns > 0 {
		http.DefaultTransport.(*http.Transport).MaxIdleConnsPerHost = o.idleConns
		fmt.Fprintf(os.Stderr, "loadgen: experiment: http.DefaultTransport.MaxIdleConnsPerHost = %d\n", o.idleConns)
	}
	dbURL, drop, err := prepareDatabase(ctx, o.db, o.keep)
	if err != nil {
		return err
	}
	defer drop()
	sb, err := startSwitchboard(ctx, dbURL, rec, o)
	if err != nil {
		return err
	}
	defer func() {
		if err := sb.shutdown(); err != nil {
			fmt.Fprintf(os.Stderr, "loadgen: switchboard stopped: %v\n", err)
		}
	}()
	fmt.Fprintf(os.Stderr, "loadgen: switchboard at %s on %s; fake Telegram at %s\n",
		sb.webhookURL(), o.db, rec.fake.URL())
	if sb.app.Store.Dialect() == storage.Postgres && o.warmup > 0 {
		// The schema is new and its tables grow from nothing: statistics
		// taken halfway through the warm-up stand in for autovacuum's
		// ANALYZE, which a running installation has had long since, so
		// the measured window sees the plans production sees.
		go func() {
			select {
			case <-time.After(o.warmup / 2):
				if err := sb.app.Store.Exec(ctx, "ANALYZE"); err != nil {
					fmt.Fprintf(os.Stderr, "loadgen: analyze: %v\n", err)
				}
			case <-ctx.Done():
			}
		}()
	}
	g := newGenerator(sb.webhookURL(), webhookSecret, o.conc, rec)
	if o.mode == "memory" {
		if o.customers == 0 {
			o.customers = 10000
		}
		o.warmup, o.duration = 0, o.timeout // bounded by the customers
	}
	load(ctx, g, o)
	mem := readMemory("self")
	note := "this process: switchboard, the fake Telegram and the generator"
	if o.mode == "memory" {
		states, err := sb.app.Store.CountByState(ctx)
		if err != nil {
			return err
		}
		fmt.Printf("conversations by state: %v\n", states)
		fmt.Printf("memory with them in flight: rss=%s MB hwm=%s MB go_heap_inuse=%s MB go_sys=%s MB\n",
			mb(mem.RSS), mb(mem.HWM), mb(mem.HeapInUse), mb(mem.Sys))
		rec.resetFake()
		runtime.GC()
		debug.FreeOSMemory()
		mem = readMemory("self")
		note = "this process after GC, fake Telegram records dropped"
	}
	report(o, g, rec, mem, note)
	fmt.Printf("  commits      %s\n", commitSummary())
	return nil
}

// load runs the warm-up and the measured window.
func load(ctx context.Context, g *generator, o options) {
	g.maxCustomers, g.maxUpdates, g.replyTimeout = o.customers, o.updates, o.replyTimeout
	start := time.Now()
	from := start.Add(o.warmup)
	to := from.Add(o.duration)
	g.setWindow(from, to)
	if o.cpuProfile != "" {
		go profileWindow(ctx, o.cpuProfile, from, to)
	}
	cpuDone := make(chan struct{})
	go func() {
		defer close(cpuDone)
		select {
		case <-time.After(time.Until(from)):
		case <-ctx.Done():
			return
		}
		a := cpu.Take()
		select {
		case <-time.After(time.Until(to)):
		case <-ctx.Done():
		case <-g.stopped:
		}
		g.cpu = cpu.Split(a, cpu.Take(), g.childPIDs...)
	}()
	defer func() { <-cpuDone }()
	if o.rate > 0 {
		g.openLoop(ctx, o.rate, o.maxInFlight, to)
	} else {
		g.closedLoop(ctx, o.conc, to)
	}
	if end := time.Now(); end.Before(to) {
		g.setWindow(from, end) // stopped early by the budget
	}
	close(g.stopped)
}

func profileWindow(ctx context.Context, path string, from, to time.Time) {
	select {
	case <-time.After(time.Until(from)):
	case <-ctx.Done():
		return
	}
	f, err := os.Create(path)
	if err != nil {
		fmt.Fprintf(os.Stderr, "loadgen: cpu profile: %v\n", err)
		return
	}
	defer f.Close()
	if err := pprof.StartCPUProfile(f); err != nil {
		fmt.Fprintf(os.Stderr, "loadgen: cpu profile: %v\n", err)
		return
	}
	select {
	case <-time.After(time.Until(to)):
	case <-ctx.Done():
	}
	pprof.StopCPUProfile()
}

// resetPeriodically keeps the fake's records small during long runs.
func resetPeriodically(rec *recorder, every time.Duration) (stop func()) {
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				rec.resetFake()
			}
		}
	}()
	return func() { close(done) }
}

func report(o options, g *generator, rec *recorder, mem memory, memNote string) {
	window := time.Duration(g.to.Load() - g.from.Load())
	secs := window.Seconds()
	ackP, ackN := g.ack.Percentiles(50, 90, 99, 100)
	e2eP, e2eN := g.e2e.Percentiles(50, 90, 99, 100)
	loop := fmt.Sprintf("closed loop, %d customers at a time", o.conc)
	if o.rate > 0 {
		loop = fmt.Sprintf("open loop, %.0f updates/s offered", o.rate)
	}
	fmt.Printf("%s (%s, %s)\n", o.label, o.mode, loop)
	started := g.customers.Load()
	if g.maxCustomers > 0 {
		started = min(started, g.maxCustomers)
	}
	fmt.Printf("  window       %.1f s, %d customers started\n", secs, started)
	fmt.Printf("  acknowledged %d updates, %.0f/s; webhook answer p50 %s ms, p90 %s, p99 %s, max %s (%d samples)\n",
		g.cnt.acked.Load(), float64(g.cnt.acked.Load())/secs, ms(ackP[0]), ms(ackP[1]), ms(ackP[2]), ms(ackP[3]), ackN)
	if rec != nil {
		fmt.Printf("  replied      %d, %.0f/s; POST to reply p50 %s ms, p90 %s, p99 %s, max %s (%d samples)\n",
			g.cnt.replied.Load(), float64(g.cnt.replied.Load())/secs, ms(e2eP[0]), ms(e2eP[1]), ms(e2eP[2]), ms(e2eP[3]), e2eN)
		fmt.Printf("  fake         %d messages accepted, %d seen by the recorder, %d unexpected\n",
			rec.fakeSent.Load()+int64(len(rec.fake.SentMessages())), rec.replies.Load(), rec.unexpected.Load())
	}
	g.cnt.statusMu.Lock()
	var codes []string
	for code, n := range g.cnt.statuses {
		codes = append(codes, fmt.Sprintf("%d×%d", n, code))
	}
	g.cnt.statusMu.Unlock()
	sort.Strings(codes)
	fmt.Printf("  errors       %d: non-2xx %d %v, transport %d, reply timeouts %d; open-loop overload %d\n",
		g.cnt.errors(), g.cnt.non2xx.Load(), codes, g.cnt.transport.Load(), g.cnt.replyTimeout.Load(), g.cnt.overload.Load())
	if g.cpu.Detail != "" {
		fmt.Printf("  cpu          %s\n", g.cpu.Detail)
	}
	if mem.RSS > 0 {
		fmt.Printf("  memory       rss %s MB, peak %s MB (%s)\n", mb(mem.RSS), mb(mem.HWM), memNote)
	}
	rate := "closed"
	if o.rate > 0 {
		rate = strconv.FormatFloat(o.rate, 'f', 0, 64)
	}
	e2e, replies, rss, hwm := []string{"-", "-", "-"}, "-", "-", "-"
	if rec != nil {
		e2e, replies = []string{ms(e2eP[0]), ms(e2eP[1]), ms(e2eP[2])}, fmt.Sprintf("%.0f", float64(g.cnt.replied.Load())/secs)
	}
	if mem.RSS > 0 {
		rss, hwm = mb(mem.RSS), mb(mem.HWM)
	}
	fmt.Printf("RESULT label=%s mode=%s rate=%s conc=%d ack_per_s=%.0f reply_per_s=%s e2e_p50_ms=%s e2e_p90_ms=%s e2e_p99_ms=%s ack_p50_ms=%s ack_p99_ms=%s errors=%d overload=%d rss_mb=%s hwm_mb=%s busy=%.2f others=%.2f\n",
		o.label, o.mode, rate, o.conc, float64(g.cnt.acked.Load())/secs, replies, e2e[0], e2e[1], e2e[2],
		ms(ackP[0]), ms(ackP[2]), g.cnt.errors(), g.cnt.overload.Load(), rss, hwm, g.cpu.Busy, g.cpu.Others)
}
