// Package cpu says how busy the machine's CPUs were between two moments and
// which commands kept them busy, from /proc: benchmarks on a shared machine
// report what other people's work took meanwhile.
package cpu

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"
)

// clockTicks is USER_HZ, the unit of /proc's CPU times (100 on Linux).
const clockTicks = 100

// Snapshot is the machine's CPU time and each command's, from /proc.
type Snapshot struct {
	at        time.Time
	busy      int64            // ticks, all CPUs, not idle or iowait
	byPID     map[int]procTime // ticks per process
	readError error
}

type procTime struct {
	comm  string
	ticks int64
}

// Take reads the machine's and every process's CPU time now.
func Take() Snapshot {
	s := Snapshot{at: time.Now(), byPID: map[int]procTime{}}
	raw, err := os.ReadFile("/proc/stat")
	if err != nil {
		s.readError = err
		return s
	}
	line, _, _ := strings.Cut(string(raw), "\n")
	for i, f := range strings.Fields(line)[1:] {
		n, _ := strconv.ParseInt(f, 10, 64)
		if i != 3 && i != 4 && i < 8 { // skip idle and iowait; guest is counted in user
			s.busy += n
		}
	}
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, p := range stats {
		raw, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		open, close := strings.IndexByte(string(raw), '('), strings.LastIndexByte(string(raw), ')')
		if open < 0 || close < open {
			continue
		}
		fields := strings.Fields(string(raw)[close+1:])
		if len(fields) < 13 {
			continue
		}
		utime, _ := strconv.ParseInt(fields[11], 10, 64)
		stime, _ := strconv.ParseInt(fields[12], 10, 64)
		pid, _ := strconv.Atoi(filepath.Base(filepath.Dir(p)))
		s.byPID[pid] = procTime{comm: string(raw)[open+1 : close], ticks: utime + stime}
	}
	return s
}

// Use is how busy the machine was between two snapshots, in cores.
type Use struct {
	Busy   float64 // the whole machine
	Ours   float64 // this process and the servers it runs, PostgreSQL included
	Others float64 // everything else: other people's work on a shared machine
	Detail string  // the busiest commands
}

// ourCommands are the commands a benchmark run starts, counted as ours
// whoever started them. PostgreSQL may serve others too, so this errs
// towards ours.
var ourCommands = map[string]bool{"postgres": true, "loadgen": true, "bareecho": true, "wrk": true, "pgbench": true, "switchboard": true, "events": true}

// Split says how many cores the machine was busy between two snapshots
// and which commands used them, busiest first. Ours are this process, the
// pids in mine and ourCommands; processes that ended in between are
// counted only in busy, so in others.
func Split(a, b Snapshot, mine ...int) Use {
	if a.readError != nil || b.readError != nil {
		return Use{Detail: "unknown (no /proc)"}
	}
	secs := b.at.Sub(a.at).Seconds()
	if secs <= 0 {
		return Use{Detail: "unknown"}
	}
	cores := func(ticks int64) float64 { return float64(ticks) / clockTicks / secs }
	ours := map[int]bool{os.Getpid(): true}
	for _, pid := range mine {
		ours[pid] = true
	}
	byComm := map[string]int64{}
	var ourTicks int64
	for pid, t := range b.byPID {
		d := t.ticks - a.byPID[pid].ticks
		byComm[t.comm] += d
		if ours[pid] || ourCommands[t.comm] {
			ourTicks += d
		}
	}
	type use struct {
		comm  string
		ticks int64
	}
	var uses []use
	for comm, ticks := range byComm {
		if cores(ticks) >= 0.02 {
			uses = append(uses, use{comm, ticks})
		}
	}
	sort.Slice(uses, func(i, j int) bool { return uses[i].ticks > uses[j].ticks })
	var parts []string
	for _, u := range uses {
		parts = append(parts, fmt.Sprintf("%s %.2f", u.comm, cores(u.ticks)))
	}
	u := Use{Busy: cores(b.busy - a.busy), Ours: cores(ourTicks)}
	u.Others = max(0, u.Busy-u.Ours)
	u.Detail = fmt.Sprintf("%.2f of %d cores busy, %.2f not ours: %s", u.Busy, runtime.NumCPU(), u.Others, strings.Join(parts, ", "))
	return u
}

// WaitQuiet waits until the machine is nearly idle — less than threshold
// cores busy over one second — or until limit, and says what it saw.
func WaitQuiet(threshold float64, limit time.Duration) (Use, bool) {
	deadline := time.Now().Add(limit)
	for {
		a := Take()
		time.Sleep(time.Second)
		u := Split(a, Take())
		if u.Busy < threshold {
			return u, true
		}
		if time.Now().After(deadline) {
			return u, false
		}
	}
}
