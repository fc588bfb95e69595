package dialog

import (
	"context"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/switchboardhq/switchboard/callback/policy"
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

// NormalizePhone reads a phone number as the settings' default region
// does and returns it in E.164, or ErrBadCallbackPhone.
func (e *Engine) NormalizePhone(raw string) (string, error) {
	e164, err := phone.Normalize(raw, e.settings.DefaultRegion)
	if err != nil {
		return "", fmt.Errorf("%w (%q)", ErrBadCallbackPhone, raw)
	}
	return e164, nil
}

// FailCallback gives up on a dialing callback whose last attempt did not
// reach the customer (outcome is how it ended) and, in the same
// transaction, tells the customer through the channel they booked it on,
// with how to book again. A callback booked by an operator with no
// conversation tells nobody. It fails with storage.ErrWrongState when the
// callback is no longer dialing, so a repeated outcome tells the customer
// once.
func (e *Engine) FailCallback(ctx context.Context, id uint64, outcome string) (storage.Callback, error) {
	var (
		cb storage.Callback
		t  *turn
	)
	err := e.store.Tx(ctx, func(tx *storage.Storage) error {
		var err error
		if cb, err = tx.FinishCallback(ctx, id, policy.Failed, outcome, nil, e.now()); err != nil {
			return err
		}
		if t, err = e.callbackTurn(ctx, tx, cb); err != nil || t == nil {
			return err
		}
		rebook := map[string]string{ChannelTelegram: TextCallbackRebookTelegram, ChannelSMS: TextCallbackRebookSMS}[t.ident.Channel]
		if rebook == "" {
			rebook = TextCallbackRebook
		}
		text := t.text(TextCallbackFailed, "phone", cb.Phone, "rebook", t.e.texts.Get(t.lang, rebook))
		return t.reply(ctx, storage.AuthorBot, nil, Reply{Text: text})
	})
	if err != nil {
		return cb, fmt.Errorf("fail callback %d: %w", id, err)
	}
	e.PublishCallback(cb)
	if t != nil {
		e.afterCommit(made(t.emit), []BatchResult{{Result: Result{Outbox: len(t.items), items: t.items}}})
	}
	return cb, nil
}

// callbackTurn is a turn in the conversation a callback belongs to, on the
// identity it was booked through: its own conversation, else that
// identity's latest. It is nil when there is neither.
func (e *Engine) callbackTurn(ctx context.Context, tx *storage.Storage, cb storage.Callback) (*turn, error) {
	var conv storage.Conversation
	var err error
	switch {
	case cb.ConversationID != nil:
		conv, err = tx.GetConversation(ctx, *cb.ConversationID)
	case cb.IdentityID != nil:
		conv, err = tx.LatestConversation(ctx, *cb.IdentityID)
		if errors.Is(err, storage.ErrNotFound) {
			return nil, nil
		}
	default:
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	t, err := e.turnOn(ctx, tx, conv)
	if err != nil {
		return nil, err
	}
	if cb.IdentityID != nil && *cb.IdentityID != t.ident.ID {
		if t.ident, err = tx.GetIdentity(ctx, *cb.IdentityID); err != nil {
			return nil, err
		}
	}
	return t, nil
}
