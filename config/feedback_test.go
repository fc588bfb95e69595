package config_test

import (
	"strings"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/config"
	"github.com/switchboardhq/switchboard/feedback/label"
)

func TestFeedbackSettings(t *testing.T) {
	s, err := config.ParseSettings([]byte(`
survey: {delay: 36h}
proactive_per_day: 2
feedback_owner: quality@example.com
labels:
  thanks: {en: [cheers], ru: [спс]}
`))
	if err != nil {
		t.Fatal(err)
	}
	if s.Survey.Delay != 36*time.Hour || s.Survey.AfterComplaint != config.DefaultSurveyAfterComplaint {
		t.Errorf("survey = %+v, want delay 36h and the default after a complaint", s.Survey)
	}
	if s.ProactivePerDay != 2 || s.FeedbackOwner != "quality@example.com" {
		t.Errorf("proactive_per_day %d, feedback_owner %q", s.ProactivePerDay, s.FeedbackOwner)
	}
	c := label.New(s.LabelRules())
	if c.Label("cheers mate") != label.Thanks || c.Label("спасибо") != "" {
		t.Error("labels.thanks should replace the built-in thanks keywords")
	}
	if c.Label("this is terrible") != label.Complaint {
		t.Error("labels left out of the YAML keep their built-in keywords")
	}
	d := config.DefaultSettings()
	if d.Survey.Delay != 24*time.Hour || d.ProactivePerDay != 1 {
		t.Errorf("defaults: survey %+v, proactive_per_day %d", d.Survey, d.ProactivePerDay)
	}
}

func TestFeedbackSettingsErrorsNameTheKey(t *testing.T) {
	cases := []struct{ yaml, key string }{
		{"survey: {delay: 6h}", "survey.delay"},
		{"survey: {delay: 96h}", "survey.delay"},
		{"survey: {after_complaint: 12h}", "survey.after_complaint"},
		{"proactive_per_day: 0", "proactive_per_day"},
		{"proactive_per_day: 50", "proactive_per_day"},
		{"feedback_owner: not an email", "feedback_owner"},
		{"labels: {praise: {en: [nice]}}", "labels.praise"},
		{"labels: {thanks: {en: []}}", "labels.thanks.en"},
		{"labels: {thanks: {}}", "labels.thanks"},
		{"labels: [thanks]", "labels"},
		{"labels: {thanks: {en: thank}}", "labels.thanks.en"},
		{"proactive_per_day: 1.5", "proactive_per_day"},
		{"queue: {minutes_per_customer: 2.5}", "queue.minutes_per_customer"},
		{"callbacks: {max_attempts: 2.0}", "callbacks.max_attempts"},
	}
	for _, tc := range cases {
		_, err := config.ParseSettings([]byte(tc.yaml))
		if err == nil || !strings.Contains(err.Error(), tc.key+":") {
			t.Errorf("%s: error %v, want one naming %s", tc.yaml, err, tc.key)
		}
	}
}
