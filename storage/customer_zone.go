package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/switchboardhq/switchboard/callback/policy"
)

// SetCustomerTimeZone sets the IANA zone customer id lives in ("" to go
// back to their number's country's) and moves their scheduled and dialing
// callbacks with it, so reminders, quiet hours and the times they are told
// follow; it returns the customer and those callbacks as they are now. The
// zone is not checked here; callers validate it.
func (s *Storage) SetCustomerTimeZone(ctx context.Context, id uint64, zone string) (Customer, []Callback, error) {
	var (
		cust Customer
		cbs  []Callback
	)
	active := []policy.State{policy.Scheduled, policy.Dialing}
	err := s.Tx(ctx, func(tx *Storage) error {
		var err error
		if cust, err = tx.GetCustomer(ctx, id); err != nil {
			return err
		}
		now := time.Now().UTC()
		if err := tx.q(ctx).Model(&Customer{}).Where("id = ?", id).
			Updates(map[string]any{"time_zone": zone, "updated_at": now}).Error; err != nil {
			return fmt.Errorf("set time zone of customer %d: %w", id, err)
		}
		if err := tx.q(ctx).Model(&Callback{}).
			Where("customer_id = ? AND state IN ?", id, active).
			Updates(map[string]any{"time_zone": zone, "updated_at": now}).Error; err != nil {
			return fmt.Errorf("set time zone of customer %d's callbacks: %w", id, err)
		}
		if err := tx.q(ctx).Where("customer_id = ? AND state IN ?", id, active).Order("id").Find(&cbs).Error; err != nil {
			return fmt.Errorf("load customer %d's callbacks: %w", id, err)
		}
		cust.TimeZone, cust.UpdatedAt = zone, now
		return nil
	})
	return cust, cbs, err
}

// Location is where the callback's customer lives, for the times they are
// told and the quiet hours they keep: the zone set for them, else their
// number's country's, else fallback.
func (cb Callback) Location(fallback *time.Location) *time.Location {
	return policy.CustomerLocation(cb.TimeZone, cb.Phone, fallback)
}
