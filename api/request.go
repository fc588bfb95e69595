package api

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/switchboardhq/switchboard/paging"
)

// limitBody refuses bodies over MaxBodyBytes (maxUploadBody for a file
// upload): at once when Content-Length says so, otherwise when reading
// passes the limit.
func limitBody(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		limit, tooLarge := int64(MaxBodyBytes), error(errBodyTooLarge)
		if c.Path() == Prefix+attachmentsPath {
			limit, tooLarge = maxUploadBody, errUploadTooLarge
		}
		if req.ContentLength > limit {
			return tooLarge
		}
		req.Body = http.MaxBytesReader(c.Response(), req.Body, limit)
		return next(c)
	}
}

var errBodyTooLarge = &requestError{status: http.StatusRequestEntityTooLarge, msg: "request body is larger than 1 MB"}

// decodeJSON reads the body as one JSON value into v, saying what was wrong
// when it cannot. Fields v does not have are ignored.
func decodeJSON(c echo.Context, v any) error {
	return decodeStrictJSON(c, v, "")
}

// unknownFieldPrefix starts encoding/json's error for a field the target
// lacks; the package has no error type for it.
const unknownFieldPrefix = "json: unknown field "

// decodeStrictJSON is decodeJSON that also refuses (400) a field v does not
// have, naming it and accepted, the fields that are (`"notes"`); an empty
// accepted refuses none.
func decodeStrictJSON(c echo.Context, v any, accepted string) error {
	dec := json.NewDecoder(c.Request().Body)
	if accepted != "" {
		dec.DisallowUnknownFields()
	}
	err := dec.Decode(v)
	if err == nil {
		if _, extra := dec.Token(); extra != io.EOF {
			return badRequest("malformed JSON body: unexpected data after the object")
		}
		return nil
	}
	var tooLarge *http.MaxBytesError
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &tooLarge):
		return errBodyTooLarge
	case errors.Is(err, io.EOF):
		return badRequest("request body is empty: send a JSON object")
	case errors.As(err, &typeErr) && typeErr.Field != "":
		return badRequest("malformed JSON body: field %q must be a %s, not a %s", typeErr.Field, typeErr.Type, typeErr.Value)
	case errors.As(err, &typeErr):
		return badRequest("malformed JSON body: want an object, not a %s", typeErr.Value)
	case errors.As(err, &syntaxErr):
		return badRequest("malformed JSON body at byte %d: %v", syntaxErr.Offset, err)
	case accepted != "" && strings.HasPrefix(err.Error(), unknownFieldPrefix):
		return badRequest("unknown field %s: this call takes only %s", strings.TrimPrefix(err.Error(), unknownFieldPrefix), accepted)
	}
	return badRequest("malformed JSON body: %v", err)
}

// pathID parses the :id path parameter.
func pathID(c echo.Context) (uint64, error) {
	return positiveID("id", c.Param("id"))
}

// queryID parses the optional query parameter name as an id: 0 when it
// is absent, a 400 naming it when it is not a positive number.
func queryID(c echo.Context, name string) (uint64, error) {
	raw := c.QueryParam(name)
	if raw == "" {
		return 0, nil
	}
	return positiveID(name, raw)
}

func positiveID(name, raw string) (uint64, error) {
	id, err := strconv.ParseUint(raw, 10, 64)
	if err != nil || id == 0 {
		return 0, badRequest("%s %q is not a positive number", name, raw)
	}
	return id, nil
}

// listPage reads ?limit= and ?cursor= of a list call: the page size
// (paging.DefaultLimit when absent; a 400 when not from 1 to
// paging.MaxLimit) and the cursor the previous page handed out ("" for the
// first page; storage refuses one it did not make).
func listPage(c echo.Context) (int, string, error) {
	raw := c.QueryParam("limit")
	limit, err := paging.ParseLimit(raw)
	if err != nil {
		return 0, "", badRequest("limit must be a number from 1 to %d, not %q", paging.MaxLimit, raw)
	}
	return limit, c.QueryParam("cursor"), nil
}
