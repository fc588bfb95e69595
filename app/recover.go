package app

import (
	"errors"
	"fmt"
	"net/http"
	"runtime/debug"

	"github.com/labstack/echo/v4"
)

// recoverPanics answers a request whose handler panicked with a 500, and
// logs the panic with its stack, instead of letting net/http drop the
// connection (a webhook provider would then send the same request again
// and again). http.ErrAbortHandler, net/http's way to abort a response, is
// let through.
func (a *App) recoverPanics(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) (err error) {
		defer func() {
			r := recover()
			if r == nil {
				return
			}
			if e, ok := r.(error); ok && errors.Is(e, http.ErrAbortHandler) {
				panic(r)
			}
			a.log.Error("request handler panicked", "method", c.Request().Method, "route", c.Path(),
				"panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			err = echo.NewHTTPError(http.StatusInternalServerError, "internal error")
		}()
		return next(c)
	}
}
