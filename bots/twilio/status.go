package twilio

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// registerStatus is a placeholder: a helper replaces this file.
func (a *Adapter) registerStatus(g *echo.Group) {
	g.POST("/status", func(c echo.Context) error {
		return c.JSON(http.StatusNotImplemented, map[string]string{"error": "not implemented yet"})
	})
}
