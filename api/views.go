package api

import (
	"encoding/json"
	"time"

	"github.com/switchboardhq/switchboard/dialog"
	"github.com/switchboardhq/switchboard/media"
	"github.com/switchboardhq/switchboard/storage"
)

// The types below are the API's JSON: snake_case, times in UTC, every
// field present (null when unset) so clients need no guessing.

type operatorView struct {
	ID       uint64 `json:"id"`
	Email    string `json:"email"`
	Name     string `json:"name"`
	Role     string `json:"role"`
	Active   bool   `json:"active"`
	Capacity int    `json:"capacity"`
	Presence string `json:"presence"`
	// Phone is where they take callback calls, in E.164; "" for none.
	Phone string `json:"phone"`
	// OpenCount is how many conversations they have open.
	OpenCount int64     `json:"open_count"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// viewOperator renders o with openCount conversations open.
func viewOperator(o storage.Operator, openCount int64) operatorView {
	return operatorView{ID: o.ID, Email: o.Email, Name: o.Name, Role: o.Role, Active: o.Active,
		Capacity: o.Capacity, Presence: o.Presence, Phone: o.Phone, OpenCount: openCount,
		CreatedAt: o.CreatedAt.UTC(), UpdatedAt: o.UpdatedAt.UTC()}
}

type customerView struct {
	ID       uint64 `json:"id"`
	Name     string `json:"name"`
	Username string `json:"username"`
	Language string `json:"language"`
	// Phone is the customer's number in E.164, when known (SMS, calls, a
	// number shared on Telegram).
	Phone string `json:"phone"`
	// TimeZone is the IANA zone set for the customer, "" when none is
	// (their number's country's applies).
	TimeZone string `json:"time_zone"`
	// ProactiveOptOut is set when the customer asked for no surveys.
	ProactiveOptOut bool `json:"proactive_opt_out"`
}

func viewCustomer(c storage.Customer) *customerView {
	return &customerView{ID: c.ID, Name: c.Name, Username: c.Username, Language: c.Language, Phone: c.Phone,
		TimeZone: c.TimeZone, ProactiveOptOut: c.ProactiveOptOut}
}

type conversationView struct {
	ID            uint64        `json:"id"`
	Ticket        string        `json:"ticket"`
	Status        string        `json:"status"`
	Channel       string        `json:"channel"`
	Queue         string        `json:"queue"`
	OperatorID    *uint64       `json:"operator_id"`
	CustomerID    uint64        `json:"customer_id"`
	Customer      *customerView `json:"customer,omitempty"`
	Language      string        `json:"language"`
	FirstText     string        `json:"first_text"`
	CreatedAt     time.Time     `json:"created_at"`
	UpdatedAt     time.Time     `json:"updated_at"`
	HandedOverAt  *time.Time    `json:"handed_over_at"`
	ClaimedAt     *time.Time    `json:"claimed_at"`
	ResolvedAt    *time.Time    `json:"resolved_at"`
	LastMessageAt time.Time     `json:"last_message_at"`
	// Unread counts the customer's messages after the caller's read mark.
	Unread *int64 `json:"unread"`
	// Operator is who has the conversation, null when nobody has.
	Operator *operatorRef `json:"operator"`
	// Messages is set only when one conversation is asked for.
	Messages []messageView `json:"messages,omitempty"`
	// SurveyDueAt is when a resolved conversation's survey goes out;
	// SurveySkipped says instead why none will (opted out, already
	// surveyed, capped, unreachable, newer request); Survey is the survey
	// itself.
	SurveyDueAt   *time.Time  `json:"survey_due_at,omitempty"`
	SurveySkipped string      `json:"survey_skipped,omitempty"`
	Survey        *surveyView `json:"survey,omitempty"`
}

// surveyView is a ticket's feedback survey as operators see it.
type surveyView struct {
	State  string     `json:"state"`
	DueAt  time.Time  `json:"due_at"`
	SentAt *time.Time `json:"sent_at"`
	Score  *int       `json:"score"`
	// CommentID is the customer's message answering the open question.
	CommentID *uint64 `json:"comment_id"`
}

// withSurvey adds sv, the survey of resolved conversation v, to v.
func (v *conversationView) withSurvey(sv storage.Survey) {
	v.Survey = &surveyView{State: sv.State, DueAt: sv.DueAt.UTC(), SentAt: utc(sv.SentAt), Score: sv.Score, CommentID: sv.CommentID}
	switch {
	case sv.State == storage.SurveyScheduled:
		due := sv.DueAt.UTC()
		v.SurveyDueAt = &due
	case sv.State == storage.SurveySkipped:
		v.SurveySkipped = sv.SkipReason
	case sv.Sent():
		v.SurveySkipped = storage.SkipAlreadySurveyed
	}
}

// operatorRef names an operator where a whole operatorView is too much.
type operatorRef struct {
	ID   uint64 `json:"id"`
	Name string `json:"name"`
}

// conversationEvent is a conversation in the event stream. Unread counts
// belong to each listener and operator names are not loaded on the hot
// path, so both are left out there; operator_id is present.
type conversationEvent struct {
	conversationView
	Unread   *int64       `json:"unread,omitempty"`
	Operator *operatorRef `json:"operator,omitempty"`
}

func viewConversation(c storage.Conversation, cust *customerView) conversationView {
	return conversationView{
		ID: c.ID, Ticket: c.Ticket(), Status: c.State, Channel: c.Channel, Queue: c.Queue,
		OperatorID: c.OperatorID, CustomerID: c.CustomerID, Customer: cust, Language: c.Language,
		FirstText: c.FirstText, CreatedAt: c.CreatedAt.UTC(), UpdatedAt: c.UpdatedAt.UTC(),
		HandedOverAt: utc(c.HandedOverAt), ClaimedAt: utc(c.ClaimedAt), ResolvedAt: utc(c.ResolvedAt),
		LastMessageAt: c.LastMessageAt.UTC(),
	}
}

type messageView struct {
	ID             uint64  `json:"id"`
	ConversationID uint64  `json:"conversation_id"`
	Ticket         string  `json:"ticket"`
	Direction      string  `json:"direction"`
	Author         string  `json:"author"`
	OperatorID     *uint64 `json:"operator_id"`
	Kind           string  `json:"kind"`
	Text           string  `json:"text"`
	FileID         string  `json:"file_id"`
	FileName       string  `json:"file_name"`
	Channel        string  `json:"channel"`
	DeliveryState  string  `json:"delivery_state"`
	DeliveryError  string  `json:"delivery_error"`
	// Label is thanks, complaint or question on what a customer said about
	// a resolved ticket or in a survey; LabelSource is rules or operator.
	Label       string     `json:"label"`
	LabelSource string     `json:"label_source"`
	Proactive   bool       `json:"proactive"`
	CreatedAt   time.Time  `json:"created_at"`
	DeliveredAt *time.Time `json:"delivered_at"`
	// Choices are the buttons offered with a bot message: what the customer
	// could press, with the digit that picks each by SMS or phone.
	Choices []dialog.Choice `json:"choices"`
	// MediaURL is the same-origin path of the message's file (GET
	// /media/{id}), set when it has one that can be fetched; MediaType
	// and MediaSize are what the channel announced of it.
	MediaURL  string `json:"media_url,omitempty"`
	MediaType string `json:"media_type,omitempty"`
	MediaSize int64  `json:"media_size,omitempty"`
	// MediaTooLarge says the file is larger than a bot may download (20
	// MB): it is not fetched, and has no MediaURL.
	MediaTooLarge bool `json:"media_too_large,omitempty"`
	// MapURL opens a shared location on OpenStreetMap.
	MapURL string `json:"map_url,omitempty"`
}

func viewMessage(m storage.Message) messageView {
	v := viewMessageFields(m)
	switch {
	case media.HasFile(m.Kind, m.FileID) && media.TooLarge(m.MediaSize):
		v.MediaTooLarge, v.MediaType, v.MediaSize = true, m.MediaType, m.MediaSize
	case media.HasFile(m.Kind, m.FileID):
		v.MediaURL, v.MediaType, v.MediaSize = MediaPath(m.ID), m.MediaType, m.MediaSize
	case m.Kind == "location":
		v.MapURL = media.MapURL(m.Text)
	}
	return v
}

func viewMessageFields(m storage.Message) messageView {
	var choices []dialog.Choice
	if m.Choices != "" {
		_ = json.Unmarshal([]byte(m.Choices), &choices)
	}
	return messageView{Choices: choices,
		ID: m.ID, ConversationID: m.ConversationID, Ticket: storage.FormatTicket(m.ConversationID),
		Direction: m.Direction, Author: m.Author, OperatorID: m.OperatorID, Kind: m.Kind, Text: m.Text,
		FileID: m.FileID, FileName: m.FileName, Channel: m.Channel, DeliveryState: m.DeliveryState,
		DeliveryError: m.DeliveryError, CreatedAt: m.CreatedAt.UTC(), DeliveredAt: utc(m.DeliveredAt),
		Label: m.Label, LabelSource: m.LabelSource, Proactive: m.Proactive,
	}
}

// viewEventData renders the engine's event payloads in the same shapes as
// the REST calls; anything else passes as it is.
func viewEventData(data any) any {
	switch d := data.(type) {
	case dialog.MessageView:
		return viewMessage(d.Message)
	case dialog.OperatorView:
		return viewOperator(d.Operator, d.OpenCount)
	case dialog.ConversationView:
		return conversationEvent{conversationView: viewConversation(d.Conversation, nil)}
	case dialog.CallbackView:
		return viewCallback(d.Callback)
	case dialog.FollowUpView:
		return viewFollowUp(d.FollowUp, nil)
	}
	return data
}

func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}
