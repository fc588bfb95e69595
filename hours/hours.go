// Package hours knows when operators are at work: weekly opening hours in a
// time zone, minus holidays, and when they are next back.
package hours

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
)

// Schedule is a weekly timetable in one time zone with closed dates.
// A nil or empty Schedule is always open.
type Schedule struct {
	loc      *time.Location
	weekly   [7][]span // indexed by time.Weekday
	holidays map[string]bool
	always   bool
}

// span is [from, to) in minutes since midnight.
type span struct{ from, to int }

var dayKeys = map[string]time.Weekday{
	"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday, "wed": time.Wednesday,
	"thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday,
}

// Parse builds a schedule. weekly maps mon..sun to "09:00-18:00" (ranges
// separated by commas) or "closed"; an empty weekly map is always open.
// Errors name the key at fault, relative to business_hours.
func Parse(zone string, weekly map[string]string, holidays []string) (*Schedule, error) {
	s := &Schedule{loc: time.UTC, holidays: map[string]bool{}}
	var errs []error
	if zone != "" {
		loc, err := time.LoadLocation(zone)
		if err != nil {
			errs = append(errs, fmt.Errorf("time_zone: %q is not a known time zone", zone))
		} else {
			s.loc = loc
		}
	}
	s.always = len(weekly) == 0
	for key, v := range weekly {
		day, ok := dayKeys[strings.ToLower(key)]
		if !ok {
			errs = append(errs, fmt.Errorf("weekly.%s: not a day (want mon, tue, wed, thu, fri, sat or sun)", key))
			continue
		}
		spans, err := parseSpans(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("weekly.%s: %v", key, err))
			continue
		}
		s.weekly[day] = spans
	}
	if len(errs) == 0 && !s.always && !s.opensAtAll() {
		errs = append(errs, errors.New("weekly: no day has opening hours (leave weekly out to be always open)"))
	}
	for i, h := range holidays {
		d, err := time.Parse("2006-01-02", h)
		if err != nil {
			errs = append(errs, fmt.Errorf("holidays[%d]: %q is not a date YYYY-MM-DD", i, h))
			continue
		}
		s.holidays[d.Format("2006-01-02")] = true
	}
	return s, errors.Join(errs...)
}

func parseSpans(v string) ([]span, error) {
	v = strings.TrimSpace(strings.ToLower(v))
	if v == "closed" || v == "" {
		return nil, nil
	}
	var out []span
	for _, part := range strings.Split(v, ",") {
		from, to, ok := strings.Cut(strings.TrimSpace(part), "-")
		if !ok {
			return nil, fmt.Errorf("%q is not a range like 09:00-18:00", part)
		}
		f, err1 := clock(from)
		t, err2 := clock(to)
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("%q is not a range like 09:00-18:00", part)
		}
		if t <= f {
			return nil, fmt.Errorf("%q ends before it starts", part)
		}
		out = append(out, span{f, t})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].from < out[j].from })
	return out, nil
}

func clock(s string) (int, error) {
	s = strings.TrimSpace(s)
	if s == "24:00" {
		return 24 * 60, nil
	}
	t, err := time.Parse("15:04", s)
	if err != nil {
		return 0, err
	}
	return t.Hour()*60 + t.Minute(), nil
}

// Location is the schedule's time zone.
func (s *Schedule) Location() *time.Location {
	if s == nil || s.loc == nil {
		return time.UTC
	}
	return s.loc
}

// Open reports whether operators are at work at t.
func (s *Schedule) Open(t time.Time) bool {
	if s == nil || s.always {
		return true
	}
	lt := t.In(s.loc)
	if s.holidays[lt.Format("2006-01-02")] {
		return false
	}
	m := lt.Hour()*60 + lt.Minute()
	for _, sp := range s.weekly[lt.Weekday()] {
		if m >= sp.from && m < sp.to {
			return true
		}
	}
	return false
}

// NextOpen returns t when open, else the next moment operators are back,
// looking at most 60 days ahead; ok is false when none is found.
func (s *Schedule) NextOpen(t time.Time) (time.Time, bool) {
	if s.Open(t) {
		return t, true
	}
	lt := t.In(s.loc)
	day := time.Date(lt.Year(), lt.Month(), lt.Day(), 0, 0, 0, 0, s.loc)
	for i := 0; i < 60; i++ {
		d := day.AddDate(0, 0, i)
		if s.holidays[d.Format("2006-01-02")] {
			continue
		}
		for _, sp := range s.weekly[d.Weekday()] {
			// time.Date normalises across daylight-saving changes.
			start := time.Date(d.Year(), d.Month(), d.Day(), sp.from/60, sp.from%60, 0, 0, s.loc)
			if start.After(t) {
				return start, true
			}
		}
	}
	return time.Time{}, false
}

func (s *Schedule) opensAtAll() bool {
	for _, spans := range s.weekly {
		if len(spans) > 0 {
			return true
		}
	}
	return false
}
