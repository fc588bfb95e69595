package config

import (
	"fmt"
	"time"

	"github.com/switchboardhq/switchboard/callback/policy"
)

// CallbackSettings is how callbacks are booked and dialled (YAML:
// callbacks). Slots lie inside business_hours and outside the customer's
// quiet_hours.
type CallbackSettings struct {
	// SlotMinutes is how long a bookable slot is, 5 to 240; slots start on
	// multiples of it since midnight in business_hours' time zone (YAML:
	// callbacks.slot_minutes, default 30).
	SlotMinutes int `yaml:"slot_minutes"`
	// SlotCapacity is how many callbacks one slot takes, at least 1 (YAML:
	// callbacks.slot_capacity, default 2).
	SlotCapacity int `yaml:"slot_capacity"`
	// SlotsOffered is how many of the next free slots a customer is offered
	// to pick from, 1 to 4 (YAML: callbacks.slots_offered, default 3).
	SlotsOffered int `yaml:"slots_offered"`
	// RetryAfter are the waits before dialling again after a dial that was
	// busy, not answered or failed: the first after the first dial, and so
	// on; the last repeats (YAML: callbacks.retry_after, default [5m, 15m]).
	RetryAfter []time.Duration `yaml:"retry_after"`
	// MaxAttempts is how many dials are made before the callback fails and
	// the customer is told, 1 to 10 (YAML: callbacks.max_attempts, default 3).
	MaxAttempts int `yaml:"max_attempts"`
	// RemindBefore is how long before a booked slot the customer is
	// reminded; 0s sends no reminder (YAML: callbacks.remind_before,
	// default 15m).
	RemindBefore time.Duration `yaml:"remind_before"`
	// LateAfter is how long after a callback was due, not yet dialled, the
	// customer is told it runs late (YAML: callbacks.late_after, default 10m).
	LateAfter time.Duration `yaml:"late_after"`
	// MachineDetection asks Twilio to tell a person from an answering
	// machine, so a voicemail counts as no answer (YAML:
	// callbacks.machine_detection, default false).
	MachineDetection bool `yaml:"machine_detection"`
}

// DefaultQuietHours is when customers are left alone unless the YAML says
// otherwise (YAML: quiet_hours).
const DefaultQuietHours = "21:00-09:00"

// DefaultCallbackSettings are the callback settings with no YAML.
func DefaultCallbackSettings() CallbackSettings {
	return CallbackSettings{
		SlotMinutes:  30,
		SlotCapacity: 2,
		SlotsOffered: 3,
		RetryAfter:   []time.Duration{5 * time.Minute, 15 * time.Minute},
		MaxAttempts:  3,
		RemindBefore: 15 * time.Minute,
		LateAfter:    10 * time.Minute,
	}
}

// callbackProblems checks callbacks and quiet_hours, naming the key of
// every problem.
func (s Settings) callbackProblems() []error {
	var errs []error
	add := func(key, format string, args ...any) { errs = append(errs, keyErr(key, format, args...)) }
	c := s.Callbacks
	if c.SlotMinutes < 5 || c.SlotMinutes > 240 {
		add("callbacks.slot_minutes", "must be between 5 and 240")
	}
	if c.SlotCapacity < 1 {
		add("callbacks.slot_capacity", "must be at least 1")
	}
	if c.SlotsOffered < 1 || c.SlotsOffered > 4 {
		add("callbacks.slots_offered", "must be between 1 and 4")
	}
	if len(c.RetryAfter) == 0 {
		add("callbacks.retry_after", "needs at least one duration, e.g. [5m, 15m]")
	}
	for i, d := range c.RetryAfter {
		if d <= 0 {
			add(fmt.Sprintf("callbacks.retry_after[%d]", i), "must be above 0")
		}
	}
	if c.MaxAttempts < 1 || c.MaxAttempts > 10 {
		add("callbacks.max_attempts", "must be between 1 and 10")
	}
	if c.RemindBefore < 0 {
		add("callbacks.remind_before", "must not be negative (0s sends no reminder)")
	}
	if c.LateAfter <= 0 {
		add("callbacks.late_after", "must be above 0")
	}
	if _, err := policy.ParseQuietHours(s.QuietHours); err != nil {
		add("quiet_hours", "%v", err)
	}
	return errs
}

// RetryPolicy is when a dial that did not reach the customer is tried again.
func (c CallbackSettings) RetryPolicy() policy.RetryPolicy {
	return policy.RetryPolicy{After: append([]time.Duration(nil), c.RetryAfter...), MaxAttempts: c.MaxAttempts}
}

// SlotPolicy is when callbacks may be booked: slots from callbacks, inside
// business_hours, outside quiet_hours. The errors are those Validate
// reports for these keys.
func (s Settings) SlotPolicy() (policy.SlotPolicy, error) {
	business, err := s.BusinessHours.Schedule()
	if err != nil {
		return policy.SlotPolicy{}, keyErr("business_hours", "%v", err)
	}
	quiet, err := policy.ParseQuietHours(s.QuietHours)
	if err != nil {
		return policy.SlotPolicy{}, keyErr("quiet_hours", "%v", err)
	}
	return policy.SlotPolicy{
		Length:   time.Duration(s.Callbacks.SlotMinutes) * time.Minute,
		Capacity: s.Callbacks.SlotCapacity,
		Business: business,
		Quiet:    quiet,
	}, nil
}
