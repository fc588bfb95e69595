// Package audit is switchboard's audit trail: who did what, to what, when
// and from which address — logins and failed logins, lockouts, passwords
// reset or changed, operators created or changed, canned responses
// changed, customers merged or erased, callbacks dialled at once and
// follow-ups closed. It decides what an entry holds and keeps secrets out
// of it; storage keeps the entries, the API shows them to supervisors.
package audit

import (
	"encoding/json"
	"strings"
	"time"
	"unicode/utf8"
)

// Action names what an entry records.
type Action string

// The actions recorded.
const (
	Login           Action = "login"
	LoginFailed     Action = "login_failed"
	Lockout         Action = "lockout"
	PasswordReset   Action = "password_reset"
	PasswordChanged Action = "password_changed"
	OperatorCreated Action = "operator_created"
	OperatorChanged Action = "operator_changed"
	CannedCreated   Action = "canned_created"
	CannedChanged   Action = "canned_changed"
	CannedDeleted   Action = "canned_deleted"
	CustomerMerged  Action = "customer_merged"
	CustomerErased  Action = "customer_erased"
	CallbackDialNow Action = "callback_dial_now"
	FollowUpClosed  Action = "followup_closed"
)

// Actions are every action, in the order the console offers them as a
// filter.
var Actions = []Action{Login, LoginFailed, Lockout, PasswordReset, PasswordChanged, OperatorCreated,
	OperatorChanged, CannedCreated, CannedChanged, CannedDeleted, CustomerMerged, CustomerErased,
	CallbackDialNow, FollowUpClosed}

// Valid reports whether a is one of Actions.
func (a Action) Valid() bool {
	for _, known := range Actions {
		if a == known {
			return true
		}
	}
	return false
}

// Kinds of target an entry names.
const (
	TargetOperator = "operator"
	TargetCanned   = "canned_response"
	TargetCustomer = "customer"
	TargetCallback = "callback"
	TargetFollowUp = "followup"
)

// Target is what an action was done to: a kind and an id. The zero
// Target is none (a failed login of an email nobody has).
type Target struct {
	Type string
	ID   uint64
}

// OperatorTarget names operator id as what an action was done to.
func OperatorTarget(id uint64) Target { return Target{Type: TargetOperator, ID: id} }

// Actor is who did it and from where. ID 0 is nobody known: a failed
// login of an unknown email, or the command line.
type Actor struct {
	ID    uint64
	Email string
	// Address is the client's IP as the HTTP server sees it (behind a
	// trusted proxy, the address the proxy was asked by); "" off HTTP.
	Address string
}

// Entry is one recorded action. Details is a JSON object of what changed
// or what else matters (e.g. {"role":["operator","supervisor"]}); it never
// holds a password, a hash, a token or a session.
type Entry struct {
	ID uint64    `gorm:"primaryKey"`
	At time.Time `gorm:"not null"`
	// ActorID is nil when nobody known acted (see Actor).
	ActorID    *uint64
	ActorEmail string `gorm:"size:256;not null;default:''"`
	Action     Action `gorm:"size:32;not null"`
	TargetType string `gorm:"size:32;not null;default:''"`
	TargetID   *uint64
	Details    string `gorm:"not null;default:'{}'"`
	Address    string `gorm:"size:64;not null;default:''"`
}

// TableName is where entries are kept.
func (Entry) TableName() string { return "audit_entries" }

// New is the entry of action by actor on target at at, with details
// (nil for none) stripped of secrets (see Details.clean).
func New(at time.Time, by Actor, action Action, target Target, details Details) Entry {
	e := Entry{At: at.UTC().Truncate(time.Microsecond), ActorEmail: clip(strings.ToLower(strings.TrimSpace(by.Email)), MaxEmail),
		Action: action, TargetType: target.Type, Address: clip(by.Address, MaxAddress), Details: details.encode()}
	if by.ID != 0 {
		id := by.ID
		e.ActorID = &id
	}
	if target.ID != 0 {
		id := target.ID
		e.TargetID = &id
	}
	return e
}

// Longest email and address an entry keeps (their columns' sizes): a
// login may type anything, the trail keeps its start.
const (
	MaxEmail   = 256
	MaxAddress = 64
)

// clip is s cut to at most n characters.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

// Details are what an entry tells beyond who, what and to what.
type Details map[string]any

// Change notes that field went from before to after; nothing when they
// are equal, so only what changed is told.
func (d Details) Change(field string, before, after any) {
	if before == after {
		return
	}
	d[field] = []any{before, after}
}

// secretWords mark a detail's key as a secret: such keys are dropped
// whatever their value, so a careless caller cannot put a password or a
// token into the trail.
var secretWords = []string{"password", "hash", "token", "secret", "session", "csrf", "cookie"}

// IsSecretKey reports whether a detail named key would be dropped.
func IsSecretKey(key string) bool {
	k := strings.ToLower(key)
	for _, w := range secretWords {
		if strings.Contains(k, w) {
			return true
		}
	}
	return false
}

// clean is d without secret keys, at any depth.
func clean(v any) any {
	switch t := v.(type) {
	case Details:
		return clean(map[string]any(t))
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, x := range t {
			if !IsSecretKey(k) {
				out[k] = clean(x)
			}
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			out[i] = clean(x)
		}
		return out
	}
	return v
}

// encode is d as the JSON object stored, secrets dropped; "{}" for none.
func (d Details) encode() string {
	if len(d) == 0 {
		return "{}"
	}
	raw, err := json.Marshal(clean(d))
	if err != nil {
		// Details are plain values; should one not encode, the entry
		// still says who did what.
		return `{"details":"could not be encoded"}`
	}
	return string(raw)
}
