package twilio

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// registerVoice is a placeholder: a helper replaces this file.
func (a *Adapter) registerVoice(g *echo.Group) {
	g.POST("/voice", func(c echo.Context) error {
		return c.JSON(http.StatusNotImplemented, map[string]string{"error": "not implemented yet"})
	})
}
