package policy_test

import (
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/callback/policy"
)

func TestStateMoves(t *testing.T) {
	all := []policy.State{policy.Scheduled, policy.Dialing, policy.Completed, policy.Failed, policy.Cancelled}
	allowed := map[[2]policy.State]bool{
		{policy.Scheduled, policy.Dialing}:   true,
		{policy.Scheduled, policy.Cancelled}: true,
		{policy.Scheduled, policy.Failed}:    true,
		{policy.Dialing, policy.Completed}:   true,
		{policy.Dialing, policy.Scheduled}:   true,
		{policy.Dialing, policy.Failed}:      true,
		{policy.Dialing, policy.Cancelled}:   true,
		{policy.Failed, policy.Dialing}:      true,
		{policy.Failed, policy.Scheduled}:    true,
		{policy.Failed, policy.Cancelled}:    true,
	}
	for _, from := range all {
		if !from.Valid() {
			t.Errorf("%s is not valid", from)
		}
		for _, to := range all {
			if got, want := from.CanMove(to), allowed[[2]policy.State{from, to}]; got != want {
				t.Errorf("%s → %s allowed = %v, want %v", from, to, got, want)
			}
		}
	}
	for _, s := range []policy.State{"", "canceled", "Scheduled"} {
		if s.Valid() || s.CanMove(policy.Dialing) || policy.Scheduled.CanMove(s) {
			t.Errorf("%q is taken for a state", s)
		}
	}
	if !policy.Completed.Final() || !policy.Cancelled.Final() || policy.Failed.Final() || policy.Dialing.Final() {
		t.Error("final states are completed and cancelled")
	}
}

func TestCallStatusNeverMovesBackwards(t *testing.T) {
	cases := []struct {
		from, to string
		want     bool
	}{
		{"", "queued", true},
		{"", "in-progress", true},
		{"", "busy", true},
		{"queued", "initiated", true},
		{"initiated", "ringing", true},
		{"ringing", "in-progress", true},
		{"queued", "ringing", true},
		{"in-progress", "completed", true},
		{"ringing", "no-answer", true},
		{"ringing", "busy", true},
		{"queued", "failed", true},
		{"ringing", "canceled", true},
		{"ringing", "ringing", false},
		{"ringing", "initiated", false},
		{"in-progress", "ringing", false},
		{"in-progress", "queued", false},
		{"completed", "in-progress", false},
		{"completed", "completed", false},
		{"no-answer", "busy", false},
		{"busy", "ringing", false},
		{"canceled", "completed", false},
		{"queued", "", false},
		{"queued", "exploded", false},
		{"exploded", "completed", false},
	}
	for _, c := range cases {
		if got := policy.CallStatusAdvances(c.from, c.to); got != c.want {
			t.Errorf("CallStatusAdvances(%q, %q) = %v, want %v", c.from, c.to, got, c.want)
		}
	}
}

func TestCustomerLocation(t *testing.T) {
	london := zone(t, "Europe/London")
	cases := []struct{ zone, number, want string }{
		{"Asia/Tokyo", "+14155552671", "Asia/Tokyo"},
		{"", "+14155552671", "America/Los_Angeles"},
		{"", "+81312345678", "Asia/Tokyo"},
		{"Mars/Olympus", "+14155552671", "America/Los_Angeles"},
		{"", "", "Europe/London"},
		{"Local", "", "Europe/London"},
	}
	for _, c := range cases {
		if got := policy.CustomerLocation(c.zone, c.number, london).String(); got != c.want {
			t.Errorf("CustomerLocation(%q, %q) = %s, want %s", c.zone, c.number, got, c.want)
		}
	}
	if got := policy.CustomerLocation("", "", nil); got != time.UTC {
		t.Errorf("no zone and no fallback = %s, want UTC", got)
	}
}
