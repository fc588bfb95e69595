package api

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

type historyResponse struct {
	Customer *customerView `json:"customer"`
	// Conversations are the customer's tickets on every channel, oldest
	// first, one page of them, each with its messages (notes included).
	Conversations []conversationView `json:"conversations"`
	// NextCursor continues the history; "" after the last page.
	NextCursor string `json:"next_cursor"`
}

// customerHistory answers GET /customers/:id/history?limit=N&cursor=C, one
// page of conversations at a time, in a fixed number of queries however
// long the page.
func (a *API) customerHistory(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	limit, cursor, err := listPage(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	cust, err := a.store.GetCustomer(ctx, id)
	if err != nil {
		return err
	}
	convs, next, err := a.store.CustomerConversations(ctx, id, cursor, limit)
	if err != nil {
		return err
	}
	views, err := a.viewConversations(ctx, operatorOf(c), convs)
	if err != nil {
		return err
	}
	ids := make([]uint64, len(convs))
	for i, conv := range convs {
		ids[i] = conv.ID
	}
	msgs, err := a.store.MessagesByConversation(ctx, ids)
	if err != nil {
		return err
	}
	for i := range views {
		views[i].Customer = nil // said once, at the top
		views[i].Messages = make([]messageView, 0, len(msgs[views[i].ID]))
		for _, m := range msgs[views[i].ID] {
			views[i].Messages = append(views[i].Messages, viewMessage(m))
		}
	}
	return c.JSON(http.StatusOK, historyResponse{Customer: viewCustomer(cust), Conversations: views, NextCursor: next})
}
