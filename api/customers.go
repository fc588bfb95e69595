package api

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/switchboardhq/switchboard/storage"
)

type updateCustomerRequest struct {
	// TimeZone is an IANA zone; "" goes back to the number's country's.
	TimeZone *string `json:"time_zone"`
	// ProactiveOptOut records the customer's wish for no surveys (true)
	// or their return to them (false).
	ProactiveOptOut *bool `json:"proactive_opt_out"`
}

// updateCustomer answers PATCH /customers/:id {"time_zone": "…",
// "proactive_opt_out": bool}: an operator sets where the customer lives,
// for the times of their callbacks and their quiet hours, or records what
// they said about surveys.
func (a *API) updateCustomer(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	var req updateCustomerRequest
	if err := decodeStrictJSON(c, &req, `"time_zone", "proactive_opt_out"`); err != nil {
		return err
	}
	if req.TimeZone == nil && req.ProactiveOptOut == nil {
		return badRequest(`nothing to change: send "time_zone" (e.g. "Europe/London", "" for the phone number's country's) or "proactive_opt_out" (true or false)`)
	}
	ctx := c.Request().Context()
	var cust storage.Customer
	// The zone first: it is the one that can be refused, and a refused
	// request changes nothing.
	if req.TimeZone != nil {
		if cust, err = a.engine.SetCustomerTimeZone(ctx, id, *req.TimeZone); err != nil {
			return err
		}
	}
	if req.ProactiveOptOut != nil {
		if cust, err = a.engine.SetProactiveOptOut(ctx, id, *req.ProactiveOptOut); err != nil {
			return err
		}
	}
	return c.JSON(http.StatusOK, viewCustomer(cust))
}
