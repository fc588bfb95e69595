package policy

import "time"

// minutesPerDay is the length of a day on the wall clock, whatever
// daylight saving does to the real day.
const minutesPerDay = 24 * 60

// maxSteps bounds every walk along the wall clock; a walk takes one step a
// day or per zone change, so this is far more than any search needs.
const maxSteps = 10000

// wallMinute is the minute of the day t shows on loc's wall clock, and
// whether t falls on the whole minute.
func wallMinute(t time.Time, loc *time.Location) (minute int, whole bool) {
	lt := t.In(loc)
	return lt.Hour()*60 + lt.Minute(), lt.Second() == 0 && lt.Nanosecond() == 0
}

// wallStep moves t forward to the whole minute that is minutes (≥ 1) ahead
// on loc's wall clock, or to loc's next change of offset if that comes
// first: there the wall clock jumps, so callers look at it again. Every
// result is in UTC and strictly after t.
func wallStep(t time.Time, loc *time.Location, minutes int) time.Time {
	// Every offset in use is a whole number of minutes, so truncating the
	// absolute time truncates the wall clock too.
	next := t.Truncate(time.Minute).Add(time.Duration(minutes) * time.Minute)
	if _, change := t.In(loc).ZoneBounds(); !change.IsZero() && change.Before(next) {
		next = change
	}
	return next.UTC()
}

// minutesUntil is how many wall minutes lie from minute-of-day m to the
// next time the wall clock reads target, between 1 and a whole day.
func minutesUntil(m, target int) int {
	d := ((target-m)%minutesPerDay + minutesPerDay) % minutesPerDay
	if d == 0 {
		return minutesPerDay
	}
	return d
}

// orUTC is loc, or UTC when loc is nil.
func orUTC(loc *time.Location) *time.Location {
	if loc == nil {
		return time.UTC
	}
	return loc
}
