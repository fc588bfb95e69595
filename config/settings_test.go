package config_test

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/config"
)

// problems maps each key named in err, a configuration error or a join of
// them, to its problem.
func problems(err error) map[string]string {
	out := map[string]string{}
	var walk func(error)
	walk = func(err error) {
		if ce, ok := err.(*config.Error); ok {
			out[ce.Key] = ce.Problem
			return
		}
		if j, ok := err.(interface{ Unwrap() []error }); ok {
			for _, e := range j.Unwrap() {
				walk(e)
			}
		}
	}
	walk(err)
	return out
}

func menuOf(n int) string {
	var b strings.Builder
	b.WriteString("menu:\n")
	for i := range n {
		b.WriteString("  - {id: o" + string(rune('a'+i)) + ", kind: answer, label: L, answer: A}\n")
	}
	return b.String()
}

func TestParseSettingsRejectsWithTheYAMLKey(t *testing.T) {
	cases := []struct {
		name    string
		yaml    string
		wantKey string
		want    string
	}{
		{"five menu options", menuOf(5), "menu", "at most 4"},
		{"empty menu", "menu: []", "menu", "at least one"},
		{"empty label", "menu:\n  - {id: a, kind: answer, label: L, answer: A}\n  - {id: b, kind: answer, label: '', answer: A}", "menu[1].label", "empty"},
		{"label empty in every language", "menu:\n  - {id: a, kind: operator, label: {en: '', ru: ' '}}", "menu[0].label", "empty"},
		{"label too long", "menu:\n  - {id: a, kind: operator, label: " + strings.Repeat("x", 65) + "}", "menu[0].label", "64"},
		{"unknown kind", "menu:\n  - {id: a, kind: faq, label: L}", "menu[0].kind", `"faq"`},
		{"missing kind", "menu:\n  - {id: a, label: L}", "menu[0].kind", "empty"},
		{"answer without text", "menu:\n  - {id: a, kind: answer, label: L}", "menu[0].answer", "empty"},
		{"missing id", "menu:\n  - {kind: operator, label: L}", "menu[0].id", "empty"},
		{"id with a colon", "menu:\n  - {id: 'a:b', kind: operator, label: L}", "menu[0].id", "colons"},
		{"id too long for button data", "menu:\n  - {id: abcdefghijklmnopq, kind: operator, label: L}", "menu[0].id", "16 bytes"},
		{"duplicate id", "menu:\n  - {id: a, kind: operator, label: L}\n  - {id: a, kind: operator, label: M}", "menu[1].id", "twice"},
		{"unknown time zone", "business_hours: {time_zone: Europe/Atlantis}", "business_hours", "time_zone"},
		{"unknown assignment", "assignment: random", "assignment", `"random" is not manual or round_robin`},
		{"bad weekly range", "business_hours: {weekly: {mon: 9-5}}", "business_hours", "weekly.mon"},
		{"bad holiday", "business_hours: {holidays: [tomorrow]}", "business_hours", "holidays[0]"},
		{"negative reopen window", "conversation: {reopen_window: -1h}", "conversation.reopen_window", "negative"},
		{"handling time too long", "queue: {minutes_per_customer: 600}", "queue.minutes_per_customer", "240"},
		{"unknown wait estimate", "queue: {estimate: guess}", "queue.estimate", "learned"},
		{"slot too short", "callbacks: {slot_minutes: 4}", "callbacks.slot_minutes", "must be between 5 and 240"},
		{"slot too long", "callbacks: {slot_minutes: 241}", "callbacks.slot_minutes", "must be between 5 and 240"},
		{"slot that takes nobody", "callbacks: {slot_capacity: 0}", "callbacks.slot_capacity", "at least 1"},
		{"no slot offered", "callbacks: {slots_offered: 0}", "callbacks.slots_offered", "between 1 and 4"},
		{"more slots offered than buttons", "callbacks: {slots_offered: 5}", "callbacks.slots_offered", "between 1 and 4"},
		{"no retry waits", "callbacks: {retry_after: []}", "callbacks.retry_after", "at least one"},
		{"a zero retry wait", "callbacks: {retry_after: [5m, 0s]}", "callbacks.retry_after[1]", "above 0"},
		{"a negative retry wait", "callbacks: {retry_after: [-5m]}", "callbacks.retry_after[0]", "above 0"},
		{"a retry wait that is no duration", "callbacks: {retry_after: [soon]}", "callbacks.retry_after[0]", "soon"},
		{"no attempt", "callbacks: {max_attempts: 0}", "callbacks.max_attempts", "between 1 and 10"},
		{"too many attempts", "callbacks: {max_attempts: 11}", "callbacks.max_attempts", "between 1 and 10"},
		{"negative reminder", "callbacks: {remind_before: -1m}", "callbacks.remind_before", "negative"},
		{"late at once", "callbacks: {late_after: 0s}", "callbacks.late_after", "above 0"},
		{"unknown callbacks key", "callbacks: {slot_minute: 30}", "callbacks.slot_minute", "known key"},
		{"quiet hours that are no range", "quiet_hours: 9pm-9am", "quiet_hours", `"9pm-9am" is not a range like 21:00-09:00`},
		{"quiet hours with no end", "quiet_hours: '21:00'", "quiet_hours", "not a range"},
		{"quiet hours of no length", "quiet_hours: 09:00-09:00", "quiet_hours", "same time"},
		{"unknown top-level key", "colour: blue", "colour", "known key"},
		{"unknown nested key", "queue: {minutes_per_person: 5}", "queue.minutes_per_person", "known key"},
		{"unknown menu option key", "menu:\n  - {id: a, kind: operator, label: L, qeue: x}", "menu[0].qeue", "known key"},
		{"not YAML", "menu: [", "SWITCHBOARD_CONFIG", "YAML"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := config.ParseSettings([]byte(c.yaml))
			if err == nil {
				t.Fatal("accepted")
			}
			got := problems(err)
			problem, ok := got[c.wantKey]
			if !ok {
				t.Fatalf("error %q names %v, want %s", err, keys(got), c.wantKey)
			}
			if !strings.Contains(problem, c.want) {
				t.Errorf("%s: %q, want it to mention %q", c.wantKey, problem, c.want)
			}
			if !strings.Contains(err.Error(), c.wantKey+": ") {
				t.Errorf("message %q does not start the problem with %q", err, c.wantKey)
			}
		})
	}
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestParseSettingsReportsEveryProblemAtOnce(t *testing.T) {
	_, err := config.ParseSettings([]byte(`
menu:
  - {id: a, kind: faq, label: L}
  - {id: b, kind: answer, label: ''}
queue: {minutes_per_customer: 1000}
`))
	got := problems(err)
	for _, k := range []string{"menu[0].kind", "menu[1].label", "menu[1].answer", "queue.minutes_per_customer"} {
		if _, ok := got[k]; !ok {
			t.Errorf("problems %v miss %s", keys(got), k)
		}
	}
}

