package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/switchboardhq/switchboard/feedback/label"
	"github.com/switchboardhq/switchboard/hours"
	"github.com/switchboardhq/switchboard/phone"
)

// Settings is the YAML file's content: what customers see and when people
// are at work.
type Settings struct {
	// DefaultLanguage answers customers whose language is unknown or has
	// no texts (YAML: default_language).
	DefaultLanguage string `yaml:"default_language"`
	// DefaultRegion is the ISO country assumed for phone numbers typed
	// without a country code (YAML: default_region, e.g. GB).
	DefaultRegion string `yaml:"default_region"`
	// Menu is the one-level self-service menu, 1 to 4 options.
	Menu []MenuOption `yaml:"menu"`
	// Texts override built-in texts: language → text key → text.
	Texts map[string]map[string]string `yaml:"texts"`
	// BusinessHours says when operators answer.
	BusinessHours BusinessHours `yaml:"business_hours"`
	// Conversation holds conversation timings.
	Conversation ConversationSettings `yaml:"conversation"`
	// Queue holds the waiting-time estimate's inputs.
	Queue QueueSettings `yaml:"queue"`
	// Assignment is how waiting conversations reach operators: "manual"
	// (operators pick from the queue) or "round_robin" (each goes to the
	// online operator with a free slot assigned least recently).
	Assignment string `yaml:"assignment"`
	// Callbacks is how callbacks are booked and dialled.
	Callbacks CallbackSettings `yaml:"callbacks"`
	// QuietHours is when customers are never called, in their own time
	// zone: "21:00-09:00" (it may wrap midnight), or "" or "off" for never.
	QuietHours string `yaml:"quiet_hours"`
	// Survey is when a resolved request's survey goes out.
	Survey SurveySettings `yaml:"survey"`
	// ProactivePerDay caps the messages a customer gets in any 24 hours
	// that they did not ask for — surveys, callback notices — callback
	// reminders aside (YAML: proactive_per_day, 1 to 10, default 1).
	ProactivePerDay int `yaml:"proactive_per_day"`
	// FeedbackOwner is the email of the operator every complaint and
	// detractor score goes to (YAML: feedback_owner); empty, they go to
	// the supervisors.
	FeedbackOwner string `yaml:"feedback_owner"`
	// Labels are keyword rules per label and language that sort feedback
	// into thanks, complaints and questions; a label set here replaces
	// the built-in rules of that label (YAML: labels).
	Labels label.Rules `yaml:"labels"`
}

// Assignment modes.
const (
	AssignmentManual     = "manual"
	AssignmentRoundRobin = "round_robin"
)

// Menu option kinds.
const (
	MenuAnswer   = "answer"
	MenuOperator = "operator"
	// MenuCallback books a call back: the customer picks as soon as
	// possible or one of the next free slots.
	MenuCallback = "callback"
)

// MaxMenuOptions is the most a one-level menu may offer.
const MaxMenuOptions = 4

// MenuOption is one button of the menu.
type MenuOption struct {
	// ID is short and stable; it goes into button data (≤ 16 bytes).
	ID    string    `yaml:"id"`
	Label Localized `yaml:"label"`
	// Kind is "answer", "operator" or "callback".
	Kind string `yaml:"kind"`
	// Answer is the text for an answer option.
	Answer Localized `yaml:"answer"`
	// Queue names the operator queue for an operator option.
	Queue string `yaml:"queue"`
}

// Localized is a text in several languages. In YAML it is either a plain
// string (every language) or a map from language code to text.
type Localized map[string]string

// UnmarshalYAML accepts a string or a map of language → string.
func (l *Localized) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		*l = Localized{"": n.Value}
		return nil
	}
	m := map[string]string{}
	if err := n.Decode(&m); err != nil {
		return fmt.Errorf("want a text or a map of language to text: %w", err)
	}
	*l = Localized{}
	for k, v := range m {
		(*l)[strings.ToLower(k)] = v // language tags compare case-insensitively
	}
	return nil
}

// In returns the text for lang, falling back to fallback, then to any.
func (l Localized) In(lang, fallback string) string {
	lang = strings.ToLower(lang)
	base, _, _ := strings.Cut(lang, "-")
	for _, k := range []string{lang, base, strings.ToLower(fallback), "", "en"} {
		if v, ok := l[k]; ok && v != "" {
			return v
		}
	}
	for _, v := range l {
		return v
	}
	return ""
}

