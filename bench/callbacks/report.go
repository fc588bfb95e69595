package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/switchboardhq/switchboard/bench/internal/samples"
)

// phase is a set of callbacks measured together: when each fell due, and
// from when the dialers could first have seen it (the dialers' start, or
// the commit that made it due).
type phase struct {
	name      string
	due       map[uint64]time.Time
	claimable time.Time
}

func (p phase) ids() []uint64 {
	out := make([]uint64, 0, len(p.due))
	for id := range p.due {
		out = append(out, id)
	}
	return out
}

// phaseResult is how a phase went.
type phaseResult struct {
	due, dialled       int
	p50, p90, p99, max time.Duration // lateness of those dialled
	// late1s counts those dialled more than a second late.
	late1s int
	// first and last are the first and last call placed.
	first, last time.Time
}

// lateness is how late a call placed at placed started: from when its
// callback was due, or from when the dialers could first claim it if
// that was later.
func lateness(placed, due, claimable time.Time) time.Duration {
	if claimable.After(due) {
		due = claimable
	}
	return placed.Sub(due)
}

// summarize measures p from the first call placed for each of its
// callbacks.
func summarize(p phase, first map[uint64]time.Time) phaseResult {
	r := phaseResult{due: len(p.due)}
	var l samples.Latencies
	for id, due := range p.due {
		at, ok := first[id]
		if !ok {
			continue
		}
		r.dialled++
		d := lateness(at, due, p.claimable)
		l.Add(d)
		if d > time.Second {
			r.late1s++
		}
		if r.first.IsZero() || at.Before(r.first) {
			r.first = at
		}
		if at.After(r.last) {
			r.last = at
		}
	}
	ps, _ := l.Percentiles(50, 90, 99, 100)
	r.p50, r.p90, r.p99, r.max = ps[0], ps[1], ps[2], ps[3]
	return r
}

// perSecond is how many callbacks a second were dialled from from until
// the last call placed; 0 with none.
func (r phaseResult) perSecond(from time.Time) float64 {
	secs := r.last.Sub(from).Seconds()
	if r.dialled == 0 || secs <= 0 {
		return 0
	}
	return float64(r.dialled) / secs
}

func ms(d time.Duration) string {
	return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', 1, 64)
}

// loadAverage is /proc/loadavg's first three fields, "?" without /proc.
func loadAverage() string {
	raw, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(raw))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

// clockTicks is USER_HZ, the unit of /proc's CPU times.
const clockTicks = 100

// cpuMark is the machine's busy CPU time, this process's and each
// PostgreSQL server process's, in ticks, at one moment.
type cpuMark struct {
	at         time.Time
	busy, self int64
	postgres   map[int]int64 // by pid
	ok         bool
}

func markCPU() cpuMark {
	m := cpuMark{at: time.Now(), postgres: map[int]int64{}}
	raw, err := os.ReadFile("/proc/stat")
	if err != nil {
		return m
	}
	line, _, _ := strings.Cut(string(raw), "\n")
	for i, f := range strings.Fields(line)[1:] {
		n, _ := strconv.ParseInt(f, 10, 64)
		if i != 3 && i != 4 && i < 8 { // not idle nor iowait; guest is in user
			m.busy += n
		}
	}
	self := os.Getpid()
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, path := range stats {
		comm, ticks, ok := procTicks(path)
		if !ok {
			continue
		}
		if pid, _ := strconv.Atoi(filepath.Base(filepath.Dir(path))); pid == self {
			m.self = ticks
		} else if comm == "postgres" {
			m.postgres[pid] = ticks
		}
	}
	m.ok = true
	return m
}

// procTicks reads a process's command name and user + system ticks from
// its /proc/PID/stat.
func procTicks(path string) (comm string, ticks int64, ok bool) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return "", 0, false
	}
	s := string(raw)
	open, end := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
	if open < 0 || end < open {
		return "", 0, false
	}
	f := strings.Fields(s[end+1:])
	if len(f) < 13 {
		return "", 0, false
	}
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return s[open+1 : end], utime + stime, true
}

