package storage

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/switchboardhq/switchboard/callback/policy"
)

// Callback is a customer's request to be called back, kept durably: it
// waits in state scheduled until due, is leased by one dialer while
// dialing, and ends completed, failed or cancelled (see policy.State).
type Callback struct {
	ID         uint64 `gorm:"primaryKey"`
	CustomerID uint64 `gorm:"not null;index"`
	// ConversationID is the request (ticket) the callback belongs to, if any.
	ConversationID *uint64 `gorm:"index"`
	// IdentityID is the channel identity the customer asked through, where
	// confirmations and "we could not reach you" go; for a booking by an
	// operator, the Telegram or SMS identity the customer last wrote from,
	// nil when they have none.
	IdentityID *uint64
	// Phone is the number to dial, in E.164.
	Phone string `gorm:"size:32;not null"`
	// TimeZone is the customer's own zone when one was set for them (see
	// Customer.TimeZone), kept here for whoever schedules the call;
	// empty, their number's country's zone applies. See Location.
	TimeZone string       `gorm:"size:64;not null;default:''"`
	State    policy.State `gorm:"size:16;not null;index:idx_callback_due,priority:1"`
	// ASAP is set for "as soon as possible": the callback takes its turn by
	// RequestedAt, ahead of those booked for a time.
	ASAP bool `gorm:"column:asap;not null;default:false"`
	// DialNow is set by an operator's "dial now": the callback is due at
	// once and goes ahead of every other due callback until it is dialled.
	DialNow     bool      `gorm:"not null;default:false"`
	RequestedAt time.Time `gorm:"not null"`
	// DueAt is the booked slot's start, or RequestedAt when ASAP; slots are
	// counted by it.
	DueAt       time.Time `gorm:"not null;index:idx_callback_slot"`
	Attempts    int       `gorm:"not null;default:0"`
	MaxAttempts int       `gorm:"not null;default:1"`
	// NextAttemptAt is when the callback may next be dialled: DueAt at
	// first, later the time of a retry.
	NextAttemptAt time.Time `gorm:"not null;index:idx_callback_due,priority:2"`
	// LeaseOwner and LockedUntil say which dialer holds a dialing callback
	// and until when; past LockedUntil the dialer is presumed gone.
	LeaseOwner  string `gorm:"size:128"`
	LockedUntil *time.Time
	// CallSid is the provider's id of the latest call, and CallStatus the
	// latest status seen for it.
	CallSid    string `gorm:"size:64;index:idx_callback_call_sid"`
	CallStatus string `gorm:"size:16"`
	// Outcome is how the latest dial ended (a call status, see
	// policy.Outcome); LastError why a dial could not be made.
	Outcome   string `gorm:"size:16"`
	LastError string `gorm:"size:512"`
	// OperatorID is the operator who took the call.
	OperatorID  *uint64
	Notes       string `gorm:"size:2000"`
	CreatedAt   time.Time
	UpdatedAt   time.Time
	CompletedAt *time.Time
	CancelledAt *time.Time
	// RemindedAt is when the customer was reminded of a booked callback
	// (or, for one with no channel to write to, when the reminder fell
	// due); nil until then. It is set once.
	RemindedAt *time.Time
	// LateNoticeAt is when the customer was told the callback runs late;
	// nil until then. It is set once.
	LateNoticeAt *time.Time
	// PromisedAt is the moment the customer was promised the call: the
	// booked slot's start, or RequestedAt for "as soon as possible". Set
	// when booked, and again when moved to another time.
	PromisedAt *time.Time
	// FirstDialedAt is when the first call for it was placed; set once, a
	// retry does not move it.
	FirstDialedAt *time.Time
}

// CallbackStateError is returned when a callback cannot make a change from
// the state it is in. It matches ErrWrongState with errors.Is.
type CallbackStateError struct {
	ID    uint64
	State policy.State
	To    policy.State
}

func (e *CallbackStateError) Error() string {
	if e.State == e.To {
		return fmt.Sprintf("callback %d is %s already", e.ID, e.State)
	}
	return fmt.Sprintf("callback %d is %s and cannot become %s", e.ID, e.State, e.To)
}

// Is makes a CallbackStateError an ErrWrongState.
func (e *CallbackStateError) Is(target error) bool { return target == ErrWrongState }

