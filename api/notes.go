package api

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

type noteRequest struct {
	Text string `json:"text"`
}

// addNote answers POST /conversations/:id/notes: a private note for
// operators, never sent to the customer.
func (a *API) addNote(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	var req noteRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	note, err := a.engine.AddNote(c.Request().Context(), id, operatorOf(c), req.Text)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, viewMessage(note))
}
