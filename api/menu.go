package api

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

type menuButton struct {
	Data  string `json:"data"`
	Label string `json:"label"`
}

type menuResponse struct {
	// Language is the one the texts are in: lang, its base language, or
	// the default.
	Language string `json:"language"`
	// Greeting is what a new customer is told, with an example ticket.
	Greeting string       `json:"greeting"`
	Buttons  []menuButton `json:"buttons"`
}

// menu answers GET /menu?lang=xx with the greeting and menu as customers
// in that language see them, built by the engine itself.
func (a *API) menu(c echo.Context) error {
	reply, lang := a.engine.MenuPreview(c.QueryParam("lang"))
	out := menuResponse{Language: lang, Greeting: reply.Text, Buttons: []menuButton{}}
	for _, row := range reply.Buttons {
		for _, b := range row {
			out.Buttons = append(out.Buttons, menuButton{Data: b.Data, Label: b.Label})
		}
	}
	return c.JSON(http.StatusOK, out)
}
