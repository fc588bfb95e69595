package config

import (
	"net/mail"
	"time"

	"github.com/switchboardhq/switchboard/feedback/label"
)

// SurveySettings is when a resolved request's survey goes out (YAML:
// survey).
type SurveySettings struct {
	// Delay is how long after a conversation is resolved its survey is
	// sent, 12h to 72h (YAML: survey.delay, default 24h).
	Delay time.Duration `yaml:"delay"`
	// AfterComplaint replaces Delay for a ticket with a complaint, 24h to
	// 48h, so the fix has time to show (YAML: survey.after_complaint,
	// default 48h).
	AfterComplaint time.Duration `yaml:"after_complaint"`
}

// Survey timing bounds and defaults.
const (
	DefaultSurveyDelay          = 24 * time.Hour
	DefaultSurveyAfterComplaint = 48 * time.Hour
	// DefaultProactivePerDay is how many messages a customer gets a day
	// that they did not ask for (YAML: proactive_per_day).
	DefaultProactivePerDay = 1
	// MaxProactivePerDay bounds proactive_per_day.
	MaxProactivePerDay = 10
)

// DefaultSurveySettings are the survey settings with no YAML.
func DefaultSurveySettings() SurveySettings {
	return SurveySettings{Delay: DefaultSurveyDelay, AfterComplaint: DefaultSurveyAfterComplaint}
}

// LabelRules are the keyword rules that label customers' feedback, the
// built-in ones with each label the YAML sets replaced.
func (s Settings) LabelRules() label.Rules { return label.Merge(label.DefaultRules(), s.Labels) }

// feedbackProblems checks survey, proactive_per_day, feedback_owner and
// labels, naming the key of every problem.
func (s Settings) feedbackProblems() []error {
	var errs []error
	add := func(key, format string, args ...any) { errs = append(errs, keyErr(key, format, args...)) }
	if d := s.Survey.Delay; d < 12*time.Hour || d > 72*time.Hour {
		add("survey.delay", "%s is outside 12h to 72h", d)
	}
	if d := s.Survey.AfterComplaint; d < 24*time.Hour || d > 48*time.Hour {
		add("survey.after_complaint", "%s is outside 24h to 48h", d)
	}
	if n := s.ProactivePerDay; n < 1 || n > MaxProactivePerDay {
		add("proactive_per_day", "%d is outside 1 to %d", n, MaxProactivePerDay)
	}
	if s.FeedbackOwner != "" {
		if a, err := mail.ParseAddress(s.FeedbackOwner); err != nil || a.Address != s.FeedbackOwner {
			add("feedback_owner", "%q is not an email address (an operator's login)", s.FeedbackOwner)
		}
	}
	for _, p := range s.Labels.Validate() {
		errs = append(errs, keyErr(p.Key, "%s", p.Problem))
	}
	return errs
}
