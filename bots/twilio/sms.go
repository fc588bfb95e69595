package twilio

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// registerSMS is a placeholder: a helper replaces this file.
func (a *Adapter) registerSMS(g *echo.Group) {
	g.POST("/sms", func(c echo.Context) error {
		return c.JSON(http.StatusNotImplemented, map[string]string{"error": "not implemented yet"})
	})
}
