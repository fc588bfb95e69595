package api

import (
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/switchboardhq/switchboard/storage"
)

type updateCustomerRequest struct {
	// TimeZone is an IANA zone; "" goes back to the number's country's.
	TimeZone *string `json:"time_zone"`
	// ProactiveOptOut records the customer's wish for no surveys (true)
	// or their return to them (false).
	ProactiveOptOut *bool `json:"proactive_opt_out"`
	// Name is how operators call the customer; not empty.
	Name *string `json:"name"`
	// Phone is the customer's number in any format the default region
	// reads; "" removes it.
	Phone *string `json:"phone"`
}

// maxCustomerName is the longest name kept, in characters (the column's
// size).
const maxCustomerName = 256

// updateCustomer answers PATCH /customers/:id {"name": "…", "phone": "…",
// "time_zone": "…", "proactive_opt_out": bool}: an operator corrects the
// customer's name or number, sets where they live, for the times of their
// callbacks and their quiet hours, or records what they said about
// surveys.
func (a *API) updateCustomer(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	var req updateCustomerRequest
	if err := decodeStrictJSON(c, &req, `"time_zone", "proactive_opt_out", "name", "phone"`); err != nil {
		return err
	}
	if req.TimeZone == nil && req.ProactiveOptOut == nil && req.Name == nil && req.Phone == nil {
		return badRequest(`nothing to change: send "name", "phone", "time_zone" (e.g. "Europe/London", "" for the phone number's country's) or "proactive_opt_out" (true or false)`)
	}
	name, e164, err := a.contactOf(req)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	var cust storage.Customer
	// The name and phone are checked above, the zone first of the
	// changes: it is the one that can still be refused, and a refused
	// request changes nothing.
	if req.TimeZone != nil {
		if cust, err = a.engine.SetCustomerTimeZone(ctx, id, *req.TimeZone); err != nil {
			return err
		}
	}
	if name != nil || e164 != nil {
		if cust, err = a.store.SetCustomerContact(ctx, id, name, e164); err != nil {
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

// contactOf checks the name and phone of req before anything changes: the
// name trimmed, not empty, at most maxCustomerName characters; the phone
// in E.164, or "" to remove it.
func (a *API) contactOf(req updateCustomerRequest) (name, e164 *string, err error) {
	if req.Name != nil {
		n := strings.TrimSpace(*req.Name)
		switch {
		case n == "":
			return nil, nil, badRequest(`name must not be empty`)
		case utf8.RuneCountInString(n) > maxCustomerName:
			return nil, nil, badRequest("name is too long: at most %d characters", maxCustomerName)
		}
		name = &n
	}
	if req.Phone != nil {
		p := strings.TrimSpace(*req.Phone)
		if p != "" {
			if p, err = a.engine.NormalizePhone(p); err != nil {
				return nil, nil, badRequest("phone %q is not a phone number this desk can read: write it with its country code (+44 7911 123456)", *req.Phone)
			}
		}
		e164 = &p
	}
	return name, e164, nil
}
