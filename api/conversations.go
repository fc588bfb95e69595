package api

import (
	"context"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/switchboardhq/switchboard/storage"
)

type conversationList struct {
	Conversations []conversationView `json:"conversations"`
	// NextCursor continues the list; "" after the last page.
	NextCursor string `json:"next_cursor"`
}

// listConversations answers GET /conversations?status=S&mine=1&customer_id=N&limit=N&cursor=C,
// one page at a time; waiting ones come in queue order, oldest first.
// mine=1 keeps the caller's own, customer_id=N customer N's.
func (a *API) listConversations(c echo.Context) error {
	status := c.QueryParam("status")
	if status != "" && !storage.ValidState(status) {
		return badRequest("unknown status %q: want bot, waiting, open or resolved", status)
	}
	filter := storage.ConversationFilter{State: status}
	switch mine := c.QueryParam("mine"); mine {
	case "", "0", "false":
	case "1", "true":
		filter.OperatorID = operatorOf(c).ID
	default:
		return badRequest("mine must be 1 or 0, not %q", mine)
	}
	var err error
	if filter.CustomerID, err = queryID(c, "customer_id"); err != nil {
		return err
	}
	if filter.Limit, filter.Cursor, err = listPage(c); err != nil {
		return err
	}
	ctx := c.Request().Context()
	convs, next, err := a.store.ConversationPage(ctx, filter)
	if err != nil {
		return err
	}
	views, err := a.viewConversations(ctx, operatorOf(c), convs)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, conversationList{Conversations: views, NextCursor: next})
}

// getConversation answers GET /conversations/:id with its customer and
// every message, oldest first.
func (a *API) getConversation(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	conv, err := a.store.GetConversation(ctx, id)
	if err != nil {
		return err
	}
	view, err := a.viewOne(ctx, operatorOf(c), conv)
	if err != nil {
		return err
	}
	msgs, err := a.store.ListMessages(ctx, id)
	if err != nil {
		return err
	}
	view.Messages = make([]messageView, 0, len(msgs))
	for _, m := range msgs {
		view.Messages = append(view.Messages, viewMessage(m))
	}
	return c.JSON(http.StatusOK, view)
}

// claim answers POST /conversations/:id/claim.
func (a *API) claim(c echo.Context) error {
	return a.conversationAction(c, func(ctx context.Context, id uint64, op storage.Operator) (storage.Conversation, error) {
		return a.engine.Claim(ctx, id, op)
	})
}

// resolve answers POST /conversations/:id/resolve.
func (a *API) resolve(c echo.Context) error {
	return a.conversationAction(c, func(ctx context.Context, id uint64, op storage.Operator) (storage.Conversation, error) {
		return a.engine.Resolve(ctx, id, op)
	})
}

// conversationAction runs an engine action on the path's conversation as
// the calling operator and answers with the conversation after it.
func (a *API) conversationAction(c echo.Context, act func(context.Context, uint64, storage.Operator) (storage.Conversation, error)) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	conv, err := act(ctx, id, operatorOf(c))
	if err != nil {
		return err
	}
	view, err := a.viewOne(ctx, operatorOf(c), conv)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, view)
}

type replyRequest struct {
	Text string `json:"text"`
}

// reply answers POST /conversations/:id/messages: the text goes to the
// customer through their own channel.
func (a *API) reply(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	var req replyRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	msg, err := a.engine.Reply(c.Request().Context(), id, operatorOf(c), req.Text)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, viewMessage(msg))
}
