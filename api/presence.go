package api

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/switchboardhq/switchboard/storage"
)

type presenceRequest struct {
	Presence string `json:"presence"`
}

// setPresence answers POST /me/presence: online, away or offline. Going
// offline returns the caller's unanswered conversations to the queue.
func (a *API) setPresence(c echo.Context) error {
	var req presenceRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if !storage.ValidPresence(req.Presence) {
		return badRequest(`"presence" must be "online", "away" or "offline", not %q`, req.Presence)
	}
	ctx := c.Request().Context()
	op, err := a.engine.SetPresence(ctx, operatorOf(c).ID, req.Presence)
	if err != nil {
		return err
	}
	view, err := a.viewOperatorNow(ctx, op)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, view)
}
