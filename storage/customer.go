package storage

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm/clause"
)

// Customer is one person, whatever channels they reach us through.
type Customer struct {
	ID       uint64 `gorm:"primaryKey" json:"id"`
	Name     string `gorm:"size:256" json:"name"`
	Username string `gorm:"size:128" json:"username,omitempty"`
	Language string `gorm:"size:16" json:"language,omitempty"`
	Phone    string `gorm:"size:32;index" json:"phone,omitempty"`
	// TimeZone is the IANA zone an operator set for the customer; empty,
	// their number's country's zone is assumed (policy.CustomerLocation).
	TimeZone string `gorm:"size:64;not null;default:''" json:"time_zone,omitempty"`
	// ProactiveOptOut is set when the customer asked for nothing they did
	// not ask for: no surveys, on any channel; replies still reach them.
	ProactiveOptOut bool `gorm:"not null;default:false" json:"proactive_opt_out"`
	// MergedInto is the customer this one was merged into: what was
	// theirs is there now, and this one is an empty shell.
	MergedInto *uint64 `json:"merged_into,omitempty"`
	// ErasedAt and ErasedByID record an erasure (who asked, when) and
	// nothing of what was erased.
	ErasedAt   *time.Time `json:"erased_at,omitempty"`
	ErasedByID *uint64    `json:"erased_by_id,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	UpdatedAt  time.Time  `json:"updated_at"`
}

// Identity ties a customer to an address on one channel: a Telegram user id
// now, a phone number later. One customer may have several identities.
type Identity struct {
	ID         uint64 `gorm:"primaryKey" json:"id"`
	CustomerID uint64 `gorm:"index;not null" json:"customer_id"`
	Channel    string `gorm:"size:32;not null;uniqueIndex:idx_identity_channel_external" json:"channel"`
	ExternalID string `gorm:"size:128;not null;uniqueIndex:idx_identity_channel_external" json:"external_id"`
	// Address is where replies go on this channel (a Telegram chat id).
	Address string `gorm:"size:128" json:"address"`
	// Unreachable is set when the channel told us permanently that
	// messages cannot be delivered (the user blocked the bot).
	Unreachable       bool       `json:"unreachable"`
	UnreachableReason string     `gorm:"size:256" json:"unreachable_reason,omitempty"`
	UnreachableAt     *time.Time `json:"unreachable_at,omitempty"`
	// OptedOut is set when the customer asked for no more messages on
	// this channel (SMS STOP, or Twilio's error 21610); START clears it.
	OptedOut  bool      `gorm:"not null;default:false" json:"opted_out"`
	CreatedAt time.Time `json:"created_at"`
}

// Contact is what a channel tells about the sender of an inbound event.
type Contact struct {
	Channel    string
	ExternalID string
	Address    string
	Name       string
	Username   string
	Language   string
	// Phone is the sender's number in E.164 when the channel is a phone
	// (SMS, voice): a customer known by that number keeps their history.
	Phone string
}

// FindOrCreateIdentity returns the identity for c, creating the customer and
// identity on first contact (joining the customer who has the contact's phone
// number, if any).
func (s *Storage) FindOrCreateIdentity(ctx context.Context, c Contact) (Identity, Customer, error) {
	if s.wb != nil {
		if row, ok := s.wb.idents[identKey(c.Channel, c.ExternalID)]; ok {
			id, cust := row.split()
			return id, cust, nil
		}
		if s.wb.missing[identKey(c.Channel, c.ExternalID)] {
			return s.createIdentityInBatch(ctx, c)
		}
	}
	id, cust, err := s.findIdentity(ctx, c.Channel, c.ExternalID)
	if err == nil {
		return id, cust, nil
	}
	if !errors.Is(err, ErrNotFound) {
		return id, Customer{}, fmt.Errorf("find identity %s/%s: %w", c.Channel, c.ExternalID, err)
	}
	if s.wb != nil {
		return s.createIdentityInBatch(ctx, c)
	}
	cust, created, err := s.customerFor(ctx, c)
	if err != nil {
		return id, cust, err
	}
	id = Identity{CustomerID: cust.ID, Channel: c.Channel, ExternalID: c.ExternalID, Address: c.Address}
	res := s.q(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&id)
	if res.Error != nil {
		return id, cust, fmt.Errorf("create identity %s/%s: %w", c.Channel, c.ExternalID, res.Error)
	}
	if res.RowsAffected == 0 {
		// Another transaction created this identity first: use theirs.
		if created {
			if err := s.q(ctx).Delete(&cust).Error; err != nil {
				return id, cust, fmt.Errorf("drop duplicate customer %d: %w", cust.ID, err)
			}
		}
		return s.FindOrCreateIdentity(ctx, c)
	}
	return id, cust, nil
}

// createIdentityInBatch holds back a new identity, and a new customer
// unless one has the contact's phone number, until the Batch ends; the
// batch's later events from the same contact find them.
func (s *Storage) createIdentityInBatch(ctx context.Context, c Contact) (Identity, Customer, error) {
	wb := s.wb
	var cust Customer
	if c.Phone != "" {
		// The phone look-up must see customers this batch holds back.
		if err := s.Flush(ctx); err != nil {
			return Identity{}, cust, err
		}
		err := s.q(ctx).Where("phone = ?", c.Phone).Order("id ASC").Limit(1).Find(&cust).Error
		if err != nil {
			return Identity{}, cust, fmt.Errorf("find customer by phone: %w", err)
		}
	}
	now := time.Now().UTC()
	if cust.ID == 0 {
		ids, err := s.takeIDs(ctx, "customers", 1)
		if err != nil {
			return Identity{}, cust, err
		}
		cust = Customer{ID: ids[0], Name: c.Name, Username: c.Username, Language: c.Language, Phone: c.Phone,
			CreatedAt: now, UpdatedAt: now}
		cp := cust
		wb.customers = append(wb.customers, &cp)
	}
	ids, err := s.takeIDs(ctx, "identities", 1)
	if err != nil {
		return Identity{}, cust, err
	}
	id := Identity{ID: ids[0], CustomerID: cust.ID, Channel: c.Channel, ExternalID: c.ExternalID, Address: c.Address,
		CreatedAt: now}
	cp := id
	wb.identities = append(wb.identities, &cp)
	key := identKey(c.Channel, c.ExternalID)
	delete(wb.missing, key)
	wb.idents[key] = identityWithCustomer{Identity: id, CustName: cust.Name, CustUsername: cust.Username,
		CustLanguage: cust.Language, CustPhone: cust.Phone, CustTimeZone: cust.TimeZone, CustCreatedAt: cust.CreatedAt,
		CustUpdatedAt: cust.UpdatedAt}
	// A new identity has no conversation yet.
	wb.latest[id.ID] = nil
	return id, cust, nil
}

// identityWithCustomer is one row of identities joined with its customer.
type identityWithCustomer struct {
	Identity
	CustName      string
	CustUsername  string
	CustLanguage  string
	CustPhone     string
	CustTimeZone  string
	CustCreatedAt time.Time
	CustUpdatedAt time.Time
}

const selectIdentityWithCustomer = `SELECT identities.*, customers.name AS cust_name,
	customers.username AS cust_username, customers.language AS cust_language, customers.phone AS cust_phone,
	customers.time_zone AS cust_time_zone, customers.created_at AS cust_created_at, customers.updated_at AS cust_updated_at
	FROM identities JOIN customers ON customers.id = identities.customer_id`

// findIdentity loads an identity and its customer in one round trip: this
// runs for every inbound event.
func (s *Storage) findIdentity(ctx context.Context, channel, externalID string) (Identity, Customer, error) {
	var row identityWithCustomer
	res := s.q(ctx).Raw(selectIdentityWithCustomer+` WHERE identities.channel = ? AND identities.external_id = ? LIMIT 1`,
		channel, externalID).Scan(&row)
	if res.Error != nil {
		return Identity{}, Customer{}, res.Error
	}
	if res.RowsAffected == 0 {
		return Identity{}, Customer{}, ErrNotFound
	}
	id, cust := row.split()
	return id, cust, nil
}

func (row identityWithCustomer) split() (Identity, Customer) {
	return row.Identity, Customer{ID: row.CustomerID, Name: row.CustName, Username: row.CustUsername,
		Language: row.CustLanguage, Phone: row.CustPhone, TimeZone: row.CustTimeZone, CreatedAt: row.CustCreatedAt,
		UpdatedAt: row.CustUpdatedAt}
}

// customerFor finds the customer a new identity belongs to: the one who
// has this phone number (shared on Telegram, or an earlier SMS or call), or
// a new customer.
func (s *Storage) customerFor(ctx context.Context, c Contact) (cust Customer, created bool, err error) {
	if c.Phone != "" {
		err := s.q(ctx).Where("phone = ?", c.Phone).Order("id ASC").Limit(1).Find(&cust).Error
		if err != nil {
			return cust, false, fmt.Errorf("find customer by phone: %w", err)
		}
		if cust.ID != 0 {
			return cust, false, nil
		}
	}
	cust = Customer{Name: c.Name, Username: c.Username, Language: c.Language, Phone: c.Phone}
	if err := s.q(ctx).Create(&cust).Error; err != nil {
		return cust, false, fmt.Errorf("create customer: %w", err)
	}
	return cust, true, nil
}

// SetCustomerPhone records a customer's number (E.164), as shared on
// Telegram, so later texts or calls from it join the same history.
func (s *Storage) SetCustomerPhone(ctx context.Context, id uint64, e164 string) error {
	if s.wb != nil {
		s.wb.forgetCustomer(id)
	}
	if err := s.q(ctx).Model(&Customer{}).Where("id = ?", id).Update("phone", e164).Error; err != nil {
		return fmt.Errorf("set phone of customer %d: %w", id, err)
	}
	return nil
}

// SetOptedOut records whether the customer accepts messages on identity id.
func (s *Storage) SetOptedOut(ctx context.Context, id uint64, optedOut bool) error {
	if s.wb != nil {
		s.wb.forgetIdentity(id)
	}
	if err := s.q(ctx).Model(&Identity{}).Where("id = ?", id).Update("opted_out", optedOut).Error; err != nil {
		return fmt.Errorf("set opt-out of identity %d: %w", id, err)
	}
	return nil
}

// GetCustomer loads one customer.
func (s *Storage) GetCustomer(ctx context.Context, id uint64) (Customer, error) {
	var c Customer
	if err := s.q(ctx).Take(&c, id).Error; err != nil {
		return c, fmt.Errorf("get customer %d: %w", id, notFound(err))
	}
	return c, nil
}

// GetIdentity loads one identity.
func (s *Storage) GetIdentity(ctx context.Context, id uint64) (Identity, error) {
	var i Identity
	if err := s.q(ctx).Take(&i, id).Error; err != nil {
		return i, fmt.Errorf("get identity %d: %w", id, notFound(err))
	}
	return i, nil
}

// MarkUnreachable records that the channel refuses delivery to identity id
// for good (for example, the user blocked the bot).
func (s *Storage) MarkUnreachable(ctx context.Context, id uint64, reason string, at time.Time) error {
	if s.wb != nil {
		s.wb.forgetIdentity(id)
	}
	err := s.q(ctx).Model(&Identity{}).Where("id = ?", id).
		Updates(map[string]any{"unreachable": true, "unreachable_reason": reason, "unreachable_at": at}).Error
	if err != nil {
		return fmt.Errorf("mark identity %d unreachable: %w", id, err)
	}
	return nil
}

// MarkReachable clears the unreachable flag (the user unblocked the bot).
func (s *Storage) MarkReachable(ctx context.Context, id uint64) error {
	if s.wb != nil {
		s.wb.forgetIdentity(id)
	}
	err := s.q(ctx).Model(&Identity{}).Where("id = ?", id).
		Updates(map[string]any{"unreachable": false, "unreachable_reason": "", "unreachable_at": nil}).Error
	if err != nil {
		return fmt.Errorf("mark identity %d reachable: %w", id, err)
	}
	return nil
}

// SetCustomerLanguage stores the language a customer's texts are picked in.
func (s *Storage) SetCustomerLanguage(ctx context.Context, id uint64, lang string) error {
	if s.wb != nil {
		s.wb.forgetCustomer(id)
	}
	if err := s.q(ctx).Model(&Customer{}).Where("id = ?", id).Update("language", lang).Error; err != nil {
		return fmt.Errorf("set language of customer %d: %w", id, err)
	}
	return nil
}

// LatestWritableIdentity is the customer's identity on one of channels
// that can be written to (neither unreachable nor opted out) and has a
// conversation, the one whose conversation had the latest message; it is
// ErrNotFound when there is none.
func (s *Storage) LatestWritableIdentity(ctx context.Context, customerID uint64, channels []string) (Identity, error) {
	var ident Identity
	err := s.q(ctx).Model(&Identity{}).Select("identities.*").
		Joins("JOIN conversations ON conversations.identity_id = identities.id").
		Where("identities.customer_id = ? AND identities.channel IN ? AND identities.unreachable = ? AND identities.opted_out = ?",
			customerID, channels, false, false).
		Order("conversations.last_message_at DESC, conversations.id DESC").Limit(1).Take(&ident).Error
	if err != nil {
		return ident, fmt.Errorf("writable identity of customer %d: %w", customerID, notFound(err))
	}
	return ident, nil
}

// SetCustomerContact records the name and phone (E.164, "" for none) an
// operator typed, either or both (nil leaves one as it is), in one update.
// An erased customer stays erased: ErrCustomerErased.
func (s *Storage) SetCustomerContact(ctx context.Context, id uint64, name, e164 *string) (Customer, error) {
	cust, err := s.GetCustomer(ctx, id)
	if err != nil {
		return cust, err
	}
	if cust.ErasedAt != nil {
		return cust, fmt.Errorf("set contact of customer %d: %w", id, ErrCustomerErased)
	}
	changes := map[string]any{}
	if name != nil {
		changes["name"], cust.Name = *name, *name
	}
	if e164 != nil {
		changes["phone"], cust.Phone = *e164, *e164
	}
	if len(changes) == 0 {
		return cust, nil
	}
	if s.wb != nil {
		s.wb.forgetCustomer(id)
	}
	if err := s.q(ctx).Model(&Customer{}).Where("id = ?", id).Updates(changes).Error; err != nil {
		return cust, fmt.Errorf("set contact of customer %d: %w", id, err)
	}
	return cust, nil
}
