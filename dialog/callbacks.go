package dialog

import (
	"context"
	"errors"
	"fmt"
	"strings"
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

// BookCallback stores a scheduled callback for an existing customer, tells
// the customer when they will be called (on the channel they asked
// through; for a booking by an operator, the Telegram or SMS identity they
// last wrote from, which the callback then keeps), and tells event
// listeners. It fails with storage.ErrNotFound for an unknown
// customer, ErrBadCallbackPhone, ErrCallbackDueInPast or
// ErrCallbackNotesTooLong.
func (e *Engine) BookCallback(ctx context.Context, b CallbackBooking) (storage.Callback, error) {
	cb, err := e.newCallback(b)
	if err != nil {
		return cb, err
	}
	cust, err := e.store.GetCustomer(ctx, b.CustomerID)
	if err != nil {
		return storage.Callback{}, fmt.Errorf("book callback: %w", err)
	}
	cb.TimeZone = cust.TimeZone
	var t *turn
	err = e.store.Tx(ctx, func(tx *storage.Storage) error {
		if cb.ConversationID == nil && cb.IdentityID == nil {
			ident, err := tx.LatestWritableIdentity(ctx, cb.CustomerID, []string{ChannelTelegram, ChannelSMS})
			switch {
			case err == nil:
				cb.IdentityID = &ident.ID
			case !errors.Is(err, storage.ErrNotFound):
				return err
			}
		}
		if err := tx.CreateCallback(ctx, &cb); err != nil {
			return err
		}
		var err error
		t, err = e.tellAboutCallback(ctx, tx, cb, func(t *turn) Reply {
			r := Reply{Text: t.text(TextCallbackBooked, "phone", cb.Phone, "when", e.callbackWhen(t.lang, cb))}
			t.manageCallback(&r, cb)
			return r
		})
		return err
	})
	if err != nil {
		return storage.Callback{}, fmt.Errorf("book callback: %w", err)
	}
	e.PublishCallback(cb)
	e.afterTelling(t)
	return cb, nil
}

// newCallback checks b and makes the callback it asks for, not yet stored.
func (e *Engine) newCallback(b CallbackBooking) (storage.Callback, error) {
	now := e.now().UTC()
	e164, err := e.NormalizePhone(b.Phone)
	if err != nil {
		return storage.Callback{}, err
	}
	if !b.DueAt.IsZero() && b.DueAt.Before(now) {
		return storage.Callback{}, fmt.Errorf("%w (%s)", ErrCallbackDueInPast, b.DueAt.UTC().Format(time.RFC3339))
	}
	b.Notes = strings.ReplaceAll(b.Notes, "\x00", "") // PostgreSQL text takes no NUL
	if utf8.RuneCountInString(b.Notes) > MaxCallbackNotesLength {
		return storage.Callback{}, ErrCallbackNotesTooLong
	}
	return storage.Callback{CustomerID: b.CustomerID, ConversationID: b.ConversationID, IdentityID: b.IdentityID,
		Phone: e164, ASAP: b.DueAt.IsZero(), RequestedAt: now, DueAt: b.DueAt,
		MaxAttempts: e.settings.Callbacks.MaxAttempts, Notes: b.Notes}, nil
}

// bookCallback books an as-soon-as-possible callback to number for the
// turn's conversation, in the turn's transaction, unless the conversation
// has one scheduled or dialing already; the customer is told by the
// caller. Event listeners hear of it after commit.
func (t *turn) bookCallback(ctx context.Context, number string) error {
	if _, err := t.tx.ActiveCallbackOf(ctx, t.conv.ID); err == nil {
		return nil
	} else if !errors.Is(err, storage.ErrNotFound) {
		return err
	}
	_, err := t.createCallback(ctx, number, time.Time{})
	return err
}

// createCallback stores a callback of the turn's conversation and channel
// to number, due at due (zero: as soon as possible), in the customer's
// time zone, and notes its event for after commit.
func (t *turn) createCallback(ctx context.Context, number string, due time.Time) (storage.Callback, error) {
	cb, err := t.e.newCallback(CallbackBooking{CustomerID: t.cust.ID, ConversationID: &t.conv.ID, IdentityID: &t.ident.ID,
		Phone: number, DueAt: due})
	if err != nil {
		return cb, err
	}
	cb.TimeZone = t.cust.TimeZone
	if err := t.tx.CreateCallback(ctx, &cb); err != nil {
		return cb, err
	}
	t.emitCallback(cb)
	return cb, nil
}

// CancelCallback withdraws a callback, tells the customer as a booking is
// confirmed, and tells event listeners; one that is completed or cancelled
// already is a storage.ErrWrongState.
func (e *Engine) CancelCallback(ctx context.Context, id uint64) (storage.Callback, error) {
	var (
		cb storage.Callback
		t  *turn
	)
	err := e.store.Tx(ctx, func(tx *storage.Storage) error {
		var err error
		if cb, err = tx.CancelCallback(ctx, id, e.now()); err != nil {
			return err
		}
		t, err = e.tellAboutCallback(ctx, tx, cb, func(t *turn) Reply {
			return t.withRebookButton(Reply{Text: t.text(TextCallbackCancelled, "phone", cb.Phone, "when", e.callbackWhen(t.lang, cb),
				"rebook", t.e.texts.Get(t.lang, rebookKey(t.ident.Channel)))})
		})
		return err
	})
	if err != nil {
		return cb, err
	}
	e.PublishCallback(cb)
	e.afterTelling(t)
	return cb, nil
}

// tellAboutCallback writes the reply made by say to the customer of cb, on
// the channel it was booked through (see callbackTurn), and returns the
// turn to finish after commit; it writes nothing, and returns nil, when
// there is no such channel or it is a call, which cannot take a text.
func (e *Engine) tellAboutCallback(ctx context.Context, tx *storage.Storage, cb storage.Callback, say func(*turn) Reply) (*turn, error) {
	t, err := e.callbackTurn(ctx, tx, cb)
	if err != nil || t == nil || t.ident.Channel == ChannelVoice {
		return nil, err
	}
	return t, t.reply(ctx, storage.AuthorBot, nil, say(t))
}

// afterTelling publishes the messages of a committed turn and hands its
// outbox items to delivery; a nil turn did nothing.
func (e *Engine) afterTelling(t *turn) {
	if t != nil {
		e.afterCommit(made(t.emit), []BatchResult{{Result: Result{Outbox: len(t.items), items: t.items}}})
	}
}

// callbackWhen is when cb is to be made, for the customer: "as soon as
// possible", or the booked time in their time zone (from their number,
// else the business hours' zone).
func (e *Engine) callbackWhen(lang string, cb storage.Callback) string {
	if cb.ASAP {
		return e.texts.Get(lang, TextCallbackWhenASAP)
	}
	return e.texts.When(lang, cb.DueAt.In(cb.Location(e.schedule.Location())))
}

// withRebookButton adds to r, on Telegram, a button that books another
// callback; elsewhere the text says how.
func (t *turn) withRebookButton(r Reply) Reply {
	if t.ident.Channel == ChannelTelegram {
		r.Buttons = t.e.callbackButtons(t.lang)
	}
	return r
}

// rebookKey is the text saying how to book again on channel.
func rebookKey(channel string) string {
	switch channel {
	case ChannelTelegram:
		return TextCallbackRebookTelegram
	case ChannelSMS:
		return TextCallbackRebookSMS
	}
	return TextCallbackRebook
}

// DialCallbackNow makes a scheduled or failed callback due at once, ahead
// of every other, and tells event listeners; the dialer still has to be
// woken. A customer who may not be called now (their quiet hours, outside
// business hours) is called first as soon as they may: the callback's
// next_attempt_at says when, and its last error why (an operator's "dial
// now" replaces an older error). One dialing already, completed or
// cancelled is a storage.ErrWrongState.
func (e *Engine) DialCallbackNow(ctx context.Context, id uint64) (storage.Callback, error) {
	now := e.now().UTC()
	cb, err := e.store.GetCallback(ctx, id)
	if err != nil {
		return cb, err
	}
	due, reason := now, ""
	loc := cb.Location(e.schedule.Location())
	if at, ok := policy.NextAllowed(now, e.slots, loc); ok && at.After(now) {
		// Still first in line, but not before the customer may be called.
		due, reason = at, fmt.Sprintf("held until %s: the customer's quiet hours or outside business hours",
			at.In(loc).Format("Mon 2 Jan 15:04 MST"))
	}
	if cb, err = e.store.DialCallbackNow(ctx, id, due, reason, now); err != nil {
		return cb, err
	}
	e.PublishCallback(cb)
	return cb, nil
}

// PublishCallback tells event listeners about a callback as it is now,
// after a change committed.
func (e *Engine) PublishCallback(cb storage.Callback) {
	e.broker.Publish(callbackChanged(cb))
}

// callbackChanged is the event telling listeners of cb as it is now.
func callbackChanged(cb storage.Callback) events.Event {
	ev := events.Event{Type: events.CallbackChanged, Data: CallbackView{Callback: cb}}
	if cb.ConversationID != nil {
		ev.ConversationID = *cb.ConversationID
	}
	return ev
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
// with how to book again. A callback with neither a conversation nor an
// identity tells nobody. It fails with storage.ErrWrongState when the
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
		text := t.text(TextCallbackFailed, "phone", cb.Phone, "rebook", t.e.texts.Get(t.lang, rebookKey(t.ident.Channel)))
		// Proactive, so it counts against proactive_per_day, yet never
		// withheld: it is the outcome of the customer's own request.
		return t.proactive(ctx, t.withRebookButton(Reply{Text: text}))
	})
	if err != nil {
		return cb, fmt.Errorf("fail callback %d: %w", id, err)
	}
	e.PublishCallback(cb)
	e.afterTelling(t)
	return cb, nil
}

// callbackTurn is a turn in the conversation a callback belongs to, on the
// identity it was booked through: its own conversation, else that
// identity's latest. A call's identity is swapped for the SMS identity of
// the same number when SMS can be sent. What it writes is linked to cb. It
// is nil when there is neither.
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
	id := cb.ID
	t.callbackID = &id
	if cb.IdentityID != nil && *cb.IdentityID != t.ident.ID {
		if t.ident, err = tx.GetIdentity(ctx, *cb.IdentityID); err != nil {
			return nil, err
		}
	}
	if t.ident.Channel == ChannelVoice && e.textCallers && t.ident.Address != "" {
		// A call cannot take a message: text the number they called from.
		number := t.ident.Address
		if t.ident, _, err = tx.FindOrCreateIdentity(ctx, storage.Contact{Channel: ChannelSMS,
			ExternalID: number, Address: number, Phone: number}); err != nil {
			return nil, err
		}
	}
	return t, nil
}
