package api

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/switchboardhq/switchboard/auth"
	"github.com/switchboardhq/switchboard/dialog"
	"github.com/switchboardhq/switchboard/media"
	"github.com/switchboardhq/switchboard/paging"
	"github.com/switchboardhq/switchboard/storage"
)

// requestError is a problem with the request itself, told to the client as
// it is.
type requestError struct {
	status int
	msg    string
}

func (e *requestError) Error() string { return e.msg }

func badRequest(format string, args ...any) error {
	return &requestError{status: http.StatusBadRequest, msg: fmt.Sprintf(format, args...)}
}

// noRoute answers a path under the API that names no call (or a call by
// another method).
func noRoute(c echo.Context) error {
	req := c.Request()
	return &requestError{status: http.StatusNotFound, msg: fmt.Sprintf("no API call %s %s", req.Method, req.URL.Path)}
}

// errorBody is every error response.
type errorBody struct {
	Error string `json:"error"`
}

// statusOf maps an error to the HTTP status and the message the client
// sees. It is the one place where errors become status codes.
func statusOf(err error) (int, string) {
	var re *requestError
	var he *echo.HTTPError
	switch {
	case errors.As(err, &re):
		return re.status, re.msg
	case errors.As(err, &he):
		return he.Code, fmt.Sprint(he.Message)
	case errors.Is(err, auth.ErrBadCredentials), errors.Is(err, auth.ErrBadToken):
		return http.StatusUnauthorized, err.Error()
	case errors.Is(err, auth.ErrLockedOut):
		return http.StatusTooManyRequests, err.Error()
	case errors.Is(err, storage.ErrEmailTaken):
		return http.StatusConflict, "an operator with this email exists"
	case errors.Is(err, paging.ErrBadCursor):
		return http.StatusBadRequest, "bad cursor: pass the next_cursor of the previous page of the same list, or none for the first page"
	case errors.Is(err, storage.ErrNotFound):
		return http.StatusNotFound, err.Error()
	case errors.Is(err, storage.ErrSameCustomer), errors.Is(err, storage.ErrCustomerMerged),
		errors.Is(err, storage.ErrCustomerErased):
		return http.StatusConflict, err.Error()
	case errors.Is(err, storage.ErrAlreadyClaimed), errors.Is(err, storage.ErrWrongState), errors.Is(err, storage.ErrFollowUpClosed):
		return http.StatusConflict, err.Error()
	case errors.Is(err, dialog.ErrEmptyReply), errors.Is(err, dialog.ErrReplyTooLong),
		errors.Is(err, dialog.ErrEmptyFile), errors.Is(err, dialog.ErrCaptionTooLong), errors.Is(err, dialog.ErrAttachmentKind):
		return http.StatusBadRequest, err.Error()
	case errors.Is(err, dialog.ErrEmptyNote), errors.Is(err, dialog.ErrNoteTooLong),
		errors.Is(err, dialog.ErrUnknownOperator), errors.Is(err, dialog.ErrQueueTooLong):
		return http.StatusBadRequest, err.Error()
	case errors.Is(err, dialog.ErrBadCallbackPhone), errors.Is(err, dialog.ErrCallbackDueInPast),
		errors.Is(err, dialog.ErrCallbackNotesTooLong), errors.Is(err, dialog.ErrBadTimeZone):
		return http.StatusBadRequest, err.Error()
	case errors.Is(err, dialog.ErrInactiveOperator), errors.Is(err, storage.ErrShortcutTaken):
		return http.StatusConflict, err.Error()
	case errors.Is(err, dialog.ErrEmptyDecision), errors.Is(err, dialog.ErrDecisionTooLong):
		return http.StatusBadRequest, err.Error()
	case errors.Is(err, dialog.ErrTransferNotAllowed), errors.Is(err, dialog.ErrNotFeedbackOwner):
		return http.StatusForbidden, err.Error()
	case errors.Is(err, media.ErrBadLink):
		return http.StatusForbidden, err.Error()
	case errors.Is(err, media.ErrTooLarge):
		return http.StatusRequestEntityTooLarge, err.Error()
	case errors.Is(err, media.ErrNoFetcher):
		return http.StatusServiceUnavailable, err.Error()
	case errors.As(err, new(*media.FetchError)):
		return http.StatusBadGateway, err.Error()
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return http.StatusServiceUnavailable, "request cancelled or timed out"
	}
	return http.StatusInternalServerError, "internal error"
}

// renderErrors turns an error returned by a handler into a JSON error
// response; server faults are logged, their details never sent.
func (a *API) renderErrors(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		err := next(c)
		if err == nil {
			return nil
		}
		a.HTTPErrorHandler(err, c)
		return nil
	}
}

// HTTPErrorHandler answers c with err as JSON {"error": "…"}. Install it as
// the echo.Echo's HTTPErrorHandler so that errors raised outside the API's
// routes (405 from the router) look the same.
func (a *API) HTTPErrorHandler(err error, c echo.Context) {
	status, msg := statusOf(err)
	req := c.Request()
	switch {
	case status >= 500 && !errors.Is(err, context.Canceled):
		a.log.ErrorContext(req.Context(), "api request failed", "method", req.Method, "path", c.Path(), "err", err)
	default:
		a.log.DebugContext(req.Context(), "api request refused", "method", req.Method, "path", c.Path(), "status", status, "err", err)
	}
	if c.Response().Committed {
		return
	}
	if status == http.StatusUnauthorized {
		c.Response().Header().Set(echo.HeaderWWWAuthenticate, `Bearer realm="switchboard"`)
	}
	var locked *auth.LockedOutError
	if errors.As(err, &locked) {
		c.Response().Header().Set(echo.HeaderRetryAfter, strconv.Itoa(int(math.Ceil(locked.RetryAfter.Seconds()))))
	}
	if err := c.JSON(status, errorBody{Error: msg}); err != nil {
		a.log.DebugContext(req.Context(), "write error response", "err", err)
	}
}
