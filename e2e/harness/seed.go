package main

import (
	"context"
	"fmt"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/switchboardhq/switchboard/feedback/label"
	"github.com/switchboardhq/switchboard/storage"
)

// seedRequest is the body of POST /reports/seed: survey answers and
// labelled customer messages, each on a resolved ticket of its own.
type seedRequest struct {
	Answers []seedAnswer `json:"answers"`
	Labels  []seedLabel  `json:"labels"`
}

// seedAnswer is a score given at At to a ticket of Channel that operator
// OperatorID (none when 0) handled: the ticket started ResolutionSeconds
// before At (default 600), was handed over then, answered
// FirstResponseSeconds later (when set and it had an operator) and
// resolved at At.
type seedAnswer struct {
	Channel              string    `json:"channel"`
	OperatorID           uint64    `json:"operator_id"`
	Score                int       `json:"score"`
	At                   time.Time `json:"at"`
	FirstResponseSeconds int       `json:"first_response_seconds"`
	ResolutionSeconds    int       `json:"resolution_seconds"`
}

// seedLabel is a customer message labelled Label written at At.
type seedLabel struct {
	Channel    string    `json:"channel"`
	OperatorID uint64    `json:"operator_id"`
	Label      string    `json:"label"`
	At         time.Time `json:"at"`
}

var seeded atomic.Int64

// seedReports answers POST /reports/seed, writing straight to the store
// what the survey scheduler and the labelling rules would have written
// over days.
func (h *harness) seedReports(w http.ResponseWriter, r *http.Request) {
	var req seedRequest
	if !decode(w, r, &req) {
		return
	}
	ctx := r.Context()
	for i, a := range req.Answers {
		if err := h.seedAnswer(ctx, a); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": fmt.Sprintf("answers[%d]: %v", i, err)})
			return
		}
	}
	for i, l := range req.Labels {
		if err := h.seedLabel(ctx, l); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": fmt.Sprintf("labels[%d]: %v", i, err)})
			return
		}
	}
	writeJSON(w, http.StatusOK, map[string]int{"answers": len(req.Answers), "labels": len(req.Labels)})
}

func (h *harness) seedAnswer(ctx context.Context, a seedAnswer) error {
	if a.ResolutionSeconds <= 0 {
		a.ResolutionSeconds = 600
	}
	conv, err := h.seedTicket(ctx, a.Channel, a.OperatorID, a.At.Add(-time.Duration(a.ResolutionSeconds)*time.Second), a.At)
	if err != nil {
		return err
	}
	if conv.OperatorID != nil && a.FirstResponseSeconds > 0 {
		reply := storage.Message{ConversationID: conv.ID, Direction: storage.Outbound, Author: storage.AuthorOperator,
			OperatorID: conv.OperatorID, Kind: "text", Text: "Let me look into it.", Channel: conv.Channel,
			CreatedAt: conv.HandedOverAt.Add(time.Duration(a.FirstResponseSeconds) * time.Second)}
		if err := h.store.InsertMessage(ctx, &reply); err != nil {
			return err
		}
	}
	sv, err := h.store.ScheduleSurvey(ctx, conv, a.At, "")
	if err != nil {
		return err
	}
	if _, err := h.store.ClaimSurvey(ctx, sv.ID, a.At); err != nil {
		return err
	}
	_, err = h.store.ScoreSurvey(ctx, sv.ID, a.Score, a.At)
	return err
}

func (h *harness) seedLabel(ctx context.Context, l seedLabel) error {
	if !label.Valid(l.Label) {
		return fmt.Errorf("label %q is not thanks, complaint or question", l.Label)
	}
	conv, err := h.seedTicket(ctx, l.Channel, l.OperatorID, l.At.Add(-time.Hour), l.At.Add(-time.Minute))
	if err != nil {
		return err
	}
	m := storage.Message{ConversationID: conv.ID, Direction: storage.Inbound, Author: storage.AuthorCustomer, Kind: "text",
		Text: "(" + l.Label + ")", Channel: conv.Channel, Label: l.Label, LabelSource: "rules", CreatedAt: l.At}
	return h.store.InsertMessage(ctx, &m)
}