func TestParseSettingsKeepsDefaultsForWhatIsLeftOut(t *testing.T) {
	cases := []struct {
		name  string
		yaml  string
		check func(t *testing.T, s config.Settings)
	}{
		{"empty file is the defaults", "", func(t *testing.T, s config.Settings) {
			if !reflect.DeepEqual(s, config.DefaultSettings()) {
				t.Errorf("got %+v, want the defaults", s)
			}
		}},
		{"queue only keeps the menu", "queue: {minutes_per_customer: 8}", func(t *testing.T, s config.Settings) {
			if s.Queue.MinutesPerCustomer != 8 || len(s.Menu) != 3 || s.Conversation.ReopenWindow != 72*time.Hour {
				t.Errorf("got %+v", s)
			}
		}},
		{"round-robin assignment", "assignment: round_robin", func(t *testing.T, s config.Settings) {
			if s.Assignment != config.AssignmentRoundRobin {
				t.Errorf("assignment = %q", s.Assignment)
			}
		}},
		{"assignment is manual by default", "queue: {minutes_per_customer: 8}", func(t *testing.T, s config.Settings) {
			if s.Assignment != config.AssignmentManual {
				t.Errorf("assignment = %q", s.Assignment)
			}
		}},
		{"reopen window as a duration", "conversation: {reopen_window: 24h}", func(t *testing.T, s config.Settings) {
			if s.Conversation.ReopenWindow != 24*time.Hour {
				t.Errorf("reopen window = %s", s.Conversation.ReopenWindow)
			}
		}},
		{"callbacks left out keep their defaults", "queue: {minutes_per_customer: 8}", func(t *testing.T, s config.Settings) {
			want := config.CallbackSettings{SlotMinutes: 30, SlotCapacity: 2, SlotsOffered: 3,
				RetryAfter: []time.Duration{5 * time.Minute, 15 * time.Minute}, MaxAttempts: 3,
				RemindBefore: 15 * time.Minute, LateAfter: 10 * time.Minute}
			if !reflect.DeepEqual(s.Callbacks, want) || s.QuietHours != "21:00-09:00" {
				t.Errorf("callbacks = %+v, quiet hours %q", s.Callbacks, s.QuietHours)
			}
		}},
		{"callbacks set", "callbacks: {slot_minutes: 15, slot_capacity: 1, slots_offered: 4, retry_after: [1m, 2m, 1h], max_attempts: 10, remind_before: 1h, late_after: 5m, machine_detection: true}", func(t *testing.T, s config.Settings) {
			want := config.CallbackSettings{SlotMinutes: 15, SlotCapacity: 1, SlotsOffered: 4,
				RetryAfter: []time.Duration{time.Minute, 2 * time.Minute, time.Hour}, MaxAttempts: 10,
				RemindBefore: time.Hour, LateAfter: 5 * time.Minute, MachineDetection: true}
			if !reflect.DeepEqual(s.Callbacks, want) {
				t.Errorf("callbacks = %+v", s.Callbacks)
			}
		}},
		{"one callbacks key keeps the others' defaults", "callbacks: {max_attempts: 5}", func(t *testing.T, s config.Settings) {
			c := s.Callbacks
			if c.MaxAttempts != 5 || c.SlotMinutes != 30 || c.RemindBefore != 15*time.Minute || len(c.RetryAfter) != 2 {
				t.Errorf("callbacks = %+v", c)
			}
		}},
		{"no reminder", "callbacks: {remind_before: 0s}", func(t *testing.T, s config.Settings) {
			if s.Callbacks.RemindBefore != 0 {
				t.Errorf("remind_before = %s", s.Callbacks.RemindBefore)
			}
		}},
		{"quiet hours off", "quiet_hours: off", func(t *testing.T, s config.Settings) {
			if p, err := s.SlotPolicy(); err != nil || !p.Quiet.Off() {
				t.Errorf("quiet hours %q read as %v, %v", s.QuietHours, p.Quiet, err)
			}
		}},
		{"quiet hours empty are off", `quiet_hours: ""`, func(t *testing.T, s config.Settings) {
			if p, err := s.SlotPolicy(); s.QuietHours != "" || err != nil || !p.Quiet.Off() {
				t.Errorf("quiet hours %q read as %v, %v", s.QuietHours, p.Quiet, err)
			}
		}},
		{"quiet hours wrapping midnight", "quiet_hours: 22:30-07:00", func(t *testing.T, s config.Settings) {
			if p, err := s.SlotPolicy(); err != nil || p.Quiet.String() != "22:30-07:00" {
				t.Errorf("quiet hours %q read as %v, %v", s.QuietHours, p.Quiet, err)
			}
		}},
		{"menu replaces the default menu", "menu:\n  - {id: refunds, kind: operator, queue: money, label: {en: Refunds, ru: Возвраты}}", func(t *testing.T, s config.Settings) {
			if len(s.Menu) != 1 || s.Menu[0].Queue != "money" || s.Menu[0].Label.In("ru", "en") != "Возвраты" {
				t.Errorf("menu = %+v", s.Menu)
			}
		}},
		{"plain label serves every language", "menu:\n  - {id: a, kind: operator, label: Help}", func(t *testing.T, s config.Settings) {
			if got := s.Menu[0].Label.In("ru", "en"); got != "Help" {
				t.Errorf("label in ru = %q", got)
			}
		}},
		{"business hours", "business_hours: {time_zone: Europe/Berlin, weekly: {mon: 09:00-18:00}, holidays: [2026-12-24]}", func(t *testing.T, s config.Settings) {
			sched, err := s.BusinessHours.Schedule()
			if err != nil {
				t.Fatal(err)
			}
			if sched.Location().String() != "Europe/Berlin" {
				t.Errorf("zone = %s", sched.Location())
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, err := config.ParseSettings([]byte(c.yaml))
			if err != nil {
				t.Fatal(err)
			}
			c.check(t, s)
		})
	}
}

func TestDefaultSettingsAreValid(t *testing.T) {
	if err := config.DefaultSettings().Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestLocalizedFallsBack(t *testing.T) {
	l := config.Localized{"en": "Hours", "ru": "Часы"}
	cases := []struct{ lang, fallback, want string }{
		{"ru", "en", "Часы"},
		{"de", "en", "Hours"},
		{"de", "ru", "Часы"},
		{"", "ru", "Часы"},
	}
	for _, c := range cases {
		if got := l.In(c.lang, c.fallback); got != c.want {
			t.Errorf("In(%q, %q) = %q, want %q", c.lang, c.fallback, got, c.want)
		}
	}
}
