package api

import (
	"context"

	"github.com/labstack/echo/v4"

	"github.com/switchboardhq/switchboard/dialog"
	"github.com/switchboardhq/switchboard/storage"
)

// transferRequest names exactly one target: an operator or a queue ("" is
// the general queue, so presence, not emptiness, tells them apart).
type transferRequest struct {
	OperatorID *uint64 `json:"operator_id"`
	Queue      *string `json:"queue"`
}

// transfer answers POST /conversations/:id/transfer with the conversation
// after it: open with the operator named, or waiting in the queue named.
func (a *API) transfer(c echo.Context) error {
	var req transferRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	var to dialog.TransferTarget
	switch {
	case req.OperatorID != nil && req.Queue != nil:
		return badRequest(`send either "operator_id" or "queue", not both`)
	case req.OperatorID != nil && *req.OperatorID == 0:
		return badRequest(`"operator_id" must be a positive number`)
	case req.OperatorID != nil:
		to.OperatorID = *req.OperatorID
	case req.Queue != nil:
		to.Queue = *req.Queue
	default:
		return badRequest(`send "operator_id" (to a person) or "queue" (back to a queue)`)
	}
	return a.conversationAction(c, func(ctx context.Context, id uint64, op storage.Operator) (storage.Conversation, error) {
		return a.engine.Transfer(ctx, id, op, to)
	})
}
