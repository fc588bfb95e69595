package search

import "testing"

// WalkFromFirstMatch makes every word common for the rest of t, so tests
// take the walk through conversations as well; on SQLite the walk goes a
// few conversations at a time, so it takes several chunks.
func WalkFromFirstMatch(t *testing.T) {
	oldThreshold, oldChunk, oldMax := walkThreshold, walkChunk, maxWalkChunk
	walkThreshold, walkChunk, maxWalkChunk = 1, 2, 4
	t.Cleanup(func() { walkThreshold, walkChunk, maxWalkChunk = oldThreshold, oldChunk, oldMax })
}
