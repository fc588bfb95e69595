package dialog

import (
	"context"
	"errors"
	"fmt"

	"github.com/switchboardhq/switchboard/storage"
)

// RemindCallback reminds the customer of booked callback id, on the
// channel it was booked through (callback_reminder: the ticket, the
// number and the booked time in the customer's time zone), and marks it
// reminded in the same transaction, so the reminder goes out once
// however many processes try at once. It reports whether this call took
// the reminder: false when it was reminded before or is no longer waiting
// for its first dial. A customer with no channel to write to (a caller
// known only by phone) is not told, and the callback is marked all the
// same.
func (e *Engine) RemindCallback(ctx context.Context, id uint64) (bool, error) {
	sent, err := e.noticeCallback(ctx, id, func(tx *storage.Storage) (storage.Callback, bool, error) {
		return tx.ClaimReminder(ctx, id, e.now())
	}, func(t *turn, cb storage.Callback) string {
		return t.text(TextCallbackReminder, "phone", cb.Phone, "when", e.callbackWhen(t.lang, cb))
	}, false)
	if err != nil {
		return false, fmt.Errorf("remind callback %d: %w", id, err)
	}
	return sent, nil
}

// TellCallbackLate tells the customer of callback id that it runs late
// and that they keep their place (callback_late), as RemindCallback does
// a reminder: once, on the channel it was booked through, in the
// transaction that marks it told. It reports whether this call took the
// notice: false when the customer was told before, or the callback is no
// longer waiting for its first dial.
func (e *Engine) TellCallbackLate(ctx context.Context, id uint64) (bool, error) {
	sent, err := e.noticeCallback(ctx, id, func(tx *storage.Storage) (storage.Callback, bool, error) {
		return tx.ClaimLateNotice(ctx, id, e.now())
	}, func(t *turn, cb storage.Callback) string {
		return t.text(TextCallbackLate, "phone", cb.Phone)
	}, true)
	if err != nil {
		return false, fmt.Errorf("tell callback %d runs late: %w", id, err)
	}
	return sent, nil
}

// noticeCallback claims a notice of callback id with claim and, when it
// claimed it, writes the text made by say to the customer in the same
// transaction; messages and outbox items are handed on after commit. A
// proactive notice (a late notice; a reminder is not one) waits, unclaimed,
// while the customer's quiet hours last, and is withheld — claimed, not
// written — when proactive_per_day proactive messages went to the customer
// in the last 24 hours.
func (e *Engine) noticeCallback(ctx context.Context, id uint64,
	claim func(*storage.Storage) (storage.Callback, bool, error), say func(*turn, storage.Callback) string,
	proactive bool) (bool, error) {
	var (
		t       *turn
		claimed bool
	)
	err := e.store.Tx(ctx, func(tx *storage.Storage) error {
		cb, ok, err := claim(tx)
		if err != nil || !ok {
			return err
		}
		turn, err := e.callbackTurn(ctx, tx, cb)
		if err != nil {
			return err
		}
		claimed = true
		if turn == nil || turn.ident.Channel == ChannelVoice {
			return nil // nobody to write to: taken all the same
		}
		r := Reply{Text: say(turn, cb)}
		if !proactive {
			t = turn
			return turn.reply(ctx, storage.AuthorBot, nil, r)
		}
		if e.slots.Quiet.Contains(turn.now, cb.Location(e.schedule.Location())) {
			return errQuietNow
		}
		if capped, err := turn.capped(ctx); err != nil || capped {
			if capped {
				e.log.Info("callback notice withheld: proactive_per_day reached", "callback_id", cb.ID, "customer_id", cb.CustomerID)
			}
			return err
		}
		t = turn
		return turn.proactive(ctx, r)
	})
	if errors.Is(err, errQuietNow) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	e.afterTelling(t)
	return claimed, nil
}

// errQuietNow rolls back a notice claimed in the customer's quiet hours,
// to be sent once they end.
var errQuietNow = errors.New("the customer's quiet hours")
