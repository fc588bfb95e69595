package api

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
)

type readRequest struct {
	MessageID uint64 `json:"message_id"`
}

type readResponse struct {
	ConversationID uint64 `json:"conversation_id"`
	// Unread is what remains unread for the caller after the mark.
	Unread int64 `json:"unread"`
}

// markRead answers POST /conversations/:id/read: the caller has read the
// conversation up to message_id. Marks never move back.
func (a *API) markRead(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	var req readRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if req.MessageID == 0 {
		return badRequest(`"message_id" is missing: send the id of the last message read`)
	}
	ctx := c.Request().Context()
	if _, err := a.store.GetConversation(ctx, id); err != nil {
		return err
	}
	in, err := a.store.MessageInConversation(ctx, id, req.MessageID)
	if err != nil {
		return err
	}
	if !in {
		return badRequest(`"message_id" %d is not a message of conversation %d`, req.MessageID, id)
	}
	op := operatorOf(c)
	if err := a.store.MarkRead(ctx, op.ID, id, req.MessageID, time.Now().UTC()); err != nil {
		return err
	}
	unread, err := a.store.UnreadCounts(ctx, op.ID, []uint64{id})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, readResponse{ConversationID: id, Unread: unread[id]})
}