// seedTicket stores a ticket of a new customer of channel, started and
// handed over at start and resolved at end by operatorID (none when 0).
func (h *harness) seedTicket(ctx context.Context, channel string, operatorID uint64, start, end time.Time) (storage.Conversation, error) {
	if channel == "" {
		return storage.Conversation{}, fmt.Errorf("channel is missing")
	}
	ext := fmt.Sprintf("seed-%d", seeded.Add(1))
	id, cust, err := h.store.FindOrCreateIdentity(ctx, storage.Contact{Channel: channel, ExternalID: ext, Address: ext, Name: "Seeded " + ext})
	if err != nil {
		return storage.Conversation{}, err
	}
	start, end = start.UTC(), end.UTC()
	conv := storage.Conversation{CustomerID: cust.ID, IdentityID: id.ID, Channel: channel, State: storage.StateResolved,
		CreatedAt: start, HandedOverAt: &start, ResolvedAt: &end, LastMessageAt: end}
	if operatorID != 0 {
		conv.OperatorID = &operatorID
		conv.ClaimedAt = &start
	}
	return conv, h.store.CreateConversation(ctx, &conv)
}

// seedQueueRequest is the body of POST /queue/seed: Count customers
// waiting, handed over one second apart from Since (default: Count
// seconds and an hour ago), oldest first.
type seedQueueRequest struct {
	Count int       `json:"count"`
	Since time.Time `json:"since"`
}

// seedQueue answers POST /queue/seed with the tickets it put in the queue,
// in queue order, writing straight to the store what customers handed
// over one by one would have.
func (h *harness) seedQueue(w http.ResponseWriter, r *http.Request) {
	var req seedQueueRequest
	if !decode(w, r, &req) {
		return
	}
	if req.Count < 1 || req.Count > 5000 {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "count must be from 1 to 5000"})
		return
	}
	if req.Since.IsZero() {
		req.Since = time.Now().Add(-time.Hour - time.Duration(req.Count)*time.Second)
	}
	tickets := make([]string, 0, req.Count)
	for i := range req.Count {
		at := req.Since.Add(time.Duration(i) * time.Second).UTC()
		ext := fmt.Sprintf("seed-%d", seeded.Add(1))
		id, cust, err := h.store.FindOrCreateIdentity(r.Context(), storage.Contact{Channel: "telegram", ExternalID: ext, Address: ext, Name: "Queued " + ext})
		if err != nil {
			writeJSON(w, http.StatusInternalServerError, map[string]string{"error": err.Error()})
			return
		}
		conv := storage.Conversation{CustomerID: cust.ID, IdentityID: id.ID, Channel: "telegram", State: storage.StateWaiting,
			FirstText: fmt.Sprintf("Queued question %d", i+1), CreatedAt: at, HandedOverAt: &at, LastMessageAt: at}
		if err := h.store.CreateConversation(r.Context(), &conv); err != nil {
			writeJSON(w, http.StatusInternalServerError, map[string]string{"error": err.Error()})
			return
		}
		tickets = append(tickets, conv.Ticket())
	}
	writeJSON(w, http.StatusOK, map[string][]string{"tickets": tickets})
}

// seedFollowUpsRequest is the body of POST /followups/seed: Count closed
// follow-ups of complaints, on resolved tickets of their own, opened a
// minute apart (the last a minute ago) and closed by operator ClosedBy.
type seedFollowUpsRequest struct {
	Count    int    `json:"count"`
	ClosedBy uint64 `json:"closed_by"`
}

// seedFollowUps answers POST /followups/seed with the ids of the
// follow-ups it closed, newest first (as the closed list shows them).
func (h *harness) seedFollowUps(w http.ResponseWriter, r *http.Request) {
	var req seedFollowUpsRequest
	if !decode(w, r, &req) {
		return
	}
	if req.Count < 1 || req.Count > 5000 || req.ClosedBy == 0 {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "count must be from 1 to 5000, closed_by an operator id"})
		return
	}
	ctx := r.Context()
	ids := make([]uint64, req.Count)
	for i := range req.Count {
		at := time.Now().Add(-time.Duration(req.Count-i) * time.Minute)
		conv, err := h.seedTicket(ctx, "telegram", 0, at.Add(-time.Hour), at)
		if err == nil {
			var f storage.FollowUp
			f, _, err = h.store.OpenFollowUp(ctx, storage.FollowUp{ConversationID: conv.ID, CustomerID: conv.CustomerID,
				Kind: storage.FollowUpComplaint, Summary: fmt.Sprintf("Complaint %d", i+1)})
			if err == nil {
				_, err = h.store.CloseFollowUp(ctx, f.ID, "Refunded.", req.ClosedBy, at)
				ids[req.Count-1-i] = f.ID
			}
		}
		if err != nil {
			writeJSON(w, http.StatusInternalServerError, map[string]string{"error": err.Error()})
			return
		}
	}
	writeJSON(w, http.StatusOK, map[string][]uint64{"ids": ids})
}

