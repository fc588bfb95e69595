package api

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/switchboardhq/switchboard/auth"
)

type changePasswordRequest struct {
	CurrentPassword string `json:"current_password"`
	NewPassword     string `json:"new_password"`
}

// changePassword answers POST /me/password: with the right current
// password the caller gets the new one, and their other sessions end.
func (a *API) changePassword(c echo.Context) error {
	var req changePasswordRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	op := operatorOf(c)
	token, _ := c.Get(ctxToken).(string)
	err := auth.ChangePassword(c.Request().Context(), a.store, op, req.CurrentPassword, req.NewPassword, token, c.RealIP())
	if errors.Is(err, auth.ErrBadCredentials) {
		// 400, not 401: the session is fine, the field is wrong.
		return badRequest(`"current_password" is wrong`)
	} else if errors.Is(err, auth.ErrWeakPassword) {
		return badRequest(`"new_password": %v`, err)
	} else if err != nil {
		return err
	}
	a.log.InfoContext(c.Request().Context(), "password changed", "operator_id", op.ID)
	return c.NoContent(http.StatusNoContent)
}

type resetPasswordRequest struct {
	Password string `json:"password"`
}

// resetPassword answers POST /operators/:id/password (supervisors): the
// operator gets the new password and every session and event stream of
// theirs ends; the audit trail records who reset it.
func (a *API) resetPassword(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	var req resetPasswordRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	ctx := c.Request().Context()
	if _, err := a.store.GetOperator(ctx, id); err != nil {
		return err
	}
	err = auth.SetPassword(ctx, a.store, actorOf(c), id, req.Password)
	if errors.Is(err, auth.ErrWeakPassword) {
		return badRequest(`"password": %v`, err)
	} else if err != nil {
		return err
	}
	a.broker.Disconnect(id)
	a.log.InfoContext(ctx, "password reset", "operator_id", id, "by", operatorOf(c).ID)
	return c.NoContent(http.StatusNoContent)
}
