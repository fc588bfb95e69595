package dialog

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/switchboardhq/switchboard/storage"
)

// ErrBadTimeZone is returned for a time zone that is not an IANA name.
var ErrBadTimeZone = errors.New("time_zone is not an IANA time zone such as Europe/London or America/New_York")

// SetCustomerTimeZone sets where customer id lives (an IANA zone; "" goes
// back to their number's country's): slots they are offered, times they
// are told and the quiet hours they keep follow it, for their callbacks
// already booked too, of which event listeners are told.
func (e *Engine) SetCustomerTimeZone(ctx context.Context, id uint64, zone string) (storage.Customer, error) {
	zone = strings.TrimSpace(zone)
	if zone != "" {
		if _, err := time.LoadLocation(zone); err != nil || zone == "Local" || len(zone) > 64 {
			return storage.Customer{}, fmt.Errorf("%w (%q)", ErrBadTimeZone, zone)
		}
	}
	cust, cbs, err := e.store.SetCustomerTimeZone(ctx, id, zone)
	if err != nil {
		return cust, fmt.Errorf("set time zone of customer %d: %w", id, err)
	}
	for _, cb := range cbs {
		e.PublishCallback(cb)
	}
	return cust, nil
}

// SetProactiveOptOut records that customer id wants no surveys (out) or
// wants them again, as they told an operator, and returns the customer;
// "Don't ask me again" under a survey sets it too. Replies are not
// affected.
func (e *Engine) SetProactiveOptOut(ctx context.Context, id uint64, out bool) (storage.Customer, error) {
	cust, err := e.store.GetCustomer(ctx, id)
	if err != nil {
		return cust, err
	}
	err = e.store.Tx(ctx, func(tx *storage.Storage) error {
		if err := tx.SetProactiveOptOut(ctx, id, out); err != nil {
			return err
		}
		if !out {
			return nil
		}
		_, err := tx.SkipCustomerSurveys(ctx, id, "", storage.SkipOptedOut)
		return err
	})
	if err != nil {
		return cust, err
	}
	e.log.Info("customer's survey opt-out set", "customer_id", id, "opted_out", out)
	cust.ProactiveOptOut = out
	return cust, nil
}
