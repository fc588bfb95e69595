package api

import (
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/switchboardhq/switchboard/audit"
	"github.com/switchboardhq/switchboard/callback/policy"
	"github.com/switchboardhq/switchboard/dialog"
	"github.com/switchboardhq/switchboard/storage"
)

type callbackList struct {
	Callbacks []callbackView `json:"callbacks"`
	// NextCursor continues the list; "" after the last page.
	NextCursor string `json:"next_cursor"`
}

// listCallbacks answers GET /callbacks?status=S&customer_id=N&limit=N&cursor=C,
// one page at a time;
// scheduled ones come in the order they will be dialled.
func (a *API) listCallbacks(c echo.Context) error {
	status := policy.State(c.QueryParam("status"))
	if status != "" && !status.Valid() {
		return badRequest("unknown status %q: want scheduled, dialing, completed, failed or cancelled", status)
	}
	filter := storage.CallbackFilter{State: status}
	var err error
	if filter.CustomerID, err = queryID(c, "customer_id"); err != nil {
		return err
	}
	if filter.Limit, filter.Cursor, err = listPage(c); err != nil {
		return err
	}
	cbs, next, err := a.store.CallbackPage(c.Request().Context(), filter)
	if err != nil {
		return err
	}
	views, err := a.viewCallbacks(c.Request().Context(), cbs...)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, callbackList{Callbacks: views, NextCursor: next})
}

type bookCallbackRequest struct {
	CustomerID uint64 `json:"customer_id"`
	Phone      string `json:"phone"`
	// DueAt is RFC 3339; empty or absent asks for as soon as possible.
	DueAt string `json:"due_at"`
	Notes string `json:"notes"`
}

// bookCallback answers POST /callbacks: an operator books a callback for a
// customer, at due_at or as soon as possible.
func (a *API) bookCallback(c echo.Context) error {
	var req bookCallbackRequest
	if err := decodeStrictJSON(c, &req, `"customer_id", "phone", "due_at", "notes"`); err != nil {
		return err
	}
	if req.CustomerID == 0 {
		return badRequest(`"customer_id" is missing`)
	}
	if strings.TrimSpace(req.Phone) == "" {
		return badRequest(`"phone" is missing: the number to call, in E.164 (+…) or national form`)
	}
	b := dialog.CallbackBooking{CustomerID: req.CustomerID, Phone: req.Phone, Notes: req.Notes}
	if req.DueAt != "" {
		due, err := time.Parse(time.RFC3339, req.DueAt)
		if err != nil {
			return badRequest(`"due_at" %q is not an RFC 3339 time such as 2027-03-01T10:30:00Z`, req.DueAt)
		}
		b.DueAt = due
	}
	cb, err := a.engine.BookCallback(c.Request().Context(), b)
	if err != nil {
		return err
	}
	return a.callbackAnswer(c, http.StatusCreated, cb)
}

// cancelCallback answers POST /callbacks/:id/cancel.
func (a *API) cancelCallback(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	cb, err := a.engine.CancelCallback(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return a.callbackAnswer(c, http.StatusOK, cb)
}

// dialCallback answers POST /callbacks/:id/dial: the callback is dialled
// as soon as an operator is free, ahead of every other, whatever its
// schedule said (202: the call itself is still to come), and the audit
// trail records who asked.
func (a *API) dialCallback(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	if a.dialer == nil {
		return &requestError{status: http.StatusServiceUnavailable,
			msg: "callback dialling is disabled: set TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_PHONE_NUMBER"}
	}
	ctx := c.Request().Context()
	cb, err := a.engine.DialCallbackNow(ctx, id)
	if err != nil {
		return err
	}
	a.dialer.Wake()
	// When it is dialled: now, or later when held by quiet or business
	// hours (then its last error says why).
	d := audit.Details{"customer_id": cb.CustomerID, "dial_at": cb.NextAttemptAt.UTC().Format(time.RFC3339)}
	if cb.LastError != "" {
		d["held"] = cb.LastError
	}
	a.recordAfter(ctx, auditEntry(c, audit.CallbackDialNow, audit.Target{Type: audit.TargetCallback, ID: cb.ID}, d))
	return a.callbackAnswer(c, http.StatusAccepted, cb)
}

// updateCallbackRequest is the body of PATCH /callbacks/:id: what an
// operator may change on a callback.
type updateCallbackRequest struct {
	Notes *string `json:"notes"`
}

// updateCallback answers PATCH /callbacks/:id: the operator's notes are
// replaced (in any state) and listeners told; the customer is not.
func (a *API) updateCallback(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	var req updateCallbackRequest
	if err := decodeStrictJSON(c, &req, `"notes"`); err != nil {
		return err
	}
	if req.Notes == nil {
		return badRequest(`"notes" is missing: send {"notes": "…"} ("" clears them)`)
	}
	cb, err := a.engine.SetCallbackNotes(c.Request().Context(), id, *req.Notes)
	if err != nil {
		return err
	}
	return a.callbackAnswer(c, http.StatusOK, cb)
}
