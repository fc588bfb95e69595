package config_test

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/switchboardhq/switchboard/config"
	"github.com/switchboardhq/switchboard/dialog"
)

// settingsSeeds are YAML files an administrator might write, right and
// wrong: the shipped example is added to them.
var settingsSeeds = []string{
	"",
	"default_language: ru\ndefault_region: ru\n",
	"menu:\n  - {id: hours, kind: answer, label: Hours, answer: {en: \"9-18\", ru: \"9-18\"}}\n",
	"menu:\n  - id: a b\n    kind: teleport\n    label: {}\n",
	"business_hours:\n  time_zone: Mars/Olympus\n  weekly: {mon: \"18:00-09:00\", xyz: \"25:00-26:00\"}\n  holidays: [\"2026-02-30\"]\n",
	"callbacks:\n  slot_minutes: 1.5\n  retry_after: [soon, 5m]\n  max_attempts: [1]\n",
	"proactive_per_day: 99999999999999999999\nquiet_hours: \"21:00-\"\n",
	"texts:\n  en:\n    greeting: \"Hello, your ticket is {ticket}\"\n    handover: \"Wait please\"\n  pt-BR:\n    greeting: \"Olá {ticket}\"\n",
	"texts:\n  en:\n    no_such_key: x\n    menu: \"  \"\n",
	"labels:\n  thanks: {en: [thank*, \"*\", \"\"]}\n  praise: {en: [wow]}\n",
	"unknown_key: 1\n\tbad: tab\n",
	"a: &a [x, x]\nb: &b [*a, *a]\nc: [*b, *b]\n",
	"menu: {id: x}\n",
	"- just\n- a\n- list\n",
}

// textVars fills every placeholder a text may have with values that hold
// none.
var textVars = []string{"ticket", "SB-000042", "position", "3", "minutes", "15", "operator", "Ann",
	"when", "Monday at 09:00", "digit", "1", "label", "Billing", "phone", "447700900123", "other", "2"}

// FuzzParseSettings: any YAML either loads as settings that validate, whose
// business hours make a schedule and whose texts (with their
// placeholders) load and fill, or is refused naming a key for every
// problem. Nothing panics.
func FuzzParseSettings(f *testing.F) {
	example, err := os.ReadFile("../examples/switchboard.yaml")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(example)
	for _, s := range settingsSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		s, err := config.ParseSettings(raw)
		if err != nil {
			for _, e := range leaves(err) {
				var ce *config.Error
				if !errors.As(e, &ce) || ce.Key == "" {
					t.Fatalf("problem %v names no key", e)
				}
			}
			return
		}
		if err := s.Validate(); err != nil {
			t.Fatalf("loaded settings do not validate: %v", err)
		}
		if _, err := s.BusinessHours.Schedule(); err != nil {
			t.Fatalf("loaded business hours make no schedule: %v", err)
		}
		texts, err := dialog.NewTexts(s.Texts, s.DefaultLanguage)
		if err != nil {
			return
		}
		for lang, m := range s.Texts {
			for key := range m {
				got := texts.Get(texts.Language(lang), key, textVars...)
				for i := 0; i < len(textVars); i += 2 {
					if ph := "{" + textVars[i] + "}"; strings.Contains(got, ph) {
						t.Errorf("texts.%s.%s filled is %q: %s left", lang, key, got, ph)
					}
				}
			}
		}
	})
}

// leaves are the errors joined in err.
func leaves(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, leaves(e)...)
		}
		return out
	}
	return []error{err}
}
