package promises_test

import (
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/hours"
	"github.com/switchboardhq/switchboard/promises"
	"github.com/switchboardhq/switchboard/storage"
)

func TestJudgeWaitAtAMoment(t *testing.T) {
	told := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	at := func(d time.Duration) *time.Time { v := told.Add(d); return &v }
	five := 5
	tests := []struct {
		name string
		w    storage.WaitEstimate
		now  time.Time
		want promises.WaitVerdict
	}{
		{"on hold", storage.WaitEstimate{ToldAt: told}, told.Add(time.Hour), promises.OnHold},
		{"answered on the minute", storage.WaitEstimate{Minutes: &five, ToldAt: told, Outcome: storage.OutcomeAnswered, AnsweredAt: at(5 * time.Minute)}, told.Add(time.Hour), promises.WaitKept},
		{"answered a second late", storage.WaitEstimate{Minutes: &five, ToldAt: told, Outcome: storage.OutcomeAnswered, AnsweredAt: at(5*time.Minute + time.Second)}, told.Add(time.Hour), promises.WaitLate},
		{"left within the minutes", storage.WaitEstimate{Minutes: &five, ToldAt: told, Outcome: storage.OutcomeLeft, LeftAt: at(time.Minute)}, told.Add(time.Hour), promises.WaitLeft},
		{"bot", storage.WaitEstimate{Minutes: &five, ToldAt: told, Outcome: storage.OutcomeBot}, told.Add(time.Hour), promises.WaitByBot},
		{"open within the minutes", storage.WaitEstimate{Minutes: &five, ToldAt: told}, told.Add(5 * time.Minute), promises.WaitPending},
		{"open past the minutes", storage.WaitEstimate{Minutes: &five, ToldAt: told}, told.Add(5*time.Minute + time.Second), promises.WaitOverdue},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := promises.JudgeWait(tt.w, tt.now); got != tt.want {
				t.Errorf("JudgeWait = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestToldToRealCountsAWaitUnderAMinuteAsOne(t *testing.T) {
	told := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	five := 5
	for _, c := range []struct {
		after time.Duration
		want  float64
	}{{0, 5}, {20 * time.Second, 5}, {2 * time.Minute, 2.5}, {10 * time.Minute, 0.5}} {
		answered := told.Add(c.after)
		got, ok := promises.ToldToReal(storage.WaitEstimate{Minutes: &five, ToldAt: told, Outcome: storage.OutcomeAnswered, AnsweredAt: &answered})
		if !ok || got != c.want {
			t.Errorf("answered after %s: ratio %v, %v; want %v", c.after, got, ok, c.want)
		}
	}
}

func TestJudgeCallbackByBusinessHours(t *testing.T) {
	business, err := hours.Parse("Europe/Berlin", map[string]string{"mon": "09:00-17:00", "tue": "09:00-17:00"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	berlin := business.Location()
	// Monday 2 March 2026.
	slot := time.Date(2026, 3, 2, 10, 0, 0, 0, berlin)
	night := time.Date(2026, 3, 3, 3, 0, 0, 0, berlin)
	opening := time.Date(2026, 3, 3, 9, 0, 0, 0, berlin)
	ptr := func(t time.Time) *time.Time { return &t }
	later := slot.Add(24 * time.Hour)
	tests := []struct {
		name string
		cb   storage.PromisedCallback
		now  time.Time
		want promises.CallbackVerdict
	}{
		{"dialled 30 s after the slot", storage.PromisedCallback{PromisedAt: slot, FirstDialedAt: ptr(slot.Add(30 * time.Second))}, later, promises.CallbackOnTime},
		{"dialled 60 s after the slot", storage.PromisedCallback{PromisedAt: slot, FirstDialedAt: ptr(slot.Add(60 * time.Second))}, later, promises.CallbackOnTime},
		{"dialled 5 minutes late", storage.PromisedCallback{PromisedAt: slot, FirstDialedAt: ptr(slot.Add(5 * time.Minute))}, later, promises.CallbackLate},
		{"promised at 03:00, dialled 45 s after the opening", storage.PromisedCallback{PromisedAt: night, FirstDialedAt: ptr(opening.Add(45 * time.Second))}, later, promises.CallbackOnTime},
		{"promised at 03:00, dialled 2 minutes after the opening", storage.PromisedCallback{PromisedAt: night, FirstDialedAt: ptr(opening.Add(2 * time.Minute))}, later, promises.CallbackLate},
		{"not dialled, not late yet", storage.PromisedCallback{PromisedAt: night}, opening.Add(time.Minute), promises.CallbackPending},
		{"not dialled and late", storage.PromisedCallback{PromisedAt: night}, opening.Add(time.Minute + time.Second), promises.CallbackLate},
		{"cancelled in time", storage.PromisedCallback{PromisedAt: slot, State: "cancelled", CancelledAt: ptr(slot.Add(-time.Hour))}, later, promises.CallbackWithdrawn},
		{"cancelled once late", storage.PromisedCallback{PromisedAt: slot, State: "cancelled", CancelledAt: ptr(slot.Add(time.Hour))}, later, promises.CallbackLate},
		{"dialled before first dials were kept", storage.PromisedCallback{PromisedAt: slot, Attempts: 1}, later, promises.CallbackUnknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := promises.JudgeCallback(tt.cb, business, tt.now); got != tt.want {
				t.Errorf("JudgeCallback = %d, want %d", got, tt.want)
			}
		})
	}
}
