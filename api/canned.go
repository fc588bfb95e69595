package api

import (
	"net/http"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/switchboardhq/switchboard/audit"
	"github.com/switchboardhq/switchboard/dialog"
	"github.com/switchboardhq/switchboard/storage"
)

// Limits of a canned response's fields.
const (
	maxCannedTitle = 128
	maxCannedText  = dialog.MaxReplyLength
)

var shortcutPattern = regexp.MustCompile(`^[a-z0-9_-]{1,32}$`)

type cannedView struct {
	ID        uint64    `json:"id"`
	Shortcut  string    `json:"shortcut"`
	Title     string    `json:"title"`
	Text      string    `json:"text"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

func viewCanned(c storage.CannedResponse) cannedView {
	return cannedView{ID: c.ID, Shortcut: c.Shortcut, Title: c.Title, Text: c.Text,
		CreatedAt: c.CreatedAt.UTC(), UpdatedAt: c.UpdatedAt.UTC()}
}

type cannedList struct {
	Canned []cannedView `json:"canned"`
}

// cannedRequest is the body of POST (every field) and PATCH (any field).
type cannedRequest struct {
	Shortcut *string `json:"shortcut"`
	Title    *string `json:"title"`
	Text     *string `json:"text"`
}

// onlySupervisors lets through only operators with the supervisor role.
// Mount it after requireOperator.
func onlySupervisors(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if operatorOf(c).Role != storage.RoleSupervisor {
			return &requestError{status: http.StatusForbidden, msg: "only a supervisor may do this"}
		}
		return next(c)
	}
}

// listCanned answers GET /canned, by shortcut.
func (a *API) listCanned(c echo.Context) error {
	all, err := a.store.ListCanned(c.Request().Context())
	if err != nil {
		return err
	}
	out := cannedList{Canned: make([]cannedView, 0, len(all))}
	for _, cr := range all {
		out.Canned = append(out.Canned, viewCanned(cr))
	}
	return c.JSON(http.StatusOK, out)
}

// createCanned answers POST /canned (supervisors): 201, or 409 when the
// shortcut is taken. Creating, changing and deleting are in the audit
// trail.
func (a *API) createCanned(c echo.Context) error {
	var req cannedRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	var missing []string
	for _, f := range []struct {
		name  string
		value *string
	}{{`"shortcut"`, req.Shortcut}, {`"title"`, req.Title}, {`"text"`, req.Text}} {
		if f.value == nil {
			missing = append(missing, f.name)
		}
	}
	if len(missing) > 0 {
		return badRequest("missing %s", strings.Join(missing, ", "))
	}
	var cr storage.CannedResponse
	if err := req.apply(&cr); err != nil {
		return err
	}
	ctx := c.Request().Context()
	err := a.store.Tx(ctx, func(tx *storage.Storage) error {
		if err := tx.CreateCanned(ctx, &cr); err != nil {
			return err
		}
		return tx.AddAuditEntry(ctx, auditEntry(c, audit.CannedCreated, cannedTarget(cr.ID),
			audit.Details{"shortcut": cr.Shortcut, "title": cr.Title}))
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, viewCanned(cr))
}

// updateCanned answers PATCH /canned/:id (supervisors): the fields sent
// change, the others stay.
func (a *API) updateCanned(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	var req cannedRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	ctx := c.Request().Context()
	var cr storage.CannedResponse
	err = a.store.Tx(ctx, func(tx *storage.Storage) error {
		before, err := tx.GetCanned(ctx, id)
		if err != nil {
			return err
		}
		cr = before
		if err := req.apply(&cr); err != nil {
			return err
		}
		if err := tx.SaveCanned(ctx, &cr); err != nil {
			return err
		}
		d := audit.Details{"shortcut": cr.Shortcut}
		d.Change("shortcut", before.Shortcut, cr.Shortcut)
		d.Change("title", before.Title, cr.Title)
		d.Change("text", before.Text, cr.Text)
		return tx.AddAuditEntry(ctx, auditEntry(c, audit.CannedChanged, cannedTarget(id), d))
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, viewCanned(cr))
}

// deleteCanned answers DELETE /canned/:id (supervisors) with 204.
func (a *API) deleteCanned(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	err = a.store.Tx(ctx, func(tx *storage.Storage) error {
		gone, err := tx.GetCanned(ctx, id)
		if err != nil {
			return err
		}
		if err := tx.DeleteCanned(ctx, id); err != nil {
			return err
		}
		return tx.AddAuditEntry(ctx, auditEntry(c, audit.CannedDeleted, cannedTarget(id),
			audit.Details{"shortcut": gone.Shortcut, "title": gone.Title, "text": gone.Text}))
	})
	if err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// cannedTarget names a canned response as what an action was done to.
func cannedTarget(id uint64) audit.Target { return audit.Target{Type: audit.TargetCanned, ID: id} }

// apply validates the fields present and copies them onto cr, naming the
// first field that is wrong.
func (r cannedRequest) apply(cr *storage.CannedResponse) error {
	if r.Shortcut != nil {
		if !shortcutPattern.MatchString(*r.Shortcut) {
			return badRequest(`"shortcut" must be 1–32 characters of a-z, 0-9, _ and -, not %q`, *r.Shortcut)
		}
		cr.Shortcut = *r.Shortcut
	}
	if r.Title != nil {
		title := strings.TrimSpace(*r.Title)
		switch {
		case title == "":
			return badRequest(`"title" is empty`)
		case utf8.RuneCountInString(title) > maxCannedTitle:
			return badRequest(`"title" is longer than %d characters`, maxCannedTitle)
		}
		cr.Title = title
	}
	if r.Text != nil {
		text := strings.TrimSpace(*r.Text)
		switch {
		case text == "":
			return badRequest(`"text" is empty`)
		case utf8.RuneCountInString(text) > maxCannedText:
			return badRequest(`"text" is longer than %d characters`, maxCannedText)
		}
		cr.Text = text
	}
	return nil
}