// CreateCallback inserts cb as scheduled and fills its id. A zero
// RequestedAt is now; an ASAP callback is due when requested; a zero
// NextAttemptAt is DueAt; MaxAttempts is at least 1.
func (s *Storage) CreateCallback(ctx context.Context, cb *Callback) error {
	if cb.Phone == "" || cb.CustomerID == 0 {
		return errors.New("create callback: customer and phone are required")
	}
	cb.State = policy.Scheduled
	if cb.RequestedAt.IsZero() {
		cb.RequestedAt = time.Now()
	}
	cb.RequestedAt = cb.RequestedAt.UTC()
	if cb.ASAP || cb.DueAt.IsZero() {
		cb.ASAP, cb.DueAt = true, cb.RequestedAt
	}
	cb.DueAt = cb.DueAt.UTC()
	if cb.NextAttemptAt.IsZero() {
		cb.NextAttemptAt = cb.DueAt
	}
	cb.NextAttemptAt = cb.NextAttemptAt.UTC()
	cb.MaxAttempts = max(cb.MaxAttempts, 1)
	promised := cb.DueAt
	cb.PromisedAt = &promised
	if err := s.q(ctx).Create(cb).Error; err != nil {
		return fmt.Errorf("create callback for customer %d: %w", cb.CustomerID, err)
	}
	return nil
}

// GetCallback loads one callback (locked on PostgreSQL inside a
// transaction).
func (s *Storage) GetCallback(ctx context.Context, id uint64) (Callback, error) {
	var cb Callback
	if err := s.forUpdate(s.q(ctx)).Take(&cb, id).Error; err != nil {
		return cb, fmt.Errorf("get callback %d: %w", id, notFound(err))
	}
	return cb, nil
}

// ActiveCallbackOf is conversation convID's callback that is scheduled or
// dialing, the latest if several; ErrNotFound when it has none.
func (s *Storage) ActiveCallbackOf(ctx context.Context, convID uint64) (Callback, error) {
	var cb Callback
	err := s.q(ctx).Where("conversation_id = ? AND state IN ?", convID, []policy.State{policy.Scheduled, policy.Dialing}).
		Order("id DESC").Take(&cb).Error
	if err != nil {
		return cb, fmt.Errorf("active callback of conversation %d: %w", convID, notFound(err))
	}
	return cb, nil
}

// CallbackFilter narrows ListCallbacks; zero fields do not filter.
type CallbackFilter struct {
	State      policy.State
	CustomerID uint64
	// Limit is the page size, DefaultListLimit when not in
	// 1..MaxListLimit.
	Limit int
	// Cursor continues the list after the page that handed it out; ""
	// starts at the top.
	Cursor string
}

// claimOrder is the order in which due callbacks are dialled: those an
// operator asked to dial now first, by when they asked; then "as soon as
// possible" ones, by when they were asked for; then booked ones by time.
const claimOrder = "dial_now DESC, CASE WHEN dial_now THEN next_attempt_at END ASC, " +
	"asap DESC, CASE WHEN asap THEN requested_at ELSE due_at END ASC, id ASC"

// The dialling order (claimOrder) as five ascending keys without NULLs,
// which keyset paging and an index (migration 15) can follow: the group
// (dial now, as soon as possible, booked), the time that orders the group,
// then claimOrder's own tie-breakers.
const (
	dialGroupKey  = "CASE WHEN dial_now THEN 0 WHEN asap THEN 1 ELSE 2 END"
	dialTimeKey   = "CASE WHEN dial_now THEN next_attempt_at WHEN asap THEN requested_at ELSE due_at END"
	dialAsapKey   = "CASE WHEN asap THEN 0 ELSE 1 END"
	dialTurnKey   = "CASE WHEN asap THEN requested_at ELSE due_at END"
	dialOrderKeys = dialGroupKey + ", " + dialTimeKey + ", " + dialAsapKey + ", " + dialTurnKey + ", id"
)

// dialKey is a scheduled callback's place in the dialling order.
type dialKey struct {
	Group int       `json:"g"`
	At    time.Time `json:"t"`
	Asap  int       `json:"a"`
	Turn  time.Time `json:"u"`
	ID    uint64    `json:"i"`
}

// dialKeyOf is cb's dialKey, as dialOrderKeys compute it.
func dialKeyOf(cb Callback) dialKey {
	k := dialKey{Group: 2, At: cb.DueAt, Asap: 1, Turn: cb.DueAt, ID: cb.ID}
	if cb.ASAP {
		k.Asap, k.Turn = 0, cb.RequestedAt
	}
	switch {
	case cb.DialNow:
		k.Group, k.At = 0, cb.NextAttemptAt
	case cb.ASAP:
		k.Group, k.At = 1, cb.RequestedAt
	}
	return k
}

