// Package samples collects the latencies a benchmark command measures,
// from many goroutines at once, and reports their exact percentiles.
package samples

import (
	"slices"
	"sync"
	"time"
)

// Latencies collects durations; percentiles are exact (sorted when asked
// for). The zero value keeps every sample; it is safe for concurrent use.
type Latencies struct {
	// Max, when positive, bounds how many samples are kept, and so the
	// memory they take; later ones are dropped. Set it before the first Add.
	Max int

	mu sync.Mutex
	d  []time.Duration
}

// Add records one latency.
func (l *Latencies) Add(d time.Duration) {
	l.mu.Lock()
	if l.Max <= 0 || len(l.d) < l.Max {
		l.d = append(l.d, d)
	}
	l.mu.Unlock()
}

// Percentiles returns the qs-th percentiles (0–100) of the latencies kept,
// by the nearest-rank method, and how many were kept; zeros when none were.
func (l *Latencies) Percentiles(qs ...float64) ([]time.Duration, int) {
	l.mu.Lock()
	d := slices.Clone(l.d)
	l.mu.Unlock()
	slices.Sort(d)
	out := make([]time.Duration, len(qs))
	if len(d) == 0 {
		return out, 0
	}
	for i, q := range qs {
		idx := int(float64(len(d))*q/100+0.5) - 1
		out[i] = d[min(max(idx, 0), len(d)-1)]
	}
	return out, len(d)
}
