package api

import (
	"time"

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
	// ASAP is "as soon as possible": it takes its turn by requested_at.
	ASAP          bool       `json:"asap"`
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
		Phone: cb.Phone, ASAP: cb.ASAP, RequestedAt: cb.RequestedAt.UTC(), DueAt: cb.DueAt.UTC(),
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
