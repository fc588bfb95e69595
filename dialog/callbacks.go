package dialog

import (
	"context"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/switchboardhq/switchboard/events"
	"github.com/switchboardhq/switchboard/phone"
	"github.com/switchboardhq/switchboard/storage"
)

// MaxCallbackNotesLength bounds an operator's notes on a callback.
const MaxCallbackNotesLength = 2000

// Errors of booking a callback.
var (
	// ErrBadCallbackPhone is returned when the number to call back is not
	// a valid phone number.
	ErrBadCallbackPhone = errors.New("phone is not a valid phone number: use E.164 (+…) or a national number of the default region")
	// ErrCallbackDueInPast is returned when a callback is booked for a time
	// that has passed.
	ErrCallbackDueInPast = errors.New("due_at is in the past: give a time to come, or none for as soon as possible")
	// ErrCallbackNotesTooLong is returned for notes over
	// MaxCallbackNotesLength characters.
	ErrCallbackNotesTooLong = fmt.Errorf("notes are longer than %d characters", MaxCallbackNotesLength)
)

// CallbackBooking asks for a customer to be called back.
type CallbackBooking struct {
	CustomerID uint64
	// ConversationID and IdentityID tie the callback to a request and to
	// the channel the customer asked through; nil when booked by an
	// operator.
	ConversationID *uint64
	IdentityID     *uint64
	// Phone is the number as given; it is normalised to E.164 with the
	// settings' default region.
	Phone string
	// DueAt is the time booked; zero asks for as soon as possible, which
	// keeps the customer's place by the time they asked.
	DueAt time.Time
	Notes string
}

// CallbackView is a callback as events show it.
type CallbackView struct {
	storage.Callback
}

// BookCallback stores a scheduled callback for an existing customer and
// tells event listeners. It fails with storage.ErrNotFound for an unknown
// customer, ErrBadCallbackPhone, ErrCallbackDueInPast or
// ErrCallbackNotesTooLong.
func (e *Engine) BookCallback(ctx context.Context, b CallbackBooking) (storage.Callback, error) {
	now := e.now().UTC()
	e164, err := phone.Normalize(b.Phone, e.settings.DefaultRegion)
	if err != nil {
		return storage.Callback{}, fmt.Errorf("%w (%q)", ErrBadCallbackPhone, b.Phone)
	}
	if !b.DueAt.IsZero() && b.DueAt.Before(now) {
		return storage.Callback{}, fmt.Errorf("%w (%s)", ErrCallbackDueInPast, b.DueAt.UTC().Format(time.RFC3339))
	}
	if utf8.RuneCountInString(b.Notes) > MaxCallbackNotesLength {
		return storage.Callback{}, ErrCallbackNotesTooLong
	}
	if _, err := e.store.GetCustomer(ctx, b.CustomerID); err != nil {
		return storage.Callback{}, fmt.Errorf("book callback: %w", err)
	}
	cb := storage.Callback{CustomerID: b.CustomerID, ConversationID: b.ConversationID, IdentityID: b.IdentityID,
		Phone: e164, ASAP: b.DueAt.IsZero(), RequestedAt: now, DueAt: b.DueAt,
		MaxAttempts: e.settings.Callbacks.MaxAttempts, Notes: b.Notes}
	if err := e.store.CreateCallback(ctx, &cb); err != nil {
		return storage.Callback{}, err
	}
	e.PublishCallback(cb)
	return cb, nil
}

// CancelCallback withdraws a callback and tells event listeners; one that
// is completed or cancelled already is a storage.ErrWrongState.
func (e *Engine) CancelCallback(ctx context.Context, id uint64) (storage.Callback, error) {
	cb, err := e.store.CancelCallback(ctx, id, e.now())
	if err != nil {
		return cb, err
	}
	e.PublishCallback(cb)
	return cb, nil
}

// PublishCallback tells event listeners about a callback as it is now,
// after a change committed.
func (e *Engine) PublishCallback(cb storage.Callback) {
	ev := events.Event{Type: events.CallbackChanged, Data: CallbackView{Callback: cb}}
	if cb.ConversationID != nil {
		ev.ConversationID = *cb.ConversationID
	}
	e.broker.Publish(ev)
}
