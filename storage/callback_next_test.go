package storage_test

import (
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/storage/storagetest"
)

// TestNextDueAfterIsTheEarliestScheduledLater: a dialer wakes for the next
// callback to fall due: later than now, still scheduled; none when there
// is no such callback.
func TestNextDueAfterIsTheEarliestScheduledLater(t *testing.T) {
	s := storagetest.Open(t)
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	if _, ok, err := s.NextDueAfter(t.Context(), now); err != nil || ok {
		t.Fatalf("empty: ok %v (%v), want none", ok, err)
	}
	newCallback(t, s, now.Add(-time.Hour), now.Add(-time.Minute)) // due already
	later := newCallback(t, s, now.Add(-time.Hour), now.Add(90*time.Second))
	newCallback(t, s, now.Add(-time.Hour), now.Add(time.Hour))
	soonest := newCallback(t, s, now.Add(-time.Hour), now.Add(30*time.Second))
	if _, err := s.CancelCallback(t.Context(), soonest.ID, now); err != nil {
		t.Fatal(err)
	}
	at, ok, err := s.NextDueAfter(t.Context(), now)
	if err != nil || !ok || !at.Equal(later.NextAttemptAt) {
		t.Fatalf("next due %s %v (%v), want %s", at, ok, err, later.NextAttemptAt)
	}
}
