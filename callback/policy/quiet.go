package policy

import (
	"fmt"
	"strings"
	"time"
)

// QuietHours is a daily range of the wall clock, such as 21:00-09:00, in
// which a customer is never called, in the customer's own time zone. The
// zero value is never quiet.
type QuietHours struct {
	// from and to are minutes of the day, [from, to); from > to wraps
	// midnight and from == to is never quiet.
	from, to int
}

// ParseQuietHours reads "HH:MM-HH:MM" (24:00 may end a range; a range may
// wrap midnight, as 21:00-09:00 does). "" and "off" mean never quiet.
func ParseQuietHours(s string) (QuietHours, error) {
	s = strings.TrimSpace(strings.ToLower(s))
	if s == "" || s == "off" {
		return QuietHours{}, nil
	}
	bad := fmt.Errorf("%q is not a range like 21:00-09:00 (or off)", s)
	from, to, ok := strings.Cut(s, "-")
	if !ok {
		return QuietHours{}, bad
	}
	f, err := minuteOfDay(from, false)
	if err != nil {
		return QuietHours{}, bad
	}
	t, err := minuteOfDay(to, true)
	if err != nil {
		return QuietHours{}, bad
	}
	if f == t%minutesPerDay {
		return QuietHours{}, fmt.Errorf("%q starts and ends at the same time (use off for never quiet)", s)
	}
	return QuietHours{from: f, to: t}, nil
}

// minuteOfDay reads "HH:MM"; "24:00" only when it ends a range.
func minuteOfDay(s string, end bool) (int, error) {
	s = strings.TrimSpace(s)
	if end && s == "24:00" {
		return minutesPerDay, nil
	}
	t, err := time.Parse("15:04", s)
	if err != nil {
		return 0, err
	}
	return t.Hour()*60 + t.Minute(), nil
}

// Off reports whether q is never quiet.
func (q QuietHours) Off() bool { return q.from == q.to }

// String gives q back as ParseQuietHours reads it.
func (q QuietHours) String() string {
	if q.Off() {
		return "off"
	}
	return fmt.Sprintf("%02d:%02d-%02d:%02d", q.from/60, q.from%60, q.to/60, q.to%60)
}

// Contains reports whether t is in quiet hours on the wall clock of loc, the
// customer's time zone (UTC when nil).
func (q QuietHours) Contains(t time.Time, loc *time.Location) bool {
	if q.Off() {
		return false
	}
	m, _ := wallMinute(t, orUTC(loc))
	if q.from < q.to {
		return m >= q.from && m < q.to
	}
	return m >= q.from || m < q.to
}

// End returns t when it is outside quiet hours in loc, else the first
// moment after t that is. Across a change to or from daylight saving it is
// the moment the wall clock first shows a time outside the range, not
// a wall time that does not exist that day.
func (q QuietHours) End(t time.Time, loc *time.Location) time.Time {
	loc = orUTC(loc)
	for i := 0; i < maxSteps && q.Contains(t, loc); i++ {
		m, _ := wallMinute(t, loc)
		t = wallStep(t, loc, minutesUntil(m, q.to))
	}
	return t
}

// overlaps reports whether any moment of [start, end) is in quiet hours.
func (q QuietHours) overlaps(start, end time.Time, loc *time.Location) bool {
	if q.Off() {
		return false
	}
	loc = orUTC(loc)
	t := start
	for i := 0; i < maxSteps && t.Before(end); i++ {
		if q.Contains(t, loc) {
			return true
		}
		m, _ := wallMinute(t, loc)
		t = wallStep(t, loc, minutesUntil(m, q.from))
	}
	return false
}