// surveyAnswerRequest is the body of POST /survey/answer: the customer of
// conversation ConversationID answers its survey with Score and, when
// Comment is not empty, the open question with Comment.
type surveyAnswerRequest struct {
	ConversationID uint64 `json:"conversation_id"`
	Score          int    `json:"score"`
	Comment        string `json:"comment"`
}

// seedSurveyAnswer answers POST /survey/answer with the survey's id and
// the comment's message id (0 without one), writing straight to the store
// what the survey scheduler and the customer's answers would have: the
// survey sent now (due in an hour, so the scheduler leaves it alone),
// scored, and the comment a message of the customer's.
func (h *harness) seedSurveyAnswer(w http.ResponseWriter, r *http.Request) {
	var req surveyAnswerRequest
	if !decode(w, r, &req) {
		return
	}
	ctx := r.Context()
	fail := func(err error) {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": fmt.Sprintf("survey of conversation %d: %v", req.ConversationID, err)})
	}
	conv, err := h.store.GetConversation(ctx, req.ConversationID)
	if err != nil {
		fail(err)
		return
	}
	now := time.Now().UTC()
	sv, err := h.store.ScheduleSurvey(ctx, conv, now.Add(time.Hour), "")
	if err != nil {
		fail(err)
		return
	}
	if sv.State == storage.SurveyScheduled {
		if sv, err = h.store.ClaimSurvey(ctx, sv.ID, now); err != nil {
			fail(err)
			return
		}
	}
	if sv, err = h.store.ScoreSurvey(ctx, sv.ID, req.Score, now); err != nil {
		fail(err)
		return
	}
	var commentID uint64
	if req.Comment != "" {
		m := storage.Message{ConversationID: conv.ID, Direction: storage.Inbound, Author: storage.AuthorCustomer, Kind: "text",
			Text: req.Comment, Channel: conv.Channel, CreatedAt: now}
		if err := h.store.InsertMessage(ctx, &m); err != nil {
			fail(err)
			return
		}
		if _, err := h.store.CommentSurvey(ctx, sv.ID, m.ID, now); err != nil {
			fail(err)
			return
		}
		commentID = m.ID
	}
	writeJSON(w, http.StatusOK, map[string]uint64{"survey_id": sv.ID, "comment_id": commentID})
}

// customerTicketsRequest is the body of POST /customer/tickets: Count
// resolved tickets of customer CustomerID, on their first identity.
type customerTicketsRequest struct {
	CustomerID uint64 `json:"customer_id"`
	Count      int    `json:"count"`
}

// seedCustomerTickets answers POST /customer/tickets with the tickets it
// stored, newest first: resolved conversations of an existing customer,
// a day apart and all before yesterday (so they are that customer's
// oldest), as a long-standing customer's history would be.
func (h *harness) seedCustomerTickets(w http.ResponseWriter, r *http.Request) {
	var req customerTicketsRequest
	if !decode(w, r, &req) {
		return
	}
	if req.Count < 1 || req.Count > 500 {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "count must be from 1 to 500"})
		return
	}
	ctx := r.Context()
	idents, err := h.store.CustomerIdentities(ctx, req.CustomerID)
	if err == nil && len(idents) == 0 {
		err = fmt.Errorf("customer %d has no identity", req.CustomerID)
	}
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
		return
	}
	id := idents[0]
	tickets := make([]string, 0, req.Count)
	for i := range req.Count {
		end := time.Now().Add(-time.Duration(i+2) * 24 * time.Hour).UTC()
		start := end.Add(-time.Hour)
		conv := storage.Conversation{CustomerID: req.CustomerID, IdentityID: id.ID, Channel: id.Channel, State: storage.StateResolved,
			FirstText: fmt.Sprintf("Old question %d", i+1), CreatedAt: start, HandedOverAt: &start, ResolvedAt: &end, LastMessageAt: end}
		if err := h.store.CreateConversation(ctx, &conv); err != nil {
			writeJSON(w, http.StatusInternalServerError, map[string]string{"error": err.Error()})
			return
		}
		tickets = append(tickets, conv.Ticket())
	}
	writeJSON(w, http.StatusOK, map[string][]string{"tickets": tickets})
}
