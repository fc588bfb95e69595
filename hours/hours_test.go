package hours_test

import (
	"strings"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/hours"
)

var berlin = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		panic(err)
	}
	return loc
}()

func at(year int, month time.Month, day, hour, minute int) time.Time {
	return time.Date(year, month, day, hour, minute, 0, 0, berlin)
}

var weekdays9to6 = map[string]string{
	"mon": "09:00-18:00", "tue": "09:00-18:00", "wed": "09:00-18:00", "thu": "09:00-18:00", "fri": "09:00-18:00",
}

func mustParse(t *testing.T, zone string, weekly map[string]string, holidays ...string) *hours.Schedule {
	t.Helper()
	s, err := hours.Parse(zone, weekly, holidays)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return s
}

func TestOpen(t *testing.T) {
	office := mustParse(t, "Europe/Berlin", weekdays9to6, "2026-12-24")
	split := mustParse(t, "Europe/Berlin", map[string]string{"sat": "10:00-12:00, 14:00-16:00", "sun": "closed"})
	night := mustParse(t, "Europe/Berlin", map[string]string{"fri": "20:00-24:00"})
	cases := []struct {
		name  string
		sched *hours.Schedule
		at    time.Time
		want  bool
	}{
		{"weekday morning", office, at(2026, time.March, 9, 9, 0), true},
		{"weekday just before opening", office, at(2026, time.March, 9, 8, 59), false},
		{"weekday last minute", office, at(2026, time.March, 9, 17, 59), true},
		{"weekday closing time", office, at(2026, time.March, 9, 18, 0), false},
		{"saturday", office, at(2026, time.March, 7, 12, 0), false},
		{"holiday on a weekday", office, at(2026, time.December, 24, 10, 0), false},
		{"judged in the schedule's zone", office, time.Date(2026, time.March, 9, 8, 30, 0, 0, time.UTC), true},
		{"UTC morning is still night in Berlin", office, time.Date(2026, time.March, 9, 7, 59, 0, 0, time.UTC), false},
		{"summer time shifts the UTC hour", office, time.Date(2026, time.July, 6, 7, 0, 0, 0, time.UTC), true},
		{"second range of a split day", split, at(2026, time.March, 7, 15, 0), true},
		{"lunch gap of a split day", split, at(2026, time.March, 7, 13, 0), false},
		{"closed day", split, at(2026, time.March, 8, 11, 0), false},
		{"until midnight", night, at(2026, time.March, 6, 23, 59), true},
		{"empty schedule is always open", mustParse(t, "", nil), at(2026, time.March, 8, 3, 0), true},
		{"nil schedule is always open", nil, at(2026, time.March, 8, 3, 0), true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := c.sched.Open(c.at); got != c.want {
				t.Errorf("Open(%s) = %v, want %v", c.at, got, c.want)
			}
		})
	}
}

func TestNextOpen(t *testing.T) {
	office := mustParse(t, "Europe/Berlin", weekdays9to6)
	withSunday := mustParse(t, "Europe/Berlin", map[string]string{"sun": "09:00-12:00", "mon": "09:00-18:00"})
	easter := mustParse(t, "Europe/Berlin", weekdays9to6, "2026-04-03", "2026-04-06")
	split := mustParse(t, "Europe/Berlin", map[string]string{"sat": "10:00-12:00,14:00-16:00"})
	cases := []struct {
		name  string
		sched *hours.Schedule
		from  time.Time
		want  time.Time
	}{
		{"open now is now", office, at(2026, time.March, 9, 10, 15), at(2026, time.March, 9, 10, 15)},
		{"saturday noon waits for monday", office, at(2026, time.March, 7, 12, 0), at(2026, time.March, 9, 9, 0)},
		{"friday at closing waits for monday", office, at(2026, time.March, 6, 18, 0), at(2026, time.March, 9, 9, 0)},
		{"early morning opens the same day", office, at(2026, time.March, 10, 6, 0), at(2026, time.March, 10, 9, 0)},
		{"evening opens the next day", office, at(2026, time.March, 10, 19, 0), at(2026, time.March, 11, 9, 0)},
		{"holidays are skipped", easter, at(2026, time.April, 2, 18, 30), at(2026, time.April, 7, 9, 0)},
		{"lunch gap waits for the afternoon", split, at(2026, time.March, 7, 12, 30), at(2026, time.March, 7, 14, 0)},
		// The last Sunday of March 2026 is the 29th: clocks go from 02:00
		// CET to 03:00 CEST; opening stays 09:00 on the wall clock.
		{"across the spring change to a monday", office, at(2026, time.March, 28, 12, 0), at(2026, time.March, 30, 9, 0)},
		{"on the day of the spring change", withSunday, at(2026, time.March, 28, 12, 0), at(2026, time.March, 29, 9, 0)},
		{"across the autumn change", office, at(2026, time.October, 24, 12, 0), at(2026, time.October, 26, 9, 0)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, ok := c.sched.NextOpen(c.from)
			if !ok || !got.Equal(c.want) {
				t.Fatalf("NextOpen(%s) = %s, %v; want %s", c.from, got, ok, c.want)
			}
			if !c.sched.Open(got) {
				t.Errorf("NextOpen = %s, but the schedule is not open then", got)
			}
		})
	}
}

func TestNextOpenAcrossSpringChangeIsNineLocal(t *testing.T) {
	office := mustParse(t, "Europe/Berlin", weekdays9to6)
	got, ok := office.NextOpen(time.Date(2026, time.March, 28, 11, 0, 0, 0, time.UTC))
	if !ok {
		t.Fatal("no opening found")
	}
	if want := time.Date(2026, time.March, 30, 7, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("NextOpen = %s (%s UTC), want 09:00 CEST = 07:00 UTC", got.In(berlin), got.UTC())
	}
}

func TestScheduleThatNeverOpensIsRefused(t *testing.T) {
	_, err := hours.Parse("Europe/Berlin", map[string]string{"mon": "closed"}, nil)
	if err == nil || !strings.Contains(err.Error(), "weekly") {
		t.Fatalf("err = %v, want a refusal naming weekly", err)
	}
}

func TestParseNamesTheFaultyKey(t *testing.T) {
	cases := []struct {
		name     string
		zone     string
		weekly   map[string]string
		holidays []string
		want     string
	}{
		{"unknown zone", "Mars/Olympus", nil, nil, "time_zone"},
		{"not a day", "", map[string]string{"monday": "09:00-18:00"}, nil, "weekly.monday"},
		{"not a range", "", map[string]string{"tue": "9 to 5"}, nil, "weekly.tue"},
		{"not a time", "", map[string]string{"wed": "09:00-25:00"}, nil, "weekly.wed"},
		{"ends before it starts", "", map[string]string{"thu": "18:00-09:00"}, nil, "weekly.thu"},
		{"bad holiday", "", nil, []string{"2026-01-01", "24.12.2026"}, "holidays[1]"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := hours.Parse(c.zone, c.weekly, c.holidays)
			if err == nil || !strings.HasPrefix(err.Error(), c.want+":") {
				t.Errorf("err = %v, want one starting %q", err, c.want+":")
			}
		})
	}
}

func TestLocationIsTheScheduleZone(t *testing.T) {
	if got := mustParse(t, "Europe/Berlin", weekdays9to6).Location().String(); got != "Europe/Berlin" {
		t.Errorf("Location = %s", got)
	}
	if got := mustParse(t, "", nil).Location(); got != time.UTC {
		t.Errorf("Location without a zone = %s, want UTC", got)
	}
}