func (l Localized) empty() bool {
	for _, v := range l {
		if strings.TrimSpace(v) != "" {
			return false
		}
	}
	return true
}

// BusinessHours is when operators are at work.
type BusinessHours struct {
	// TimeZone is an IANA zone such as Europe/Berlin.
	TimeZone string `yaml:"time_zone"`
	// Weekly maps mon..sun to "09:00-18:00" (several ranges with commas),
	// or "closed". Days left out are closed. An empty map means always open.
	Weekly map[string]string `yaml:"weekly"`
	// Holidays are closed dates, YYYY-MM-DD.
	Holidays []string `yaml:"holidays"`
}

// ConversationSettings holds conversation timings.
type ConversationSettings struct {
	// ReopenWindow is how long after resolving a customer's message
	// reopens the same ticket; after it, a new ticket starts.
	ReopenWindow time.Duration `yaml:"reopen_window"`
}

// QueueSettings feeds the waiting-time estimate.
type QueueSettings struct {
	// MinutesPerCustomer is how long one operator takes per customer,
	// counted generously so the estimate errs on the long side.
	MinutesPerCustomer int `yaml:"minutes_per_customer"`
	// Estimate is how the wait told is worked out: EstimateLearned (the
	// default) from the desk's recent real waits, with MinutesPerCustomer
	// as the prior until there are enough; EstimateFixed from
	// MinutesPerCustomer alone.
	Estimate string `yaml:"estimate"`
}

// The ways of estimating a wait (queue.estimate).
const (
	EstimateLearned = "learned"
	EstimateFixed   = "fixed"
)

// DefaultSettings is what runs with no YAML file: a small menu that shows
// every kind, open around the clock.
func DefaultSettings() Settings {
	return Settings{
		DefaultLanguage: "en",
		Menu: []MenuOption{
			{ID: "hours", Kind: MenuAnswer,
				Label:  Localized{"en": "Opening hours", "ru": "Часы работы"},
				Answer: Localized{"en": "We answer every day; write any time and a person will reply.", "ru": "Мы отвечаем каждый день; пишите в любое время, и вам ответит человек."}},
			{ID: "order", Kind: MenuOperator, Queue: "orders",
				Label: Localized{"en": "A question about my order", "ru": "Вопрос о заказе"}},
			{ID: "call", Kind: MenuCallback,
				Label: Localized{"en": "Call me back", "ru": "Перезвоните мне"}},
		},
		Conversation:    ConversationSettings{ReopenWindow: 72 * time.Hour},
		Queue:           QueueSettings{MinutesPerCustomer: 5, Estimate: EstimateLearned},
		Assignment:      AssignmentManual,
		Callbacks:       DefaultCallbackSettings(),
		QuietHours:      DefaultQuietHours,
		Survey:          DefaultSurveySettings(),
		ProactivePerDay: DefaultProactivePerDay,
	}
}

// LoadSettingsFile reads YAML from path over the defaults and validates it.
func LoadSettingsFile(path string) (Settings, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return Settings{}, keyErr("SWITCHBOARD_CONFIG", "cannot read %s: %v", path, err)
	}
	return ParseSettings(raw)
}

