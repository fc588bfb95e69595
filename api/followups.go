package api

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/switchboardhq/switchboard/audit"
	"github.com/switchboardhq/switchboard/storage"
)

// followUpView is a follow-up as the API shows it.
type followUpView struct {
	ID             uint64 `json:"id"`
	Ticket         string `json:"ticket"`
	ConversationID uint64 `json:"conversation_id"`
	CustomerID     uint64 `json:"customer_id"`
	// Customer is set in lists, not in events.
	Customer   *customerView `json:"customer,omitempty"`
	Kind       string        `json:"kind"`
	State      string        `json:"state"`
	MessageID  *uint64       `json:"message_id"`
	Score      *int          `json:"score"`
	Summary    string        `json:"summary"`
	Owner      *operatorRef  `json:"owner"`
	OwnerID    *uint64       `json:"owner_id"`
	Decision   string        `json:"decision"`
	ClosedByID *uint64       `json:"closed_by_id"`
	ClosedAt   *time.Time    `json:"closed_at"`
	CreatedAt  time.Time     `json:"created_at"`
}

func viewFollowUp(f storage.FollowUp, owner *operatorRef) followUpView {
	return followUpView{ID: f.ID, Ticket: storage.FormatTicket(f.ConversationID), ConversationID: f.ConversationID,
		CustomerID: f.CustomerID, Kind: f.Kind, State: f.State, MessageID: f.MessageID, Score: f.Score,
		Summary: f.Summary, Owner: owner, OwnerID: f.OwnerID, Decision: f.Decision, ClosedByID: f.ClosedByID,
		ClosedAt: utc(f.ClosedAt), CreatedAt: f.CreatedAt.UTC()}
}

type followUpList struct {
	FollowUps []followUpView `json:"followups"`
	// NextCursor continues the list; "" after the last page.
	NextCursor string `json:"next_cursor"`
}

// listFollowUps answers GET /followups?state=S&limit=N&cursor=C, one page
// at a time: a supervisor sees
// every follow-up, an operator those that went to them as the feedback
// owner. Open ones come oldest first; closed ones, and all when no state
// is given, newest first.
func (a *API) listFollowUps(c echo.Context) error {
	state := c.QueryParam("state")
	if state != "" && state != storage.FollowUpOpen && state != storage.FollowUpClosed {
		return badRequest("unknown state %q: want open or closed", state)
	}
	filter := storage.FollowUpFilter{State: state}
	var err error
	if filter.Limit, filter.Cursor, err = listPage(c); err != nil {
		return err
	}
	caller := operatorOf(c)
	if caller.Role != storage.RoleSupervisor {
		filter.OwnerID = caller.ID
	}
	ctx := c.Request().Context()
	found, next, err := a.store.FollowUpPage(ctx, filter)
	if err != nil {
		return err
	}
	var owners []uint64
	for _, f := range found {
		if f.OwnerID != nil {
			owners = append(owners, *f.OwnerID)
		}
	}
	ops, err := a.store.OperatorsByID(ctx, owners)
	if err != nil {
		return err
	}
	customerIDs := make([]uint64, 0, len(found))
	for _, f := range found {
		customerIDs = append(customerIDs, f.CustomerID)
	}
	customers, err := a.store.CustomersByID(ctx, customerIDs)
	if err != nil {
		return err
	}
	out := followUpList{FollowUps: make([]followUpView, 0, len(found)), NextCursor: next}
	for _, f := range found {
		var owner *operatorRef
		if f.OwnerID != nil {
			if o, ok := ops[*f.OwnerID]; ok {
				owner = &operatorRef{ID: o.ID, Name: o.Name}
			}
		}
		v := viewFollowUp(f, owner)
		if cust, ok := customers[f.CustomerID]; ok {
			v.Customer = viewCustomer(cust)
		}
		out.FollowUps = append(out.FollowUps, v)
	}
	return c.JSON(http.StatusOK, out)
}

type closeFollowUpRequest struct {
	Decision string `json:"decision"`
}

// closeFollowUp answers POST /followups/:id/close {"decision"}: the
// feedback owner (or a supervisor) says what was decided; the customer is
// told it in their conversation, and the audit trail records who closed
// it.
func (a *API) closeFollowUp(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	var req closeFollowUpRequest
	if err := decodeStrictJSON(c, &req, `"decision"`); err != nil {
		return err
	}
	ctx := c.Request().Context()
	f, err := a.engine.CloseFollowUp(ctx, id, operatorOf(c), req.Decision)
	if err != nil {
		return err
	}
	a.recordAfter(ctx, auditEntry(c, audit.FollowUpClosed, audit.Target{Type: audit.TargetFollowUp, ID: f.ID},
		audit.Details{"ticket": storage.FormatTicket(f.ConversationID), "kind": f.Kind, "customer_id": f.CustomerID}))
	return c.JSON(http.StatusOK, viewFollowUp(f, nil))
}
