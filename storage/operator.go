package storage

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
)

// Operator roles.
const (
	RoleOperator   = "operator"
	RoleSupervisor = "supervisor"
)

// ErrEmailTaken is returned when an operator with that email exists.
var ErrEmailTaken = errors.New("an operator with this email exists")

// ValidRole reports whether r is one of the two operator roles.
func ValidRole(r string) bool { return r == RoleOperator || r == RoleSupervisor }

// Operator presence: whether automatic assignment may give them work.
const (
	PresenceOnline  = "online"
	PresenceAway    = "away"
	PresenceOffline = "offline"
)

// ValidPresence reports whether p is one of the three presences.
func ValidPresence(p string) bool {
	return p == PresenceOnline || p == PresenceAway || p == PresenceOffline
}

// Operator capacity: the most conversations automatic assignment gives one
// operator at once.
const (
	DefaultCapacity = 5
	MinCapacity     = 1
	MaxCapacity     = 50
)

// Operator is a person who answers customers in the console or the API.
type Operator struct {
	ID           uint64 `gorm:"primaryKey" json:"id"`
	Email        string `gorm:"size:256;not null;uniqueIndex" json:"email"`
	Name         string `gorm:"size:256;not null" json:"name"`
	PasswordHash string `gorm:"size:256;not null" json:"-"`
	Role         string `gorm:"size:16;not null" json:"role"`
	Active       bool   `gorm:"not null;default:true" json:"active"`
	// Capacity is the most conversations automatic assignment gives them.
	Capacity int `gorm:"not null;default:5" json:"capacity"`
	// Presence is online, away or offline.
	Presence string `gorm:"size:16;not null;default:'offline'" json:"presence"`
	// Phone is where the operator takes callback calls, in E.164; empty
	// when they take none.
	Phone string `gorm:"size:32;not null;default:''" json:"phone"`
	// LastAssignedAt is when automatic assignment last gave them a
	// conversation; the least recent goes first.
	LastAssignedAt *time.Time `json:"-"`
	CreatedAt      time.Time  `json:"created_at"`
	UpdatedAt      time.Time  `json:"updated_at"`
}

// CreateOperator inserts o; emails are stored lower-case, and a zero
// capacity or empty presence gets the default.
func (s *Storage) CreateOperator(ctx context.Context, o *Operator) error {
	o.Email = normEmail(o.Email)
	if o.Capacity == 0 {
		o.Capacity = DefaultCapacity
	}
	if o.Presence == "" {
		o.Presence = PresenceOffline
	}
	if err := s.q(ctx).Create(o).Error; err != nil {
		if errors.Is(err, gorm.ErrDuplicatedKey) || strings.Contains(strings.ToLower(err.Error()), "unique") {
			return fmt.Errorf("create operator %s: %w", o.Email, ErrEmailTaken)
		}
		return fmt.Errorf("create operator %s: %w", o.Email, err)
	}
	return nil
}

// OperatorByEmail finds an operator by email, case-insensitively.
func (s *Storage) OperatorByEmail(ctx context.Context, email string) (Operator, error) {
	var o Operator
	err := s.q(ctx).Where("email = ?", normEmail(email)).Take(&o).Error
	if err != nil {
		return o, fmt.Errorf("operator by email: %w", notFound(err))
	}
	return o, nil
}

// GetOperator loads one operator.
func (s *Storage) GetOperator(ctx context.Context, id uint64) (Operator, error) {
	var o Operator
	if err := s.q(ctx).Take(&o, id).Error; err != nil {
		return o, fmt.Errorf("get operator %d: %w", id, notFound(err))
	}
	return o, nil
}

// CountOperators counts every operator, active or not.
func (s *Storage) CountOperators(ctx context.Context) (int64, error) {
	var n int64
	if err := s.q(ctx).Model(&Operator{}).Count(&n).Error; err != nil {
		return 0, fmt.Errorf("count operators: %w", err)
	}
	return n, nil
}

// ListOperators returns every operator by name.
func (s *Storage) ListOperators(ctx context.Context) ([]Operator, error) {
	var out []Operator
	if err := s.q(ctx).Order("name ASC, id ASC").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("list operators: %w", err)
	}
	return out, nil
}

