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
		{"unknown top-level key", "colour: blue", "SWITCHBOARD_CONFIG", "colour"},
		{"unknown nested key", "queue: {minutes_per_person: 5}", "SWITCHBOARD_CONFIG", "minutes_per_person"},
		{"unknown menu option key", "menu:\n  - {id: a, kind: operator, label: L, qeue: x}", "SWITCHBOARD_CONFIG", "qeue"},
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
			if s.Queue.MinutesPerCustomer != 8 || len(s.Menu) != 2 || s.Conversation.ReopenWindow != 72*time.Hour {
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
