package promises_test

import (
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/promises"
	"github.com/switchboardhq/switchboard/storage"
)

func TestKept(t *testing.T) {
	told := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	at := func(d time.Duration) *time.Time { v := told.Add(d); return &v }
	five := 5
	tests := []struct {
		name         string
		w            storage.WaitEstimate
		kept, counts bool
	}{
		{"answered in time", storage.WaitEstimate{Minutes: &five, Outcome: storage.OutcomeAnswered, AnsweredAt: at(4 * time.Minute)}, true, true},
		{"answered on the minute", storage.WaitEstimate{Minutes: &five, Outcome: storage.OutcomeAnswered, AnsweredAt: at(5 * time.Minute)}, true, true},
		{"answered late", storage.WaitEstimate{Minutes: &five, Outcome: storage.OutcomeAnswered, AnsweredAt: at(5*time.Minute + time.Second)}, false, true},
		{"left", storage.WaitEstimate{Minutes: &five, Outcome: storage.OutcomeLeft, LeftAt: at(time.Minute)}, false, true},
		{"bot", storage.WaitEstimate{Minutes: &five, Outcome: storage.OutcomeBot}, false, false},
		{"still open", storage.WaitEstimate{Minutes: &five}, false, false},
		{"no number said", storage.WaitEstimate{Outcome: storage.OutcomeAnswered, AnsweredAt: at(time.Minute)}, false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.w.ToldAt = told
			kept, counts := promises.Kept(tc.w)
			if kept != tc.kept || counts != tc.counts {
				t.Errorf("Kept = %v, %v; want %v, %v", kept, counts, tc.kept, tc.counts)
			}
		})
	}
}
