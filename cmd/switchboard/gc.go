package main

import (
	"os"
	"runtime/debug"
)

// defaultGCPercent is the garbage collector's target when GOGC is not set:
// the heap may grow to five times what is live before the next collection,
// not twice. switchboard's live heap is small (tens of megabytes) and most
// of what it allocates per update dies at once, so Go's default ran a
// collection every few hundred updates, a fifth of the process's CPU at
// 16 in flight; at 400 the server took 9–15% more updates per second at 40
// in flight for about 30 MB more resident memory (BENCHMARKS.md).
const defaultGCPercent = 400

// tuneGC sets the collector's target for the server, unless the
// environment sets GOGC (Go's own setting, which then applies as usual).
func tuneGC() {
	if _, set := os.LookupEnv("GOGC"); !set {
		debug.SetGCPercent(defaultGCPercent)
	}
}
