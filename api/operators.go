package api

import (
	"context"
	"errors"
	"net/http"
	"net/mail"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/switchboardhq/switchboard/audit"
	"github.com/switchboardhq/switchboard/auth"
	"github.com/switchboardhq/switchboard/storage"
)

type operatorList struct {
	Operators []operatorView `json:"operators"`
}

// listOperators answers GET /operators: everyone, by name, for transfer
// targets and the supervisor's page.
func (a *API) listOperators(c echo.Context) error {
	ctx := c.Request().Context()
	ops, err := a.store.ListOperators(ctx)
	if err != nil {
		return err
	}
	counts, err := a.store.OpenCounts(ctx)
	if err != nil {
		return err
	}
	out := operatorList{Operators: make([]operatorView, 0, len(ops))}
	for _, op := range ops {
		out.Operators = append(out.Operators, viewOperator(op, counts[op.ID]))
	}
	return c.JSON(http.StatusOK, out)
}

type createOperatorRequest struct {
	Email    string  `json:"email"`
	Name     string  `json:"name"`
	Password string  `json:"password"`
	Role     *string `json:"role"`
	Capacity *int    `json:"capacity"`
	Phone    *string `json:"phone"`
}

// createOperator answers POST /operators (supervisors): 201 with the new
// operator, 409 when the email is taken. The audit trail records who
// added whom with which role, never the password.
func (a *API) createOperator(c echo.Context) error {
	var req createOperatorRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	op := storage.Operator{Email: strings.TrimSpace(req.Email), Name: strings.TrimSpace(req.Name),
		Role: storage.RoleOperator, Capacity: storage.DefaultCapacity, Active: true}
	if req.Role != nil {
		op.Role = *req.Role
	}
	if req.Capacity != nil {
		op.Capacity = *req.Capacity
	}
	var phoneErr error
	if req.Phone != nil {
		op.Phone, phoneErr = a.checkPhone(*req.Phone)
	}
	if err := errors.Join(checkEmail(op.Email), checkName(op.Name), checkRole(op.Role), checkCapacity(op.Capacity), phoneErr); err != nil {
		return badRequest("%s", strings.ReplaceAll(err.Error(), "\n", "; "))
	}
	hash, err := auth.HashPassword(req.Password)
	if errors.Is(err, auth.ErrWeakPassword) {
		return badRequest(`"password": %v`, err)
	} else if err != nil {
		return err
	}
	op.PasswordHash = hash
	ctx := c.Request().Context()
	err = a.store.Tx(ctx, func(tx *storage.Storage) error {
		if err := tx.CreateOperator(ctx, &op); err != nil {
			return err
		}
		return tx.AddAuditEntry(ctx, auditEntry(c, audit.OperatorCreated, audit.OperatorTarget(op.ID), audit.Details{
			"email": op.Email, "name": op.Name, "role": op.Role, "capacity": op.Capacity, "phone": op.Phone}))
	})
	if err != nil {
		return err
	}
	a.log.InfoContext(ctx, "operator added", "operator_id", op.ID, "role", op.Role, "by", operatorOf(c).ID)
	a.publishOperator(ctx, op)
	return c.JSON(http.StatusCreated, viewOperator(op, 0))
}

type updateOperatorRequest struct {
	Name     *string `json:"name"`
	Role     *string `json:"role"`
	Capacity *int    `json:"capacity"`
	Active   *bool   `json:"active"`
	// Phone is where they take callback calls; "" takes them off.
	Phone *string `json:"phone"`
}

