package api

import (
	"fmt"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/switchboardhq/switchboard/audit"
	"github.com/switchboardhq/switchboard/dialog"
	"github.com/switchboardhq/switchboard/events"
	"github.com/switchboardhq/switchboard/storage"
)

// EraseConfirmation is the word a supervisor types to erase a customer:
// POST /customers/{id}/erase {"confirm": "ERASE"}.
const EraseConfirmation = "ERASE"

type mergeRequest struct {
	// From is the customer merged into the one in the path.
	From uint64 `json:"from"`
}

// mergeCustomer answers POST /customers/:id/merge {"from": ID}, for
// supervisors: everything of customer from becomes customer id's, a
// system message in id's latest conversation says who merged whom when,
// the merged profile is answered, and the audit trail records it.
func (a *API) mergeCustomer(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	var req mergeRequest
	if err := decodeStrictJSON(c, &req, `"from"`); err != nil {
		return err
	}
	if req.From == 0 {
		return badRequest(`"from" must be the id of the customer to merge into this one`)
	}
	ctx := c.Request().Context()
	op := operatorOf(c)
	now := time.Now().UTC()
	text := fmt.Sprintf("Customer #%d was merged into customer #%d by %s (operator #%d) at %s.",
		req.From, id, op.Name, op.ID, now.Format(time.RFC3339))
	var m storage.Merge
	err = a.store.Tx(ctx, func(tx *storage.Storage) error {
		if m, err = tx.MergeCustomers(ctx, id, req.From, op.ID, text, now); err != nil {
			return err
		}
		return tx.AddAuditEntry(ctx, auditEntry(c, audit.CustomerMerged, customerTarget(id),
			audit.Details{"from": req.From, "moved": m.Moved}))
	})
	if err != nil {
		return err
	}
	a.log.InfoContext(ctx, "customers merged", "into", id, "from", req.From, "operator_id", op.ID,
		"moved", m.Moved)
	a.publishConversations(m.Conversations)
	if m.Note != nil && a.broker != nil {
		a.broker.Publish(events.Event{Type: events.MessageCreated, ConversationID: m.Note.ConversationID,
			Data: dialog.MessageView{Message: *m.Note, Ticket: storage.FormatTicket(m.Note.ConversationID)}})
	}
	out, err := a.profile(c, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

type eraseRequest struct {
	// Confirm must be EraseConfirmation.
	Confirm string `json:"confirm"`
}

// eraseCustomer answers POST /customers/:id/erase {"confirm": "ERASE"},
// for supervisors: what the customer said and is known by is erased (see
// storage.EraseCustomer), what is counted stays, and the erased profile
// is answered; the audit trail records who erased whom, with counts only.
func (a *API) eraseCustomer(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	var req eraseRequest
	if err := decodeStrictJSON(c, &req, `"confirm"`); err != nil {
		return err
	}
	if req.Confirm != EraseConfirmation {
		return badRequest(`"confirm" must be %q: erasing cannot be undone`, EraseConfirmation)
	}
	ctx := c.Request().Context()
	op := operatorOf(c)
	var er storage.Erasure
	err = a.store.Tx(ctx, func(tx *storage.Storage) error {
		if er, err = tx.EraseCustomer(ctx, id, op.ID, time.Now()); err != nil {
			return err
		}
		// Counts only: the trail must not keep what was erased.
		return tx.AddAuditEntry(ctx, auditEntry(c, audit.CustomerErased, customerTarget(id), audit.Details{
			"conversations": er.Conversations, "messages": er.Messages, "media_files": er.MediaFiles,
			"identities": er.Identities, "callbacks": er.Callbacks, "callbacks_cancelled": er.CallbacksEnded,
			"outbox_dropped": er.OutboxDropped, "followups": er.FollowUps}))
	})
	if err != nil {
		return err
	}
	// Ids and counts only: the log must not keep what was erased.
	a.log.InfoContext(ctx, "customer erased", "customer_id", id, "operator_id", op.ID,
		"conversations", er.Conversations, "messages", er.Messages, "media_files", er.MediaFiles,
		"identities", er.Identities, "callbacks", er.Callbacks, "callbacks_cancelled", er.CallbacksEnded,
		"outbox_dropped", er.OutboxDropped, "followups", er.FollowUps)
	a.publishConversations(er.Changed)
	out, err := a.profile(c, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

// customerTarget names a customer as what an action was done to.
func customerTarget(id uint64) audit.Target { return audit.Target{Type: audit.TargetCustomer, ID: id} }

// publishConversations tells open consoles that convs changed, so they
// load them (and their customer) anew.
func (a *API) publishConversations(convs []storage.Conversation) {
	if a.broker == nil {
		return
	}
	for _, conv := range convs {
		a.broker.Publish(events.Event{Type: events.ConversationChanged, ConversationID: conv.ID,
			Data: dialog.ConversationView{Conversation: conv, Ticket: conv.Ticket()}})
	}
}
