package api

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/switchboardhq/switchboard/dialog"
)

// labelRequest is the body of PATCH /messages/:id.
type labelRequest struct {
	// Label is thanks, complaint, question, or null or "" for none.
	Label *string `json:"label"`
}

// relabelMessage answers PATCH /messages/:id: an operator corrects the
// label the rules gave a customer's message.
func (a *API) relabelMessage(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	var req labelRequest
	if err := decodeStrictJSON(c, &req, `"label"`); err != nil {
		return err
	}
	if req.Label == nil {
		return badRequest(`"label" is missing: give "thanks", "complaint", "question" or "" for none`)
	}
	m, err := a.engine.Relabel(c.Request().Context(), id, operatorOf(c), *req.Label)
	switch {
	case errors.Is(err, dialog.ErrUnknownLabel):
		return badRequest("%q is not a label: %v", *req.Label, err)
	case errors.Is(err, dialog.ErrNotCustomerMessage):
		return &requestError{status: http.StatusConflict, msg: err.Error()}
	case err != nil:
		return err
	}
	return c.JSON(http.StatusOK, viewMessage(m))
}