// OperatorChanges are the fields UpdateOperator sets; nil leaves one alone.
type OperatorChanges struct {
	Name         *string
	Role         *string
	Capacity     *int
	Active       *bool
	PasswordHash *string
	// Phone is in E.164; "" takes the operator off callback calls.
	Phone *string
}

// UpdateOperator applies ch to operator id and returns it as it is now.
func (s *Storage) UpdateOperator(ctx context.Context, id uint64, ch OperatorChanges) (Operator, error) {
	set := map[string]any{"updated_at": time.Now().UTC()}
	if ch.Name != nil {
		set["name"] = *ch.Name
	}
	if ch.Role != nil {
		set["role"] = *ch.Role
	}
	if ch.Capacity != nil {
		set["capacity"] = *ch.Capacity
	}
	if ch.Active != nil {
		set["active"] = *ch.Active
	}
	if ch.PasswordHash != nil {
		set["password_hash"] = *ch.PasswordHash
	}
	if ch.Phone != nil {
		set["phone"] = *ch.Phone
	}
	res := s.q(ctx).Model(&Operator{}).Where("id = ?", id).Updates(set)
	if res.Error != nil {
		return Operator{}, fmt.Errorf("update operator %d: %w", id, res.Error)
	}
	if res.RowsAffected == 0 {
		return Operator{}, fmt.Errorf("update operator %d: %w", id, ErrNotFound)
	}
	return s.GetOperator(ctx, id)
}

// SetPresence sets operator id's presence to p when it is now one of from
// (any presence when from is empty), and reports whether it changed.
func (s *Storage) SetPresence(ctx context.Context, id uint64, p string, from ...string) (bool, error) {
	q := s.q(ctx).Model(&Operator{}).Where("id = ? AND presence <> ?", id, p)
	if len(from) > 0 {
		q = q.Where("presence IN ?", from)
	}
	res := q.Updates(map[string]any{"presence": p, "updated_at": time.Now().UTC()})
	if res.Error != nil {
		return false, fmt.Errorf("set presence of operator %d to %s: %w", id, p, res.Error)
	}
	return res.RowsAffected > 0, nil
}

// OperatorsPresent returns the operators whose presence is not offline.
func (s *Storage) OperatorsPresent(ctx context.Context) ([]Operator, error) {
	var out []Operator
	if err := s.q(ctx).Where("presence <> ?", PresenceOffline).Order("id ASC").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("list present operators: %w", err)
	}
	return out, nil
}

// OpenCounts counts each operator's open conversations; operators with
// none are absent.
func (s *Storage) OpenCounts(ctx context.Context) (map[uint64]int64, error) {
	var rows []struct {
		OperatorID uint64
		N          int64
	}
	err := s.q(ctx).Model(&Conversation{}).Select("operator_id, count(*) AS n").
		Where("state = ? AND operator_id IS NOT NULL", StateOpen).Group("operator_id").Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("count open conversations per operator: %w", err)
	}
	out := make(map[uint64]int64, len(rows))
	for _, r := range rows {
		out[r.OperatorID] = r.N
	}
	return out, nil
}

// OpenCount counts operator id's open conversations.
func (s *Storage) OpenCount(ctx context.Context, id uint64) (int64, error) {
	var n int64
	if err := s.q(ctx).Model(&Conversation{}).Where("state = ? AND operator_id = ?", StateOpen, id).Count(&n).Error; err != nil {
		return 0, fmt.Errorf("count open conversations of operator %d: %w", id, err)
	}
	return n, nil
}

// migrateOperators adds capacity, presence and the last assignment to
// operators, and the login_failures table. A database created after these
// fields existed has the columns from migration 1 already.
func migrateOperators(tx *gorm.DB) error {
	m := tx.Migrator()
	for _, field := range []string{"Capacity", "Presence", "LastAssignedAt"} {
		if m.HasColumn(&Operator{}, field) {
			continue
		}
		if err := m.AddColumn(&Operator{}, field); err != nil {
			return fmt.Errorf("add operators.%s: %w", field, err)
		}
	}
	return tx.AutoMigrate(&LoginFailure{})
}
