package main

import (
	"os"
	"runtime/debug"
	"testing"
)

// TestServerCollectsAtFourHundredPercentUnlessGOGCSays: the server's
// collector target is 400% by default; GOGC, when set, wins.
func TestServerCollectsAtFourHundredPercentUnlessGOGCSays(t *testing.T) {
	before := debug.SetGCPercent(100)
	t.Cleanup(func() { debug.SetGCPercent(before) })
	for _, c := range []struct {
		name string
		gogc string // "" leaves GOGC unset
		want int
	}{
		{"GOGC unset", "", defaultGCPercent},
		{"GOGC set", "150", 150},
	} {
		t.Run(c.name, func(t *testing.T) {
			if c.gogc != "" {
				t.Setenv("GOGC", c.gogc)
				debug.SetGCPercent(150) // what the runtime read from GOGC at start
			} else {
				t.Setenv("GOGC", "") // restored after the test
				if err := os.Unsetenv("GOGC"); err != nil {
					t.Fatal(err)
				}
				debug.SetGCPercent(100)
			}
			tuneGC()
			if got := debug.SetGCPercent(100); got != c.want {
				t.Fatalf("GC percent %d, want %d", got, c.want)
			}
		})
	}
}
