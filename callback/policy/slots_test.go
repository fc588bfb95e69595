package policy_test

import (
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/callback/policy"
	"github.com/switchboardhq/switchboard/hours"
)

// weekdays9to5 is a Monday-to-Friday office day.
var weekdays9to5 = map[string]string{"mon": "09:00-17:00", "tue": "09:00-17:00", "wed": "09:00-17:00", "thu": "09:00-17:00", "fri": "09:00-17:00"}

func schedule(t *testing.T, zone string, weekly map[string]string, holidays ...string) *hours.Schedule {
	t.Helper()
	s, err := hours.Parse(zone, weekly, holidays)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func zone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func quiet(t *testing.T, s string) policy.QuietHours {
	t.Helper()
	q, err := policy.ParseQuietHours(s)
	if err != nil {
		t.Fatal(err)
	}
	return q
}

// at reads a UTC time written 2006-01-02T15:04.
func at(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse("2006-01-02T15:04", s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// slotCase is one FreeSlots call and the slot starts it must give, in UTC.
type slotCase struct {
	name     string
	now      string
	policy   policy.SlotPolicy
	customer string // "" for the business hours' zone
	taken    map[string]int
	n        int
	want     []string
}

func (c slotCase) run(t *testing.T) {
	t.Helper()
	var customer *time.Location
	if c.customer != "" {
		customer = zone(t, c.customer)
	}
	taken := func(start time.Time) int { return c.taken[start.UTC().Format("2006-01-02T15:04")] }
	got := policy.FreeSlots(at(t, c.now), c.policy, customer, taken, c.n)
	if len(got) != len(c.want) {
		t.Fatalf("got %d slots %v, want %d: %v", len(got), got, len(c.want), c.want)
	}
	length := c.policy.Length.Truncate(time.Minute)
	for i, s := range got {
		want := at(t, c.want[i])
		if !s.Start.Equal(want) || !s.End.Equal(want.Add(length)) {
			t.Errorf("slot %d = %s-%s, want %s-%s", i, s.Start, s.End, want, want.Add(length))
		}
		if s.Start.Location() != time.UTC || s.End.Location() != time.UTC {
			t.Errorf("slot %d is not in UTC: %s", i, s.Start)
		}
		if i > 0 && s.Start.Before(got[i-1].End) {
			t.Errorf("slot %d starts at %s, before slot %d ends at %s", i, s.Start, i-1, got[i-1].End)
		}
	}
}

func TestFreeSlots(t *testing.T) {
	london := schedule(t, "Europe/London", weekdays9to5)
	night := quiet(t, "21:00-09:00")
	office := policy.SlotPolicy{Length: 30 * time.Minute, Capacity: 2, Business: london, Quiet: night}
	with := func(p policy.SlotPolicy, edit func(*policy.SlotPolicy)) policy.SlotPolicy {
		edit(&p)
		return p
	}
	everyDay := func(p *policy.SlotPolicy) { p.Business = nil }
	cases := []slotCase{
		{name: "a slot starts at least the lead from now", now: "2027-02-01T09:56", policy: office, n: 3,
			want: []string{"2027-02-01T10:30", "2027-02-01T11:00", "2027-02-01T11:30"}},
		{name: "a slot exactly the lead away is offered", now: "2027-02-01T09:55", policy: office, n: 3,
			want: []string{"2027-02-01T10:00", "2027-02-01T10:30", "2027-02-01T11:00"}},
		{name: "before opening the first slot is at opening", now: "2027-02-01T07:00", policy: office, n: 2,
			want: []string{"2027-02-01T09:00", "2027-02-01T09:30"}},
		{name: "after Friday's last slot comes Monday", now: "2027-02-05T16:40", policy: office, n: 2,
			want: []string{"2027-02-08T09:00", "2027-02-08T09:30"}},
		{name: "a longer lead", now: "2027-02-01T09:00", policy: with(office, func(p *policy.SlotPolicy) { p.Lead = 2 * time.Hour }), n: 1,
			want: []string{"2027-02-01T11:00"}},
		{name: "New York customer waits for their 09:00, 14:00 in London", now: "2027-02-01T08:00", policy: office,
			customer: "America/New_York", n: 3, want: []string{"2027-02-01T14:00", "2027-02-01T14:30", "2027-02-01T15:00"}},
		{name: "New York on summer time before London is: their 09:00 is 13:00 in London", now: "2027-03-15T08:00", policy: office,
			customer: "America/New_York", n: 3, want: []string{"2027-03-15T13:00", "2027-03-15T13:30", "2027-03-15T14:00"}},
		{name: "Tokyo customer's evening ends at their 21:00, 12:00 in London", now: "2027-02-01T08:00", policy: office,
			customer: "Asia/Tokyo", n: 8, want: []string{"2027-02-01T09:00", "2027-02-01T09:30", "2027-02-01T10:00",
				"2027-02-01T10:30", "2027-02-01T11:00", "2027-02-01T11:30", "2027-02-02T09:00", "2027-02-02T09:30"}},
		{name: "Tokyo customer in British summer: 09:00 to 13:00 in London", now: "2027-04-05T07:00", policy: office,
			customer: "Asia/Tokyo", n: 9, want: []string{"2027-04-05T08:00", "2027-04-05T08:30", "2027-04-05T09:00",
				"2027-04-05T09:30", "2027-04-05T10:00", "2027-04-05T10:30", "2027-04-05T11:00", "2027-04-05T11:30", "2027-04-06T08:00"}},
		{name: "holidays are skipped", now: "2027-12-24T16:50",
			policy: with(office, func(p *policy.SlotPolicy) {
				p.Business = schedule(t, "Europe/London", weekdays9to5, "2027-12-27", "2027-12-28")
			}),
			n: 2, want: []string{"2027-12-29T09:00", "2027-12-29T09:30"}},
		{name: "full slots are skipped", now: "2027-02-01T08:00", policy: office,
			taken: map[string]int{"2027-02-01T09:00": 2, "2027-02-01T09:30": 3, "2027-02-01T10:00": 1}, n: 3,
			want: []string{"2027-02-01T10:00", "2027-02-01T10:30", "2027-02-01T11:00"}},
		{name: "capacity below 1 takes one", now: "2027-02-01T08:00", policy: with(office, func(p *policy.SlotPolicy) { p.Capacity = 0 }),
			taken: map[string]int{"2027-02-01T09:00": 1}, n: 1, want: []string{"2027-02-01T09:30"}},
		{name: "a slot lies wholly inside opening hours, around lunch and closing", now: "2027-02-01T07:00",
			policy: with(office, func(p *policy.SlotPolicy) {
				p.Length = 90 * time.Minute
				p.Business = schedule(t, "Europe/London", map[string]string{"mon": "09:00-12:00, 13:00-17:00"})
			}),
			n: 5, want: []string{"2027-02-01T09:00", "2027-02-01T10:30", "2027-02-01T13:30", "2027-02-01T15:00", "2027-02-08T09:00"}},
		{name: "slots align to their length since midnight", now: "2027-02-01T07:00",
			policy: with(office, func(p *policy.SlotPolicy) { p.Length = 2 * time.Hour }), n: 4,
			want: []string{"2027-02-01T10:00", "2027-02-01T12:00", "2027-02-01T14:00", "2027-02-02T10:00"}},
		{name: "always open, still not in quiet hours; a slot may end as they start", now: "2027-02-01T20:00",
			policy: with(office, everyDay), n: 3, want: []string{"2027-02-01T20:30", "2027-02-02T09:00", "2027-02-02T09:30"}},
		{name: "business hours' zone is the customer's by default", now: "2027-07-01T07:00",
			policy: with(office, func(p *policy.SlotPolicy) { p.Business = schedule(t, "Asia/Tokyo", weekdays9to5) }), n: 1,
			want: []string{"2027-07-01T07:30"}},
		{name: "a length that does not divide the day starts again at midnight", now: "2027-02-01T23:25",
			policy: policy.SlotPolicy{Length: 50 * time.Minute}, n: 3,
			want: []string{"2027-02-02T00:00", "2027-02-02T00:50", "2027-02-02T01:40"}},
		{name: "slots crossing midnight do not overlap the next day's first", now: "2027-02-01T22:00",
			policy: policy.SlotPolicy{Length: 50 * time.Minute}, n: 3,
			want: []string{"2027-02-01T22:30", "2027-02-01T23:20", "2027-02-02T00:50"}},
		{name: "none within the horizon", now: "2027-02-01T18:00",
			policy: with(office, func(p *policy.SlotPolicy) {
				p.Business = schedule(t, "Europe/London", map[string]string{"mon": "09:00-17:00"}, "2027-02-08", "2027-02-15")
			}),
			n: 1, want: nil},
		{name: "a longer horizon finds the third Monday", now: "2027-02-01T18:00",
			policy: with(office, func(p *policy.SlotPolicy) {
				p.Business = schedule(t, "Europe/London", map[string]string{"mon": "09:00-17:00"}, "2027-02-08", "2027-02-15")
				p.Horizon = 21 * 24 * time.Hour
			}),
			n: 1, want: []string{"2027-02-22T09:00"}},
		{name: "no slot asked for", now: "2027-02-01T08:00", policy: office, n: 0, want: nil},
		{name: "a slot shorter than a minute is none", now: "2027-02-01T08:00",
			policy: with(office, func(p *policy.SlotPolicy) { p.Length = time.Second }), n: 1, want: nil},
	}
	for _, c := range cases {
		t.Run(c.name, c.run)
	}
}

func TestFreeSlotsEndsWhenEverySlotIsFull(t *testing.T) {
	p := policy.SlotPolicy{Length: 5 * time.Minute, Capacity: 2, Quiet: quiet(t, "off")}
	calls := 0
	got := policy.FreeSlots(at(t, "2027-02-01T08:00"), p, nil, func(time.Time) int { calls++; return 2 }, 3)
	if len(got) != 0 {
		t.Fatalf("got %v from full slots", got)
	}
	// Every 5 minutes of 14 days, less the first (inside the lead), was asked about once.
	if want := 14*24*12 - 1; calls != want {
		t.Errorf("taken was asked %d times, want %d", calls, want)
	}
}

func TestSlotFormatInTheCustomersZone(t *testing.T) {
	cases := []struct {
		start, end, zone, want string
	}{
		{"2027-03-29T09:00", "2027-03-29T09:30", "Europe/London", "2027-03-29 10:00-10:30 BST"},
		{"2027-03-29T09:00", "2027-03-29T09:30", "Asia/Tokyo", "2027-03-29 18:00-18:30 JST"},
		{"2027-03-29T09:00", "2027-03-29T09:30", "America/New_York", "2027-03-29 05:00-05:30 EDT"},
		{"2027-10-31T00:00", "2027-10-31T00:30", "Europe/London", "2027-10-31 01:00-01:30 BST"},
		{"2027-10-31T01:00", "2027-10-31T01:30", "Europe/London", "2027-10-31 01:00-01:30 GMT"},
		{"2027-10-31T00:30", "2027-10-31T01:00", "Europe/London", "2027-10-31 01:30 BST-01:00 GMT"},
		{"2027-02-01T23:30", "2027-02-02T00:00", "Europe/London", "2027-02-01 23:30-00:00 GMT"},
		{"2027-02-01T23:30", "2027-02-02T00:30", "Europe/London", "2027-02-01 23:30 - 2027-02-02 00:30 GMT"},
	}
	for _, c := range cases {
		s := policy.Slot{Start: at(t, c.start), End: at(t, c.end)}
		if got := s.Format(zone(t, c.zone)); got != c.want {
			t.Errorf("%s-%s in %s = %q, want %q", c.start, c.end, c.zone, got, c.want)
		}
	}
}
