package api

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/switchboardhq/switchboard/audit"
	"github.com/switchboardhq/switchboard/storage"
)

// ClientIP is a request's client address, as the audit trail records it
// and c.RealIP() answers: the peer's address — or, when the peer is a
// proxy on a loopback, link-local or private address (a reverse proxy
// beside switchboard), the nearest address in X-Forwarded-For that is not
// such a proxy. A client on the internet cannot claim another address
// with a header of its own; Echo's default would believe it.
var ClientIP = echo.ExtractIPFromXFFHeader()

// actorOf is the calling operator and their address, as the audit trail
// names them. The address is Echo's RealIP: the peer, or behind a trusted
// proxy what it forwarded for (see the server's IPExtractor).
func actorOf(c echo.Context) audit.Actor {
	op := operatorOf(c)
	return audit.Actor{ID: op.ID, Email: op.Email, Address: c.RealIP()}
}

// auditEntry is the entry of action by the caller on target, now.
func auditEntry(c echo.Context, action audit.Action, target audit.Target, details audit.Details) *audit.Entry {
	e := audit.New(time.Now(), actorOf(c), action, target, details)
	return &e
}

// recordAfter records e for an action that already committed in a
// transaction the API cannot reach (the dialog engine's): a failure is
// logged, the action stands.
func (a *API) recordAfter(ctx context.Context, e *audit.Entry) {
	if err := a.store.AddAuditEntry(ctx, e); err != nil {
		a.log.ErrorContext(ctx, "audit entry not recorded", "action", e.Action, "err", err)
	}
}

// auditEntryView is an entry as GET /audit shows it.
type auditEntryView struct {
	ID      uint64    `json:"id"`
	At      time.Time `json:"at"`
	ActorID *uint64   `json:"actor_id"`
	// ActorEmail is the email as it was when they acted (or as typed,
	// for a failed login); ActorName is the operator's name now.
	ActorEmail string          `json:"actor_email"`
	ActorName  string          `json:"actor_name"`
	Action     audit.Action    `json:"action"`
	TargetType string          `json:"target_type"`
	TargetID   *uint64         `json:"target_id"`
	Details    json.RawMessage `json:"details"`
	Address    string          `json:"address"`
}

type auditList struct {
	Entries []auditEntryView `json:"entries"`
	// NextCursor continues the list; "" after the last page.
	NextCursor string `json:"next_cursor"`
}

// listAudit answers GET /audit?action=A&actor_id=N&limit=N&cursor=C
// (supervisors): the audit trail, newest first, one page at a time.
func (a *API) listAudit(c echo.Context) error {
	var f storage.AuditFilter
	if raw := c.QueryParam("action"); raw != "" {
		f.Action = audit.Action(raw)
		if !f.Action.Valid() {
			names := make([]string, 0, len(audit.Actions))
			for _, act := range audit.Actions {
				names = append(names, string(act))
			}
			return badRequest("unknown action %q: want one of %s", raw, strings.Join(names, ", "))
		}
	}
	var err error
	if f.ActorID, err = queryID(c, "actor_id"); err != nil {
		return err
	}
	if f.Limit, f.Cursor, err = listPage(c); err != nil {
		return err
	}
	ctx := c.Request().Context()
	found, next, err := a.store.AuditPage(ctx, f)
	if err != nil {
		return err
	}
	var actors []uint64
	for _, e := range found {
		if e.ActorID != nil {
			actors = append(actors, *e.ActorID)
		}
	}
	ops, err := a.store.OperatorsByID(ctx, actors)
	if err != nil {
		return err
	}
	out := auditList{Entries: make([]auditEntryView, 0, len(found)), NextCursor: next}
	for _, e := range found {
		v := auditEntryView{ID: e.ID, At: e.At.UTC(), ActorID: e.ActorID, ActorEmail: e.ActorEmail, Action: e.Action,
			TargetType: e.TargetType, TargetID: e.TargetID, Details: json.RawMessage(e.Details), Address: e.Address}
		if !json.Valid(v.Details) {
			v.Details = json.RawMessage("{}")
		}
		if e.ActorID != nil {
			v.ActorName = ops[*e.ActorID].Name
		}
		out.Entries = append(out.Entries, v)
	}
	return c.JSON(http.StatusOK, out)
}
