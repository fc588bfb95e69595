package policy_test

import (
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/callback/policy"
)

func TestParseQuietHours(t *testing.T) {
	cases := []struct {
		in, want string // want "" for an error
	}{
		{"21:00-09:00", "21:00-09:00"},
		{" 22:30-06:15 ", "22:30-06:15"},
		{"13:00-14:00", "13:00-14:00"},
		{"21:00-24:00", "21:00-24:00"},
		{"", "off"},
		{"off", "off"},
		{"OFF", "off"},
		{"21-09", ""},
		{"21:00", ""},
		{"25:00-09:00", ""},
		{"21:00-09:60", ""},
		{"24:00-06:00", ""},
		{"09:00-09:00", ""},
		{"00:00-24:00", ""},
		{"9pm-9am", ""},
	}
	for _, c := range cases {
		q, err := policy.ParseQuietHours(c.in)
		switch {
		case c.want == "" && err == nil:
			t.Errorf("%q accepted as %s", c.in, q)
		case c.want != "" && err != nil:
			t.Errorf("%q: %v", c.in, err)
		case c.want != "" && q.String() != c.want:
			t.Errorf("%q read as %s, want %s", c.in, q, c.want)
		}
	}
}

func TestQuietHoursContainsOnTheCustomersClock(t *testing.T) {
	night := quiet(t, "21:00-09:00")
	lunch := quiet(t, "13:00-14:00")
	cases := []struct {
		q     policy.QuietHours
		at    string // UTC
		zone  string
		quiet bool
	}{
		{night, "2027-02-01T20:59", "Europe/London", false},
		{night, "2027-02-01T21:00", "Europe/London", true},
		{night, "2027-02-02T08:59", "Europe/London", true},
		{night, "2027-02-02T09:00", "Europe/London", false},
		{night, "2027-02-01T12:00", "Asia/Tokyo", true},        // 21:00 JST
		{night, "2027-02-01T11:59", "Asia/Tokyo", false},       // 20:59 JST
		{night, "2027-02-01T13:59", "America/New_York", true},  // 08:59 EST
		{night, "2027-02-01T14:00", "America/New_York", false}, // 09:00 EST
		{night, "2027-07-01T13:00", "America/New_York", false}, // 09:00 EDT
		{night, "2027-07-01T08:30", "Europe/London", false},    // 09:30 BST
		{lunch, "2027-02-01T13:30", "Europe/London", true},
		{lunch, "2027-02-01T14:00", "Europe/London", false},
		{lunch, "2027-02-01T12:59", "Europe/London", false},
		{policy.QuietHours{}, "2027-02-01T03:00", "Europe/London", false},
		{night, "2027-02-01T22:00", "", true}, // no zone: UTC
	}
	for _, c := range cases {
		var loc *time.Location
		if c.zone != "" {
			loc = zone(t, c.zone)
		}
		if got := c.q.Contains(at(t, c.at), loc); got != c.quiet {
			t.Errorf("%s contains %s in %q = %v, want %v", c.q, c.at, c.zone, got, c.quiet)
		}
	}
}

func TestQuietHoursEnd(t *testing.T) {
	cases := []struct {
		name, quiet, at, zone, want string
	}{
		{"outside quiet hours is now", "21:00-09:00", "2027-02-01T10:00", "Europe/London", "2027-02-01T10:00"},
		{"evening to next morning", "21:00-09:00", "2027-02-01T22:00", "Europe/London", "2027-02-02T09:00"},
		{"after midnight to the same morning", "21:00-09:00", "2027-02-02T03:00", "Europe/London", "2027-02-02T09:00"},
		{"Tokyo's 22:00 to its 09:00", "21:00-09:00", "2027-02-01T13:00", "Asia/Tokyo", "2027-02-02T00:00"},
		{"New York's night across the clocks going forward", "21:00-09:00", "2027-03-14T03:00", "America/New_York", "2027-03-14T13:00"},
		// 02:30 does not exist on 14 March: the clock goes from 01:59 EST to 03:00 EDT.
		{"an end that does not exist that night", "21:00-02:30", "2027-03-14T06:30", "America/New_York", "2027-03-14T07:00"},
		{"New York's night across the clocks going back", "21:00-09:00", "2027-11-07T03:00", "America/New_York", "2027-11-07T14:00"},
		// 01:00-01:30 happens twice on 7 November; the second is quiet again.
		{"the first 01:30 of a repeated hour", "21:00-01:30", "2027-11-07T05:00", "America/New_York", "2027-11-07T05:30"},
		{"the repeated hour is quiet again", "21:00-01:30", "2027-11-07T06:00", "America/New_York", "2027-11-07T06:30"},
		{"off never ends anything", "off", "2027-02-01T03:00", "Europe/London", "2027-02-01T03:00"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := quiet(t, c.quiet).End(at(t, c.at), zone(t, c.zone))
			if want := at(t, c.want); !got.Equal(want) {
				t.Errorf("End = %s, want %s", got.UTC(), want)
			}
		})
	}
}

func TestQuietHoursEndWithinAMinute(t *testing.T) {
	start := at(t, "2027-02-01T22:00").Add(30 * time.Second)
	got := quiet(t, "21:00-09:00").End(start, time.UTC)
	if want := at(t, "2027-02-02T09:00"); !got.Equal(want) {
		t.Errorf("End = %s, want %s", got, want)
	}
}
