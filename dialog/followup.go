package dialog

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/switchboardhq/switchboard/events"
	"github.com/switchboardhq/switchboard/storage"
)

// ErrNotFeedbackOwner is returned when an operator who is neither the
// feedback owner nor a supervisor closes a follow-up.
var ErrNotFeedbackOwner = errors.New("only the feedback owner or a supervisor can close a follow-up")

// ErrEmptyDecision is returned when a follow-up is closed without saying
// what was decided.
var ErrEmptyDecision = errors.New("decision is empty: say what was decided, the customer is told")

// ErrDecisionTooLong is returned for a decision over MaxReplyLength.
var ErrDecisionTooLong = fmt.Errorf("decision is longer than %d characters", MaxReplyLength)

// FollowUpView is a follow-up as events show it, with its ticket.
type FollowUpView struct {
	storage.FollowUp
	Ticket string `json:"ticket"`
}

func followUpChanged(f storage.FollowUp) events.Event {
	return events.Event{Type: events.FollowUpChanged, ConversationID: f.ConversationID,
		Data: FollowUpView{FollowUp: f, Ticket: storage.FormatTicket(f.ConversationID)}}
}

// feedbackOwner is the operator feedback_owner names, nil when it names
// none that is active (the follow-up then goes to every supervisor, and a
// warning says so).
func (e *Engine) feedbackOwner(ctx context.Context, tx *storage.Storage) (*uint64, error) {
	if e.settings.FeedbackOwner == "" {
		return nil, nil
	}
	op, err := tx.OperatorByEmail(ctx, e.settings.FeedbackOwner)
	switch {
	case err != nil && !errors.Is(err, storage.ErrNotFound):
		return nil, err
	case err != nil || !op.Active:
		e.log.Warn("feedback_owner is no active operator: complaints and detractor scores go to supervisors until one is",
			"feedback_owner", e.settings.FeedbackOwner)
		return nil, nil
	}
	return &op.ID, nil
}

// CheckFeedbackOwner warns, at start, when feedback_owner names no active
// operator; not an error, as the owner may be added later.
func (e *Engine) CheckFeedbackOwner(ctx context.Context) error {
	_, err := e.feedbackOwner(ctx, e.store)
	return err
}

// followUp opens (or joins) the follow-up of the turn's ticket for the
// feedback owner: a complaint in message m, or a detractor's score.
func (t *turn) followUp(ctx context.Context, kind string, m *storage.Message, score *int) error {
	f, err := t.e.openFollowUp(ctx, t.tx, t.conv, kind, m, score)
	if err != nil {
		return err
	}
	t.emit = append(t.emit, pendingEvent{ev: followUpChanged(f)})
	return nil
}

func (e *Engine) openFollowUp(ctx context.Context, tx *storage.Storage, conv storage.Conversation,
	kind string, m *storage.Message, score *int) (storage.FollowUp, error) {
	owner, err := e.feedbackOwner(ctx, tx)
	if err != nil {
		return storage.FollowUp{}, err
	}
	f := storage.FollowUp{ConversationID: conv.ID, CustomerID: conv.CustomerID, Kind: kind, Score: score, OwnerID: owner}
	if m != nil {
		f.MessageID, f.Summary = &m.ID, clip(m.Text, 512)
	}
	f, created, err := tx.OpenFollowUp(ctx, f)
	if err != nil {
		return f, err
	}
	if created {
		e.log.Info("follow-up opened", "follow_up_id", f.ID, "kind", kind, "ticket", storage.FormatTicket(conv.ID))
	}
	return f, nil
}

// mayClose reports whether op may close f: a supervisor any, the owner
// it went to theirs, and the feedback owner now configured those that
// went to no one (opened before there was one).
func mayClose(f storage.FollowUp, op storage.Operator, owner string) bool {
	switch {
	case op.Role == storage.RoleSupervisor:
		return true
	case f.OwnerID != nil:
		return *f.OwnerID == op.ID
	}
	return owner != "" && strings.EqualFold(op.Email, owner)
}

// CloseFollowUp closes follow-up id with what op decided and tells the
// customer the decision in their conversation, through their channel,
// in one transaction. Only the feedback owner it went to, or a
// supervisor, may; one closed before is storage.ErrWrongState.
func (e *Engine) CloseFollowUp(ctx context.Context, id uint64, op storage.Operator, decision string) (storage.FollowUp, error) {
	decision, err := operatorText(decision, ErrEmptyDecision, ErrDecisionTooLong)
	if err != nil {
		return storage.FollowUp{}, err
	}
	var closed storage.FollowUp
	var t *turn
	err = e.store.Tx(ctx, func(tx *storage.Storage) error {
		f, err := tx.GetFollowUp(ctx, id)
		if err != nil {
			return err
		}
		if !mayClose(f, op, e.settings.FeedbackOwner) {
			return fmt.Errorf("close follow-up %d: %w", id, ErrNotFeedbackOwner)
		}
		if closed, err = tx.CloseFollowUp(ctx, id, decision, op.ID, e.now()); err != nil {
			return err
		}
		conv, err := tx.GetConversation(ctx, f.ConversationID)
		if err != nil {
			return err
		}
		if t, err = e.turnOn(ctx, tx, conv); err != nil {
			return err
		}
		if err := t.reply(ctx, storage.AuthorOperator, &op, Reply{Text: decision}); err != nil {
			return err
		}
		t.conv.LastMessageAt = t.now
		if err := tx.SaveConversation(ctx, &t.conv); err != nil {
			return err
		}
		t.emit = append(t.emit, pendingEvent{ev: followUpChanged(closed)})
		return nil
	})
	if err != nil {
		return closed, err
	}
	e.afterTelling(t)
	return closed, nil
}
