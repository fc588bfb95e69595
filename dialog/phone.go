package dialog

import (
	"context"

	"github.com/switchboardhq/switchboard/phone"
)

// rememberPhone keeps a number the customer shared (Telegram's "share my
// phone number"), so their later texts and calls join the same history.
func (t *turn) rememberPhone(ctx context.Context, ev Event) error {
	if ev.Kind != KindMedia || ev.Media.Phone == "" {
		return nil
	}
	e164, err := phone.Normalize(ev.Media.Phone, t.e.settings.DefaultRegion)
	if err != nil || e164 == t.cust.Phone {
		return nil // an unusable number is kept only as the message text
	}
	t.cust.Phone = e164
	return t.tx.SetCustomerPhone(ctx, t.cust.ID, e164)
}
