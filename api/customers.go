package api

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

type updateCustomerRequest struct {
	// TimeZone is an IANA zone; "" goes back to the number's country's.
	TimeZone *string `json:"time_zone"`
}

// updateCustomer answers PATCH /customers/:id {"time_zone": "…"}: an
// operator sets where the customer lives, for the times of their
// callbacks.
func (a *API) updateCustomer(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	var req updateCustomerRequest
	if err := decodeStrictJSON(c, &req, `"time_zone"`); err != nil {
		return err
	}
	if req.TimeZone == nil {
		return badRequest(`"time_zone" is missing: send {"time_zone": "Europe/London"} ("" for the phone number's country's)`)
	}
	cust, err := a.engine.SetCustomerTimeZone(c.Request().Context(), id, *req.TimeZone)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, viewCustomer(cust))
}