// ParseSettings reads YAML over the defaults and validates it. Unknown keys
// are errors, so a typo does not silently do nothing.
func ParseSettings(raw []byte) (Settings, error) {
	s := DefaultSettings()
	// Keys whose zero is meaningful (0s, "", false) decode over their
	// defaults: left out they keep them, set they win.
	file := Settings{Callbacks: s.Callbacks, QuietHours: s.QuietHours, Survey: s.Survey, ProactivePerDay: s.ProactivePerDay}
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	if err := dec.Decode(&file); err != nil && !errors.Is(err, io.EOF) {
		return s, yamlProblems(raw, err)
	}
	if err := wholeNumberProblems(raw); err != nil {
		return s, err
	}
	if file.DefaultLanguage != "" {
		s.DefaultLanguage = file.DefaultLanguage
	}
	s.DefaultRegion = strings.ToUpper(file.DefaultRegion)
	if file.Menu != nil {
		s.Menu = file.Menu
	}
	s.Texts = file.Texts
	s.BusinessHours = file.BusinessHours
	if file.Conversation.ReopenWindow != 0 {
		s.Conversation.ReopenWindow = file.Conversation.ReopenWindow
	}
	if file.Queue.MinutesPerCustomer != 0 {
		s.Queue.MinutesPerCustomer = file.Queue.MinutesPerCustomer
	}
	if file.Queue.Estimate != "" {
		s.Queue.Estimate = file.Queue.Estimate
	}
	if file.Assignment != "" {
		s.Assignment = file.Assignment
	}
	s.Callbacks, s.QuietHours = file.Callbacks, file.QuietHours
	s.Survey, s.ProactivePerDay, s.FeedbackOwner, s.Labels = file.Survey, file.ProactivePerDay, file.FeedbackOwner, file.Labels
	return s, s.Validate()
}

// Validate checks the settings and names the YAML key of every problem.
func (s Settings) Validate() error {
	var errs []error
	add := func(key, format string, args ...any) { errs = append(errs, keyErr(key, format, args...)) }
	switch n := len(s.Menu); {
	case n == 0:
		add("menu", "needs at least one option")
	case n > MaxMenuOptions:
		add("menu", "has %d options; at most %d fit a one-level menu (\"Talk to a person\" is added on its own)", n, MaxMenuOptions)
	}
	seen := map[string]bool{}
	for i, o := range s.Menu {
		k := fmt.Sprintf("menu[%d]", i)
		switch {
		case o.ID == "":
			add(k+".id", "is empty")
		case len(o.ID) > 16 || strings.ContainsAny(o.ID, " :"):
			add(k+".id", "%q must be at most 16 bytes with no spaces or colons", o.ID)
		case seen[o.ID]:
			add(k+".id", "%q is used twice", o.ID)
		}
		seen[o.ID] = true
		if o.Label.empty() {
			add(k+".label", "is empty")
		}
		for lang, v := range o.Label {
			if len([]rune(v)) > 64 {
				add(k+".label", "%q text is longer than 64 characters", lang)
			}
		}
		if len(o.Queue) > 64 {
			add(k+".queue", "is longer than 64 characters")
		}
		switch o.Kind {
		case MenuAnswer:
			if o.Answer.empty() {
				add(k+".answer", "is empty (an answer option needs its text)")
			}
		case MenuOperator, MenuCallback:
		case "":
			add(k+".kind", "is empty (want answer, operator or callback)")
		default:
			add(k+".kind", "%q is not answer, operator or callback", o.Kind)
		}
	}
	if _, err := s.BusinessHours.Schedule(); err != nil {
		errs = append(errs, keyErr("business_hours", "%v", err))
	}
	if s.Conversation.ReopenWindow < 0 {
		add("conversation.reopen_window", "must not be negative")
	}
	if s.Queue.MinutesPerCustomer < 1 || s.Queue.MinutesPerCustomer > 240 {
		add("queue.minutes_per_customer", "must be between 1 and 240")
	}
	if s.Queue.Estimate != EstimateLearned && s.Queue.Estimate != EstimateFixed {
		add("queue.estimate", "must be %q or %q, not %q", EstimateLearned, EstimateFixed, s.Queue.Estimate)
	}
	if s.DefaultRegion != "" && !phone.ValidRegion(s.DefaultRegion) {
		add("default_region", "%q is not an ISO country code with phone numbers (e.g. GB, US, RU)", s.DefaultRegion)
	}
	if s.DefaultLanguage == "" {
		add("default_language", "is empty")
	}
	switch s.Assignment {
	case AssignmentManual, AssignmentRoundRobin:
	default:
		add("assignment", "%q is not manual or round_robin", s.Assignment)
	}
	errs = append(errs, s.callbackProblems()...)
	errs = append(errs, s.feedbackProblems()...)
	return errors.Join(errs...)
}

// Schedule turns the YAML business hours into a schedule.
func (b BusinessHours) Schedule() (*hours.Schedule, error) {
	return hours.Parse(b.TimeZone, b.Weekly, b.Holidays)
}
