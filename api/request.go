package api

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"
)

// limitBody refuses bodies over MaxBodyBytes: at once when Content-Length
// says so, otherwise when reading passes the limit.
func limitBody(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		if req.ContentLength > MaxBodyBytes {
			return errBodyTooLarge
		}
		req.Body = http.MaxBytesReader(c.Response(), req.Body, MaxBodyBytes)
		return next(c)
	}
}

var errBodyTooLarge = &requestError{status: http.StatusRequestEntityTooLarge, msg: "request body is larger than 1 MB"}

// decodeJSON reads the body as one JSON value into v, saying what was wrong
// when it cannot.
func decodeJSON(c echo.Context, v any) error {
	dec := json.NewDecoder(c.Request().Body)
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
	}
	return badRequest("malformed JSON body: %v", err)
}

// pathID parses the :id path parameter.
func pathID(c echo.Context) (uint64, error) {
	raw := c.Param("id")
	id, err := strconv.ParseUint(raw, 10, 64)
	if err != nil || id == 0 {
		return 0, badRequest("id %q is not a positive number", raw)
	}
	return id, nil
}
