package policy_test

import (
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/callback/policy"
)

// wantTime checks a (time, ok) answer against want, a UTC time written
// 2006-01-02T15:04, or "" for none.
func wantTime(t *testing.T, got time.Time, ok bool, want string) {
	t.Helper()
	if want == "" {
		if ok {
			t.Fatalf("got %s, want none", got)
		}
		return
	}
	if w := at(t, want); !ok || !got.Equal(w) {
		t.Fatalf("got %s, %v; want %s", got, ok, w)
	}
}

func TestNextAttempt(t *testing.T) {
	now := at(t, "2027-02-01T10:00")
	standard := policy.RetryPolicy{After: []time.Duration{5 * time.Minute, 15 * time.Minute}, MaxAttempts: 3}
	short := policy.RetryPolicy{After: []time.Duration{5 * time.Minute}, MaxAttempts: 4}
	cases := []struct {
		name     string
		p        policy.RetryPolicy
		attempts int
		outcome  string
		want     string // "" for giving up
	}{
		{"busy after the first dial waits the first entry", standard, 1, "busy", "2027-02-01T10:05"},
		{"no answer after the second waits the second", standard, 2, "no-answer", "2027-02-01T10:15"},
		{"failed after the first", standard, 1, "failed", "2027-02-01T10:05"},
		{"the last dial allowed gives up", standard, 3, "busy", ""},
		{"beyond the last gives up", standard, 7, "no-answer", ""},
		{"the last entry repeats", short, 3, "busy", "2027-02-01T10:05"},
		{"the last entry repeats until the last attempt", short, 4, "busy", ""},
		{"the list longer than the attempts", policy.RetryPolicy{After: []time.Duration{time.Minute, 2 * time.Minute, 3 * time.Minute}, MaxAttempts: 10}, 2, "busy", "2027-02-01T10:02"},
		{"no attempt counted counts as one", standard, 0, "busy", "2027-02-01T10:05"},
		{"one attempt allowed never retries", policy.RetryPolicy{After: []time.Duration{time.Minute}, MaxAttempts: 1}, 1, "busy", ""},
		{"max attempts below 1 counts as 1", policy.RetryPolicy{After: []time.Duration{time.Minute}}, 1, "busy", ""},
		{"no waits retries at once", policy.RetryPolicy{MaxAttempts: 2}, 1, "busy", "2027-02-01T10:00"},
		{"completed is done", standard, 1, "completed", ""},
		{"canceled is for whoever cancelled", standard, 1, "canceled", ""},
		{"a call still ringing is no outcome", standard, 1, "ringing", ""},
		{"an unknown status is no outcome", standard, 1, "exploded", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, ok := policy.NextAttempt(c.attempts, c.outcome, now, c.p)
			wantTime(t, got, ok, c.want)
		})
	}
}

func TestOutcomeCountsAMachineAsNoAnswer(t *testing.T) {
	cases := []struct{ status, answeredBy, want string }{
		{"completed", "", "completed"},
		{"completed", "human", "completed"},
		{"completed", "unknown", "completed"},
		{"completed", "machine_start", "no-answer"},
		{"completed", "machine_end_beep", "no-answer"},
		{"in-progress", "machine_end_silence", "no-answer"},
		{"completed", "fax", "no-answer"},
		{"busy", "machine_start", "busy"},
		{"no-answer", "", "no-answer"},
	}
	for _, c := range cases {
		if got := policy.Outcome(c.status, c.answeredBy); got != c.want {
			t.Errorf("Outcome(%q, %q) = %q, want %q", c.status, c.answeredBy, got, c.want)
		}
	}
}

func TestNextAllowedMovesADialOutOfTheNight(t *testing.T) {
	london := schedule(t, "Europe/London", weekdays9to5)
	p := policy.SlotPolicy{Business: london, Quiet: quiet(t, "21:00-09:00")}
	cases := []struct {
		name, at, customer, want string // want "" for none
		p                        policy.SlotPolicy
	}{
		{"inside hours is now", "2027-02-01T10:00", "Europe/London", "2027-02-01T10:00", p},
		{"after closing to the next opening", "2027-02-01T18:00", "Europe/London", "2027-02-02T09:00", p},
		{"Tokyo's night to London's next opening", "2027-02-01T12:30", "Asia/Tokyo", "2027-02-02T09:00", p},
		{"Friday evening to New York's Monday 09:00", "2027-02-05T17:30", "America/New_York", "2027-02-08T14:00", p},
		{"inside New York's day is now", "2027-02-05T16:00", "America/New_York", "2027-02-05T16:00", p},
		{"always open and never quiet is now", "2027-02-01T03:00", "Europe/London", "2027-02-01T03:00", policy.SlotPolicy{}},
		{"no zone: the business hours' zone", "2027-02-01T07:00", "", "2027-02-01T09:00", p},
		{"hours always in the customer's quiet hours", "2027-02-01T00:00", "America/New_York", "",
			policy.SlotPolicy{Business: schedule(t, "Asia/Tokyo", weekdays9to5), Quiet: quiet(t, "18:00-09:00")}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var customer *time.Location
			if c.customer != "" {
				customer = zone(t, c.customer)
			}
			got, ok := policy.NextAllowed(at(t, c.at), c.p, customer)
			wantTime(t, got, ok, c.want)
		})
	}
}
