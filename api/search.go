package api

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/switchboardhq/switchboard/search"
)

// searchCustomer is who a found conversation is with.
type searchCustomer struct {
	ID       uint64 `json:"id"`
	Name     string `json:"name"`
	Username string `json:"username"`
	Phone    string `json:"phone"`
}

// searchResult is one conversation found. Snippet is plain text in
// segments, the matching ones flagged: the console marks them with
// elements it makes itself and never reads any as HTML.
type searchResult struct {
	ConversationID uint64           `json:"conversation_id"`
	Ticket         string           `json:"ticket"`
	Status         string           `json:"status"`
	Channel        string           `json:"channel"`
	LastMessageAt  time.Time        `json:"last_message_at"`
	Customer       searchCustomer   `json:"customer"`
	Matched        string           `json:"matched"`
	MessageID      *uint64          `json:"message_id"`
	Snippet        []search.Segment `json:"snippet"`
}

type searchPage struct {
	Results    []searchResult `json:"results"`
	NextCursor string         `json:"next_cursor"`
}

// searchConversations answers GET /search?q=&limit=&cursor=: conversations
// found by ticket, phone, name, username or message words, exact matches
// first, then the most recently active.
func (a *API) searchConversations(c echo.Context) error {
	limit := search.DefaultLimit
	if raw := c.QueryParam("limit"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 || n > search.MaxLimit {
			return badRequest("limit must be a number from 1 to %d, not %q", search.MaxLimit, raw)
		}
		limit = n
	}
	page, err := a.search.Search(c.Request().Context(), c.QueryParam("q"), limit, c.QueryParam("cursor"))
	switch {
	case errors.Is(err, search.ErrEmptyQuery), errors.Is(err, search.ErrQueryTooLong), errors.Is(err, search.ErrBadCursor):
		return badRequest("%s", err.Error())
	case err != nil:
		return err
	}
	out := searchPage{Results: make([]searchResult, 0, len(page.Results)), NextCursor: page.NextCursor}
	for _, r := range page.Results {
		v := searchResult{ConversationID: r.ConversationID, Ticket: r.Ticket, Status: r.State, Channel: r.Channel,
			LastMessageAt: r.LastMessageAt, Matched: r.Matched, Snippet: r.Snippet,
			Customer: searchCustomer{ID: r.Customer.ID, Name: r.Customer.Name, Username: r.Customer.Username, Phone: r.Customer.Phone}}
		if r.MessageID != 0 {
			id := r.MessageID
			v.MessageID = &id
		}
		out.Results = append(out.Results, v)
	}
	return c.JSON(http.StatusOK, out)
}
