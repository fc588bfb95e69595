package api

import (
	"errors"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/switchboardhq/switchboard/auth"
	"github.com/switchboardhq/switchboard/storage"
)

// Keys of values the auth middleware leaves in echo.Context.
const (
	ctxOperator = "switchboard.operator"
	ctxToken    = "switchboard.token"
)

var errNoToken = &requestError{status: http.StatusUnauthorized,
	msg: "missing bearer token: send Authorization: Bearer TOKEN, or log in for a session cookie"}

// requireOperator lets a request through only with a valid session of an
// active operator — a bearer token, or the session cookie plus the CSRF
// header for anything but GET and HEAD — who is then available through
// operatorOf.
func (a *API) requireOperator(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		token, byCookie, err := sessionToken(c.Request())
		if err != nil {
			return err
		}
		op, err := auth.Authenticate(c.Request().Context(), a.store, token)
		if err != nil {
			return err
		}
		if byCookie {
			if err := checkCSRF(c.Request(), token); err != nil {
				return err
			}
		}
		c.Set(ctxOperator, op)
		c.Set(ctxToken, token)
		return next(c)
	}
}

func bearerToken(r *http.Request) (string, bool) {
	scheme, token, ok := strings.Cut(r.Header.Get(echo.HeaderAuthorization), " ")
	token = strings.TrimSpace(token)
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return "", false
	}
	return token, true
}

func operatorOf(c echo.Context) storage.Operator {
	op, _ := c.Get(ctxOperator).(storage.Operator)
	return op
}

type loginRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

type loginResponse struct {
	Token     string       `json:"token"`
	CSRFToken string       `json:"csrf_token"`
	Operator  operatorView `json:"operator"`
}

// maxEmail is the longest email an operator can have.
const maxEmail = 256

// login answers POST /auth/login.
func (a *API) login(c echo.Context) error {
	var req loginRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	var missing []string
	if strings.TrimSpace(req.Email) == "" {
		missing = append(missing, `"email"`)
	}
	if req.Password == "" {
		missing = append(missing, `"password"`)
	}
	if len(missing) > 0 {
		return badRequest("missing %s", strings.Join(missing, " and "))
	}
	if n := utf8.RuneCountInString(req.Email); n > maxEmail {
		// No operator's email is that long (the column holds 256).
		return badRequest(`"email" is %d characters; an email has at most %d`, n, maxEmail)
	}
	ctx := c.Request().Context()
	expires := time.Now().Add(a.ttl)
	token, op, err := auth.LoginFrom(ctx, a.store, req.Email, req.Password, c.RealIP(), a.ttl)
	switch {
	case errors.Is(err, auth.ErrBadCredentials):
		a.log.InfoContext(ctx, "login refused", "email", req.Email, "remote_ip", c.RealIP())
	case errors.Is(err, auth.ErrLockedOut):
		a.log.WarnContext(ctx, "login locked out", "email", req.Email, "remote_ip", c.RealIP())
	}
	if err != nil {
		return err
	}
	a.log.InfoContext(ctx, "operator logged in", "operator_id", op.ID)
	view, err := a.viewOperatorNow(ctx, op)
	if err != nil {
		return err
	}
	a.setSessionCookies(c, token, expires)
	return c.JSON(http.StatusOK, loginResponse{Token: token, CSRFToken: auth.CSRFToken(token), Operator: view})
}

// logout answers POST /auth/logout: the session used stops working and the
// browser forgets its cookies.
func (a *API) logout(c echo.Context) error {
	token, _ := c.Get(ctxToken).(string)
	if err := auth.Logout(c.Request().Context(), a.store, token); err != nil {
		return err
	}
	a.clearSessionCookies(c)
	return c.NoContent(http.StatusNoContent)
}

// me answers GET /me with the calling operator.
func (a *API) me(c echo.Context) error {
	view, err := a.viewOperatorNow(c.Request().Context(), operatorOf(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, view)
}
