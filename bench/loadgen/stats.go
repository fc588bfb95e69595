package main

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// maxSamples bounds the memory latency samples take: 4M × 8 bytes per kind.
const maxSamples = 4 << 20

// counters are what a run counts inside the measured window, except the
// error counts, which cover the whole run (warm-up and drain included).
type counters struct {
	acked        atomic.Int64 // webhook answered 2xx
	replied      atomic.Int64 // reply reached the fake
	non2xx       atomic.Int64
	transport    atomic.Int64 // connection or timeout errors
	replyTimeout atomic.Int64 // acked, but no reply within the reply timeout
	overload     atomic.Int64 // open loop: a due update found too many in flight
	statusMu     sync.Mutex
	statuses     map[int]int64
}

func (c *counters) status(code int) {
	c.non2xx.Add(1)
	c.statusMu.Lock()
	if c.statuses == nil {
		c.statuses = map[int]int64{}
	}
	c.statuses[code]++
	c.statusMu.Unlock()
}

func (c *counters) errors() int64 {
	return c.non2xx.Load() + c.transport.Load() + c.replyTimeout.Load()
}

// memory is the process's resident memory and the Go heap.
type memory struct {
	RSS, HWM  int64 // bytes: VmRSS and VmHWM (peak) from /proc
	HeapInUse uint64
	Sys       uint64
}

// readMemory reads /proc/<pid>/status ("self" for this process) and, for
// this process, the Go runtime's own figures.
func readMemory(pid string) memory {
	var m memory
	f, err := os.Open("/proc/" + pid + "/status")
	if err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			k, v, ok := strings.Cut(sc.Text(), ":")
			if !ok {
				continue
			}
			fields := strings.Fields(v)
			if len(fields) == 0 {
				continue
			}
			n, _ := strconv.ParseInt(fields[0], 10, 64)
			switch k {
			case "VmRSS":
				m.RSS = n << 10
			case "VmHWM":
				m.HWM = n << 10
			}
		}
		_ = f.Close()
	}
	if pid == "self" {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		m.HeapInUse, m.Sys = ms.HeapInuse, ms.Sys
	}
	return m
}

func mb[T int64 | uint64](n T) string { return fmt.Sprintf("%.1f", float64(n)/(1<<20)) }

func ms(d time.Duration) string { return fmt.Sprintf("%.2f", float64(d)/float64(time.Millisecond)) }
