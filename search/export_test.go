package search

import "testing"

// WalkFromFirstMatch makes every word common for the rest of t, so tests
// take the walk through conversations (PostgreSQL) as well.
func WalkFromFirstMatch(t *testing.T) {
	old := walkThreshold
	walkThreshold = 1
	t.Cleanup(func() { walkThreshold = old })
}