// The orders of callback lists: scheduled ones as they will be dialled,
// others by their latest change, newest first.
var (
	dialKeyset = keyset[Callback, dialKey]{
		list:  "callbacks:dial",
		order: dialOrderKeys,
		after: "(" + dialOrderKeys + ") > (?, ?, ?, ?, ?)",
		args: func(k dialKey) []any {
			return []any{k.Group, k.At.UTC(), k.Asap, k.Turn.UTC(), k.ID}
		},
		keyOf: dialKeyOf,
	}
	changedKeyset = keyset[Callback, timeKey]{
		list:  "callbacks:changed",
		order: "updated_at DESC, id DESC",
		after: "(updated_at, id) < (?, ?)",
		args:  timeKeyArgs,
		keyOf: func(cb Callback) timeKey { return timeKey{At: cb.UpdatedAt, ID: cb.ID} },
	}
)

// ListCallbacks returns the first page of callbacks as CallbackPage does.
func (s *Storage) ListCallbacks(ctx context.Context, f CallbackFilter) ([]Callback, error) {
	out, _, err := s.CallbackPage(ctx, f)
	return out, err
}

// CallbackPage returns one page of callbacks, scheduled ones in the order
// they will be dialled, others newest first, with the cursor of the next
// page ("" after the last). A cursor not handed out for this order is a
// paging.ErrBadCursor.
func (s *Storage) CallbackPage(ctx context.Context, f CallbackFilter) ([]Callback, string, error) {
	q := s.q(ctx).Model(&Callback{})
	if f.State != "" {
		q = q.Where("state = ?", f.State)
	}
	if f.CustomerID != 0 {
		q = q.Where("customer_id = ?", f.CustomerID)
	}
	var (
		out  []Callback
		next string
		err  error
	)
	if f.State == policy.Scheduled {
		out, next, err = page(q, dialKeyset, f.Cursor, f.Limit)
	} else {
		out, next, err = page(q, changedKeyset, f.Cursor, f.Limit)
	}
	if err != nil {
		return nil, "", fmt.Errorf("list callbacks: %w", err)
	}
	return out, next, nil
}

// CancelCallback withdraws a callback at time at, whatever its lease; a
// dialing one's call is the dialer's to end. It fails with a
// CallbackStateError (an ErrWrongState) when the callback is completed or
// cancelled already.
func (s *Storage) CancelCallback(ctx context.Context, id uint64, at time.Time) (Callback, error) {
	at = at.UTC()
	return s.moveCallback(ctx, id, policy.Cancelled, map[string]any{
		"cancelled_at": at, "updated_at": at, "lease_owner": "", "locked_until": nil,
	})
}

// moveCallback moves callback id to state to, writing set with it, after
// checking the move with policy.State.CanMove; it returns the callback
// as it is afterwards.
func (s *Storage) moveCallback(ctx context.Context, id uint64, to policy.State, set map[string]any) (Callback, error) {
	var cb Callback
	err := s.Tx(ctx, func(tx *Storage) error {
		var err error
		if cb, err = tx.GetCallback(ctx, id); err != nil {
			return err
		}
		if !cb.State.CanMove(to) {
			return &CallbackStateError{ID: id, State: cb.State, To: to}
		}
		set["state"] = to
		if _, ok := set["updated_at"]; !ok {
			set["updated_at"] = time.Now().UTC()
		}
		if err := tx.q(ctx).Model(&Callback{}).Where("id = ? AND state = ?", id, cb.State).Updates(set).Error; err != nil {
			return fmt.Errorf("move callback %d from %s to %s: %w", id, cb.State, to, err)
		}
		cb, err = tx.GetCallback(ctx, id)
		return err
	})
	return cb, err
}

// SlotCounts counts, per due time in [from, to), the callbacks booked for
// a slot that still hold it: neither cancelled nor failed, and not "as soon
// as possible" (those take no slot). Keys are in UTC, for
// policy.FreeSlots' taken.
func (s *Storage) SlotCounts(ctx context.Context, from, to time.Time) (map[time.Time]int, error) {
	var rows []struct {
		DueAt time.Time
		N     int
	}
	err := s.q(ctx).Model(&Callback{}).Select("due_at, count(*) AS n").
		Where("due_at >= ? AND due_at < ? AND asap = ? AND state NOT IN ?", from.UTC(), to.UTC(), false,
			[]policy.State{policy.Cancelled, policy.Failed}).
		Group("due_at").Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("count callbacks per slot from %s to %s: %w", from.UTC().Format(time.RFC3339), to.UTC().Format(time.RFC3339), err)
	}
	out := make(map[time.Time]int, len(rows))
	for _, r := range rows {
		out[r.DueAt.UTC()] += r.N
	}
	return out, nil
}
