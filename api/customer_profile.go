package api

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/switchboardhq/switchboard/storage"
)

// ProfileListLength is how many of a customer's latest conversations,
// callbacks, survey answers and notes their profile shows; the full lists
// of conversations and callbacks page through GET /conversations?customer_id=
// and GET /callbacks?customer_id= from the cursors the profile hands out.
const ProfileListLength = 20

// identityView is one channel identity of a customer.
type identityView struct {
	ID          uint64    `json:"id"`
	Channel     string    `json:"channel"`
	ExternalID  string    `json:"external_id"`
	Address     string    `json:"address"`
	Unreachable bool      `json:"unreachable"`
	OptedOut    bool      `json:"opted_out"`
	CreatedAt   time.Time `json:"created_at"`
}

// surveyAnswerView is a score the customer gave, with their comment.
type surveyAnswerView struct {
	ConversationID uint64     `json:"conversation_id"`
	Ticket         string     `json:"ticket"`
	Channel        string     `json:"channel"`
	Score          int        `json:"score"`
	ScoredAt       *time.Time `json:"scored_at"`
	// Comment is the customer's answer to the open question, "" when
	// they gave none.
	Comment string `json:"comment"`
}

// profileResponse is GET /customers/{id}: the customer's own fields, then
// what they are known by and what they asked for.
type profileResponse struct {
	*customerView
	CreatedAt time.Time `json:"created_at"`
	// MergedInto is the customer this one was merged into, if any.
	MergedInto *uint64 `json:"merged_into,omitempty"`
	// ErasedAt is when the customer was erased, if they were.
	ErasedAt   *time.Time     `json:"erased_at,omitempty"`
	Identities []identityView `json:"identities"`
	// Conversations are the latest, on every channel, newest first,
	// without messages; MoreConversations says older ones exist.
	Conversations     []conversationView `json:"conversations"`
	MoreConversations bool               `json:"more_conversations"`
	// ConversationsCursor is the next page of GET
	// /conversations?customer_id={id} ("" when there is none).
	ConversationsCursor string `json:"conversations_cursor"`
	// Callbacks are the latest changed first.
	Callbacks     []callbackView `json:"callbacks"`
	MoreCallbacks bool           `json:"more_callbacks"`
	// CallbacksCursor is the next page of GET /callbacks?customer_id={id}
	// ("" when there is none).
	CallbacksCursor string `json:"callbacks_cursor"`
	// SurveyAnswers are the latest scored first.
	SurveyAnswers     []surveyAnswerView `json:"survey_answers"`
	MoreSurveyAnswers bool               `json:"more_survey_answers"`
	// Notes are operators' private notes in the customer's conversations,
	// the latest first.
	Notes     []messageView `json:"notes"`
	MoreNotes bool          `json:"more_notes"`
}

// customerProfile answers GET /customers/:id: the customer's identities,
// time zone, language, their latest conversations across channels,
// callbacks, survey answers and operators' notes, in a fixed number of
// queries.
func (a *API) customerProfile(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	out, err := a.profile(c, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

// profile is customer id's profile, as GET /customers/:id answers it.
func (a *API) profile(c echo.Context, id uint64) (profileResponse, error) {
	ctx := c.Request().Context()
	cust, err := a.store.GetCustomer(ctx, id)
	if err != nil {
		return profileResponse{}, err
	}
	out := profileResponse{customerView: viewCustomer(cust), CreatedAt: cust.CreatedAt.UTC(), MergedInto: cust.MergedInto,
		ErasedAt: utc(cust.ErasedAt)}

	idents, err := a.store.CustomerIdentities(ctx, id)
	if err != nil {
		return out, err
	}
	out.Identities = make([]identityView, 0, len(idents))
	for _, i := range idents {
		out.Identities = append(out.Identities, identityView{ID: i.ID, Channel: i.Channel, ExternalID: i.ExternalID,
			Address: i.Address, Unreachable: i.Unreachable, OptedOut: i.OptedOut, CreatedAt: i.CreatedAt.UTC()})
	}

	convs, next, err := a.store.ConversationPage(ctx, storage.ConversationFilter{CustomerID: id, Limit: ProfileListLength})
	if err != nil {
		return out, err
	}
	if out.Conversations, err = a.viewConversations(ctx, operatorOf(c), convs); err != nil {
		return out, err
	}
	for i := range out.Conversations {
		out.Conversations[i].Customer = nil // said once, at the top
	}
	out.MoreConversations, out.ConversationsCursor = next != "", next

	cbs, next, err := a.store.CallbackPage(ctx, storage.CallbackFilter{CustomerID: id, Limit: ProfileListLength})
	if err != nil {
		return out, err
	}
	if out.Callbacks, err = a.viewCallbacks(ctx, cbs...); err != nil {
		return out, err
	}
	out.MoreCallbacks, out.CallbacksCursor = next != "", next

	if out.SurveyAnswers, out.MoreSurveyAnswers, err = a.surveyAnswers(c, id); err != nil {
		return out, err
	}
	notes, more, err := a.store.CustomerNotes(ctx, id, ProfileListLength)
	if err != nil {
		return out, err
	}
	out.Notes, out.MoreNotes = make([]messageView, 0, len(notes)), more
	for _, n := range notes {
		out.Notes = append(out.Notes, viewMessage(n))
	}
	return out, nil
}

// surveyAnswers are the latest scores customer id gave, with the text of
// their comments.
func (a *API) surveyAnswers(c echo.Context, id uint64) ([]surveyAnswerView, bool, error) {
	ctx := c.Request().Context()
	svs, more, err := a.store.CustomerSurveyAnswers(ctx, id, ProfileListLength)
	if err != nil {
		return nil, false, err
	}
	var commentIDs []uint64
	for _, sv := range svs {
		if sv.CommentID != nil {
			commentIDs = append(commentIDs, *sv.CommentID)
		}
	}
	comments, err := a.store.MessagesByID(ctx, commentIDs)
	if err != nil {
		return nil, false, err
	}
	out := make([]surveyAnswerView, 0, len(svs))
	for _, sv := range svs {
		v := surveyAnswerView{ConversationID: sv.ConversationID, Ticket: storage.FormatTicket(sv.ConversationID),
			Channel: sv.Channel, ScoredAt: utc(sv.ScoredAt)}
		if sv.Score != nil {
			v.Score = *sv.Score
		}
		if sv.CommentID != nil {
			v.Comment = comments[*sv.CommentID].Text
		}
		out = append(out, v)
	}
	return out, more, nil
}
