package policy

import (
	"time"

	"github.com/switchboardhq/switchboard/hours"
)

// SlotPolicy is when callbacks may be booked: slots of one length, each
// taking up to Capacity callbacks, inside business hours and outside the
// customer's quiet hours.
type SlotPolicy struct {
	// Length is how long a slot lasts, in whole minutes (YAML:
	// callbacks.slot_minutes). Slots start where the wall clock of the
	// business hours' zone shows a multiple of it since midnight.
	Length time.Duration
	// Capacity is how many callbacks one slot takes (YAML:
	// callbacks.slot_capacity); below 1 counts as 1.
	Capacity int
	// Business is when operators are at work; nil is always open, in UTC.
	Business *hours.Schedule
	// Quiet is when a customer is never called, on their wall clock.
	Quiet QuietHours
	// Lead is the least time from now to a slot's start (DefaultLead when
	// not above 0).
	Lead time.Duration
	// Horizon is how far ahead slots are looked for (DefaultHorizon when
	// not above 0).
	Horizon time.Duration
}

// lead is Lead, or DefaultLead when Lead is not above 0.
func (p SlotPolicy) lead() time.Duration {
	if p.Lead <= 0 {
		return DefaultLead
	}
	return p.Lead
}

// horizon is Horizon, or DefaultHorizon when Horizon is not above 0.
func (p SlotPolicy) horizon() time.Duration {
	if p.Horizon <= 0 {
		return DefaultHorizon
	}
	return p.Horizon
}

// Slot is one bookable stretch of time, [Start, End), in UTC.
type Slot struct {
	Start time.Time
	End   time.Time
}

// In returns the slot's start and end on loc's wall clock.
func (s Slot) In(loc *time.Location) (start, end time.Time) {
	loc = orUTC(loc)
	return s.Start.In(loc), s.End.In(loc)
}

// Format writes the slot for a customer in loc, language-neutral and plain
// ASCII (so an SMS keeps its GSM alphabet): "2027-03-29 10:00-10:30 BST".
// Zone abbreviations tell apart the two 01:30s of a night when the clocks
// go back ("2027-10-31 01:30 BST-01:00 GMT"); a slot that crosses midnight
// names both dates ("2027-02-01 23:30 - 2027-02-02 00:30 GMT").
func (s Slot) Format(loc *time.Location) string {
	start, end := s.In(loc)
	from, to, sep := start.Format("2006-01-02 15:04"), end.Format("15:04 MST"), "-"
	if start.Format("MST") != end.Format("MST") {
		from = start.Format("2006-01-02 15:04 MST")
	}
	if start.Format("2006-01-02") != end.Add(-time.Nanosecond).Format("2006-01-02") {
		to, sep = end.Format("2006-01-02 15:04 MST"), " - "
	}
	return from + sep + to
}

// FreeSlots returns the first n slots from now on that a customer in
// customer's time zone (the business hours' zone when nil) may book: each
// starts at least the policy's lead after now and before its horizon, lies
// wholly inside business hours (holidays are closed) and wholly outside the
// customer's quiet hours, and has fewer than Capacity callbacks taken.
// taken (nil: none taken) counts the callbacks booked for the slot starting
// at start, given in UTC; it is called once per candidate, so back it with
// counts loaded beforehand rather than a query each.
//
// Slots are found walking real time, so across a change of the clocks none
// is offered twice and none is lost: a wall time that does not exist that
// night is never a slot, one that happens twice gives two slots, and slots
// never overlap. Fewer than n come back when the horizon is reached.
func FreeSlots(now time.Time, p SlotPolicy, customer *time.Location, taken func(start time.Time) int, n int) []Slot {
	minutes := int(p.Length / time.Minute)
	if n <= 0 || minutes < 1 {
		return nil
	}
	zone := p.Business.Location()
	if customer == nil {
		customer = zone
	}
	length, limit := time.Duration(minutes)*time.Minute, now.Add(p.horizon())
	var out []Slot
	for start := alignedFrom(now.Add(p.lead()), zone, minutes); start.Before(limit); {
		end := start.Add(length)
		if openThroughout(p.Business, start, end) && !p.Quiet.overlaps(start, end, customer) &&
			(taken == nil || taken(start) < max(p.Capacity, 1)) {
			if out = append(out, Slot{Start: start, End: end}); len(out) == n {
				break
			}
		}
		start = alignedFrom(end, zone, minutes)
	}
	return out
}

// alignedFrom returns the first moment at or after t, in UTC, at which
// loc's wall clock shows a whole multiple of minutes since midnight. Near
// midnight the day's last stretch may be shorter, so every day starts a new
// multiple at 00:00.
func alignedFrom(t time.Time, loc *time.Location, minutes int) time.Time {
	for i := 0; i < maxSteps; i++ {
		m, whole := wallMinute(t, loc)
		if whole && m%minutes == 0 {
			break
		}
		t = wallStep(t, loc, min(minutes-m%minutes, minutesPerDay-m))
	}
	return t.UTC()
}

// openThroughout reports whether business hours are open at every minute
// of [start, end); hours are kept to the minute, so a minute is enough.
func openThroughout(s *hours.Schedule, start, end time.Time) bool {
	last := end.Add(-time.Minute)
	if !s.Open(start) || !s.Open(last) {
		return false
	}
	for t := start.Add(time.Minute); t.Before(last); t = t.Add(time.Minute) {
		if !s.Open(t) {
			return false
		}
	}
	return true
}

// NextAllowed returns the first moment at or after t at which a customer in
// customer's time zone (the business hours' zone when nil) may be dialled:
// inside business hours and outside their quiet hours. It moves a retry or
// an "as soon as possible" callback out of the night. ok is false when no
// such moment comes within the policy's horizon.
func NextAllowed(t time.Time, p SlotPolicy, customer *time.Location) (time.Time, bool) {
	if customer == nil {
		customer = p.Business.Location()
	}
	limit := t.Add(p.horizon())
	for i := 0; i < maxSteps && t.Before(limit); i++ {
		open, ok := p.Business.NextOpen(t)
		if !ok || !open.Before(limit) {
			return time.Time{}, false
		}
		if !p.Quiet.Contains(open, customer) {
			return open.UTC(), true
		}
		t = p.Quiet.End(open, customer)
	}
	return time.Time{}, false
}