// cpuBetween says, in cores, how busy the machine was between two marks:
// this process (dialers, fake provider, harness), PostgreSQL (its server
// processes alive at b, whoever they serve), and everything else,
// processes that ended in between included.
func cpuBetween(a, b cpuMark) string {
	secs := b.at.Sub(a.at).Seconds()
	if !a.ok || !b.ok || secs <= 0 {
		return "cpu=unknown"
	}
	var pgTicks int64
	for pid, t := range b.postgres {
		pgTicks += t - a.postgres[pid]
	}
	cores := func(t int64) float64 { return float64(t) / clockTicks / secs }
	busy, self, pg := cores(b.busy-a.busy), cores(b.self-a.self), cores(pgTicks)
	return fmt.Sprintf("busy=%.2f ours=%.2f postgres=%.2f others=%.2f", busy, self, pg, max(0, busy-self-pg))
}

// report prints one phase's figures and its RESULT line.
func report(o options, name string, r phaseResult, perSecond float64, a, b cpuMark, txs float64) {
	secs := b.at.Sub(a.at).Seconds()
	txRate := "-"
	if txs == txs && secs > 0 { // not NaN: PostgreSQL
		txRate = fmt.Sprintf("%.0f", txs/secs)
	}
	fmt.Printf("%s: %d of %d dialled, lateness p50 %s ms, p90 %s, p99 %s, max %s; %d more than 1 s late; %.1f dialled/s; %s tx/s; %s; load average %s\n",
		name, r.dialled, r.due, ms(r.p50), ms(r.p90), ms(r.p99), ms(r.max), r.late1s, perSecond, txRate, cpuBetween(a, b), loadAverage())
	fmt.Printf("RESULT label=%s phase=%s instances=%d poll=%s wake=%s due=%d dialled=%d p50_ms=%s p90_ms=%s p99_ms=%s max_ms=%s late_1s=%d per_s=%.1f tx_per_s=%s %s\n",
		o.label, name, o.instances, pollOf(o), o.wake, r.due, r.dialled, ms(r.p50), ms(r.p90), ms(r.p99), ms(r.max), r.late1s,
		perSecond, txRate, cpuBetween(a, b))
}

// check reports what must hold whatever the speed: no callback dialled
// twice, none with two attempts, every call recorded and played out.
func check(ctx context.Context, db *benchDB, o options, t *tally, ds *dialers, logs *logCounter, upd0 float64) error {
	time.Sleep(time.Second) // PostgreSQL's statistics of the closed pools land
	out, err := db.outcome(ctx)
	if err != nil {
		return err
	}
	twice, calls := t.twice()
	used, most := t.operators()
	notLive, hangUps, errs, firstErr := ds.counts()
	var states []string
	for s, n := range out.byState {
		states = append(states, fmt.Sprintf("%s %d", s, n))
	}
	fmt.Printf("calls placed %d, callbacks dialled twice %d, with more than one attempt in the database %d; hung up (not recorded) %d, connect step not live %d, webhook errors %d; operators who took calls %d of %d, most by one %d\n",
		calls, twice, out.multiAttempt, hangUps, notLive, errs, used, o.operators, most)
	fmt.Printf("callbacks by state: %s\n", strings.Join(states, ", "))
	// The drain's own UPDATE changed -backlog rows; the rest are the
	// dialers' and the webhooks'.
	perDial := (db.callbackUpdates(ctx) - upd0 - float64(o.backlog)) / float64(max(calls, 1))
	if perDial == perDial {
		fmt.Printf("callback row updates per call placed: %.2f\n", perDial)
	}
	fmt.Printf("dialer warnings and errors: %s\n", logs.summary())
	if firstErr != "" {
		fmt.Printf("first webhook error: %s\n", firstErr)
	}
	fmt.Printf("RESULT label=%s phase=check calls=%d dialled_twice=%d multi_attempt=%d hung_up=%d not_live=%d webhook_errors=%d log_warnings=%d operators_used=%d most_by_one=%d\n",
		o.label, calls, twice, out.multiAttempt, hangUps, notLive, errs, logs.total(), used, most)
	if twice > 0 || out.multiAttempt > 0 {
		return fmt.Errorf("%d callbacks dialled twice, %d with more than one attempt", twice, out.multiAttempt)
	}
	return nil
}
