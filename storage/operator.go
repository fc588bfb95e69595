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

// Operator is a person who answers customers in the console or the API.
type Operator struct {
	ID           uint64    `gorm:"primaryKey" json:"id"`
	Email        string    `gorm:"size:256;not null;uniqueIndex" json:"email"`
	Name         string    `gorm:"size:256;not null" json:"name"`
	PasswordHash string    `gorm:"size:256;not null" json:"-"`
	Role         string    `gorm:"size:16;not null" json:"role"`
	Active       bool      `gorm:"not null;default:true" json:"active"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
}

// CreateOperator inserts o; emails are stored lower-case.
func (s *Storage) CreateOperator(ctx context.Context, o *Operator) error {
	o.Email = strings.ToLower(strings.TrimSpace(o.Email))
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
	err := s.q(ctx).Where("email = ?", strings.ToLower(strings.TrimSpace(email))).Take(&o).Error
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
