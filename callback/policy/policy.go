// Package policy is the callback policy, as pure functions with no
// database: which slots a customer may pick (inside business hours,
// outside their quiet hours, not full), when a failed dial is tried again,
// and which changes of a callback's state and of its call's status are
// allowed. Package callback schedules and dials by it.
package policy

import "time"

// Defaults for the parts of a SlotPolicy that are not configuration.
const (
	// DefaultLead is the least time between now and the start of a slot
	// offered, so a customer is not offered a slot that starts as they read.
	DefaultLead = 5 * time.Minute
	// DefaultHorizon is how far ahead slots are looked for, so a search
	// through full or closed days always ends.
	DefaultHorizon = 14 * 24 * time.Hour
)
