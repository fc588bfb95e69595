// Package console serves the operator console at /. Until the full console
// lands, it serves a page that tells operators how to reach the API.
package console

import (
	"embed"
	"net/http"

	"github.com/labstack/echo/v4"
)

//go:embed static
var static embed.FS

// Register serves the console's assets at /.
func Register(e *echo.Echo) {
	e.GET("/", func(c echo.Context) error {
		b, err := static.ReadFile("static/index.html")
		if err != nil {
			return err
		}
		c.Response().Header().Set("Content-Security-Policy", "default-src 'self'")
		return c.HTMLBlob(http.StatusOK, b)
	})
}
