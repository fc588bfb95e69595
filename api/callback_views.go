package api

import (
	"context"
	"fmt"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/switchboardhq/switchboard/phone"
	"github.com/switchboardhq/switchboard/storage"
)

// callbackView is a callback in the API's JSON. Its state is "status", as
// a conversation's is; the dialer's lease is left out.
type callbackView struct {
	ID             uint64  `json:"id"`
	Status         string  `json:"status"`
	CustomerID     uint64  `json:"customer_id"`
	ConversationID *uint64 `json:"conversation_id"`
	// Ticket is the conversation's ticket, null without one.
	Ticket *string `json:"ticket"`
	Phone  string  `json:"phone"`
	// TimeZone is the customer's IANA zone: the one set for them, else
	// their phone number's country's; "" when neither is known.
	TimeZone string `json:"time_zone"`
	// Customer is set in REST answers and left out of events, as on
	// conversations.
	Customer *customerView `json:"customer,omitempty"`
	// ASAP is "as soon as possible": it takes its turn by requested_at.
	ASAP bool `json:"asap"`
	// DialNow is set from an operator's "dial now" until the call is made.
	DialNow       bool       `json:"dial_now"`
	RequestedAt   time.Time  `json:"requested_at"`
	DueAt         time.Time  `json:"due_at"`
	NextAttemptAt time.Time  `json:"next_attempt_at"`
	Attempts      int        `json:"attempts"`
	MaxAttempts   int        `json:"max_attempts"`
	CallSid       string     `json:"call_sid"`
	CallStatus    string     `json:"call_status"`
	Outcome       string     `json:"outcome"`
	LastError     string     `json:"last_error"`
	OperatorID    *uint64    `json:"operator_id"`
	Notes         string     `json:"notes"`
	CreatedAt     time.Time  `json:"created_at"`
	UpdatedAt     time.Time  `json:"updated_at"`
	CompletedAt   *time.Time `json:"completed_at"`
	CancelledAt   *time.Time `json:"cancelled_at"`
}

func viewCallback(cb storage.Callback) callbackView {
	v := callbackView{
		ID: cb.ID, Status: string(cb.State), CustomerID: cb.CustomerID, ConversationID: cb.ConversationID,
		Phone: cb.Phone, TimeZone: callbackZone(cb), ASAP: cb.ASAP, DialNow: cb.DialNow,
		RequestedAt: cb.RequestedAt.UTC(), DueAt: cb.DueAt.UTC(),
		NextAttemptAt: cb.NextAttemptAt.UTC(), Attempts: cb.Attempts, MaxAttempts: cb.MaxAttempts,
		CallSid: cb.CallSid, CallStatus: cb.CallStatus, Outcome: cb.Outcome, LastError: cb.LastError,
		OperatorID: cb.OperatorID, Notes: cb.Notes, CreatedAt: cb.CreatedAt.UTC(), UpdatedAt: cb.UpdatedAt.UTC(),
		CompletedAt: utc(cb.CompletedAt), CancelledAt: utc(cb.CancelledAt),
	}
	if cb.ConversationID != nil {
		t := storage.FormatTicket(*cb.ConversationID)
		v.Ticket = &t
	}
	return v
}

// viewCallbacks renders cbs for a REST answer, each with its customer,
// loaded in one query.
func (a *API) viewCallbacks(ctx context.Context, cbs ...storage.Callback) ([]callbackView, error) {
	ids := make([]uint64, len(cbs))
	for i, cb := range cbs {
		ids[i] = cb.CustomerID
	}
	custs, err := a.store.CustomersByID(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("load the customers of %d callbacks: %w", len(cbs), err)
	}
	views := make([]callbackView, len(cbs))
	for i, cb := range cbs {
		views[i] = viewCallback(cb)
		if cust, ok := custs[cb.CustomerID]; ok {
			views[i].Customer = viewCustomer(cust)
		}
	}
	return views, nil
}

// callbackAnswer answers c with status and one callback, with its customer.
func (a *API) callbackAnswer(c echo.Context, status int, cb storage.Callback) error {
	views, err := a.viewCallbacks(c.Request().Context(), cb)
	if err != nil {
		return err
	}
	return c.JSON(status, views[0])
}

// callbackZone is the customer's zone for cb: the one set for them, else
// their number's country's; empty when neither is known.
func callbackZone(cb storage.Callback) string {
	if cb.TimeZone != "" {
		return cb.TimeZone
	}
	return phone.TimeZone(cb.Phone)
}