// updateOperator answers PATCH /operators/:id (supervisors). Deactivating
// ends the operator's sessions and event streams at once and takes them
// offline; a larger capacity may get them waiting conversations. The
// audit trail records what changed, from what to what.
func (a *API) updateOperator(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	var req updateOperatorRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	ch := storage.OperatorChanges{Role: req.Role, Capacity: req.Capacity, Active: req.Active}
	var problems []error
	if req.Name != nil {
		name := strings.TrimSpace(*req.Name)
		ch.Name = &name
		problems = append(problems, checkName(name))
	}
	if req.Role != nil {
		problems = append(problems, checkRole(*req.Role))
	}
	if req.Capacity != nil {
		problems = append(problems, checkCapacity(*req.Capacity))
	}
	if req.Phone != nil {
		e164, err := a.checkPhone(*req.Phone)
		ch.Phone = &e164
		problems = append(problems, err)
	}
	me := operatorOf(c)
	if id == me.ID && req.Active != nil && !*req.Active {
		problems = append(problems, errors.New(`"active": you cannot deactivate yourself`))
	}
	if id == me.ID && req.Role != nil && *req.Role != storage.RoleSupervisor {
		problems = append(problems, errors.New(`"role": you cannot give up your own supervisor role`))
	}
	if err := errors.Join(problems...); err != nil {
		return badRequest("%s", strings.ReplaceAll(err.Error(), "\n", "; "))
	}
	if req.Name == nil && req.Role == nil && req.Capacity == nil && req.Active == nil && req.Phone == nil {
		return badRequest(`nothing to change: send any of "name", "role", "capacity", "active", "phone"`)
	}
	ctx := c.Request().Context()
	var op storage.Operator
	err = a.store.Tx(ctx, func(tx *storage.Storage) error {
		before, err := tx.GetOperator(ctx, id)
		if err != nil {
			return err
		}
		if op, err = tx.UpdateOperator(ctx, id, ch); err != nil {
			return err
		}
		return tx.AddAuditEntry(ctx, auditEntry(c, audit.OperatorChanged, audit.OperatorTarget(id), operatorChanges(before, op)))
	})
	if err != nil {
		return err
	}
	a.log.InfoContext(ctx, "operator changed", "operator_id", op.ID, "by", me.ID)
	if req.Active != nil && !*req.Active {
		if op, err = a.logOut(ctx, op); err != nil {
			return err
		}
	} else {
		a.publishOperator(ctx, op)
	}
	if req.Capacity != nil {
		if _, err := a.engine.AssignWaiting(ctx); err != nil {
			a.log.ErrorContext(ctx, "automatic assignment failed", "err", err)
		}
	}
	view, err := a.viewOperatorNow(ctx, op)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, view)
}

// operatorChanges are the audit details of an operator changed from
// before to after: each field that changed, and their email for the
// reader.
func operatorChanges(before, after storage.Operator) audit.Details {
	d := audit.Details{"email": after.Email}
	d.Change("name", before.Name, after.Name)
	d.Change("role", before.Role, after.Role)
	d.Change("capacity", before.Capacity, after.Capacity)
	d.Change("active", before.Active, after.Active)
	d.Change("phone", before.Phone, after.Phone)
	return d
}

// logOut ends every session and event stream of op and takes them
// offline, which returns their unanswered conversations to the queue.
func (a *API) logOut(ctx context.Context, op storage.Operator) (storage.Operator, error) {
	if err := auth.EndSessions(ctx, a.store, op.ID, ""); err != nil {
		return op, err
	}
	a.broker.Disconnect(op.ID)
	return a.engine.SetPresence(ctx, op.ID, storage.PresenceOffline)
}

// viewOperatorNow renders op with their open conversations counted now.
func (a *API) viewOperatorNow(ctx context.Context, op storage.Operator) (operatorView, error) {
	n, err := a.store.OpenCount(ctx, op.ID)
	if err != nil {
		return operatorView{}, err
	}
	return viewOperator(op, n), nil
}

// publishOperator tells event listeners about op; a failure is only
// logged, the change itself stands.
func (a *API) publishOperator(ctx context.Context, op storage.Operator) {
	if err := a.engine.PublishOperator(ctx, op); err != nil {
		a.log.ErrorContext(ctx, "publish operator change", "operator_id", op.ID, "err", err)
	}
}

func checkEmail(email string) error {
	addr, err := mail.ParseAddress(email)
	switch {
	case email == "":
		return errors.New(`"email" is missing`)
	case err != nil || addr.Address != email || len(email) > 256:
		return errors.New(`"email" is not an email address`)
	}
	return nil
}

func checkName(name string) error {
	switch {
	case name == "":
		return errors.New(`"name" is missing`)
	case utf8.RuneCountInString(name) > 256:
		return errors.New(`"name" is longer than 256 characters`)
	}
	return nil
}

func checkRole(role string) error {
	if !storage.ValidRole(role) {
		return errors.New(`"role" must be "operator" or "supervisor"`)
	}
	return nil
}

// checkPhone reads an operator's callback phone as E.164 with the default
// region; "" (no phone) is allowed.
func (a *API) checkPhone(raw string) (string, error) {
	if strings.TrimSpace(raw) == "" {
		return "", nil
	}
	e164, err := a.engine.NormalizePhone(raw)
	if err != nil {
		return "", errors.New(`"phone" is not a valid phone number: use E.164 (+…) or a national number of the default region`)
	}
	return e164, nil
}

func checkCapacity(n int) error {
	if n < storage.MinCapacity || n > storage.MaxCapacity {
		return errors.New(`"capacity" must be between 1 and 50`)
	}
	return nil
}
