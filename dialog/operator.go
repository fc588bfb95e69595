package dialog

import (
	"context"
	"errors"
	"fmt"

	"github.com/switchboardhq/switchboard/events"
	"github.com/switchboardhq/switchboard/storage"
)

// MaxReplyLength caps an operator reply; channels split long ones.
const MaxReplyLength = 16000

// ErrEmptyReply is returned for a reply with no text.
var ErrEmptyReply = errors.New("reply text is empty")

// ErrReplyTooLong is returned for a reply over MaxReplyLength characters.
var ErrReplyTooLong = fmt.Errorf("reply text is longer than %d characters", MaxReplyLength)

// operatorTurn loads a conversation, locked, with its identity and customer,
// runs fn and saves the conversation, all in one transaction; events go out
// after the commit.
func (e *Engine) operatorTurn(ctx context.Context, convID uint64, fn func(t *turn) error) (storage.Conversation, error) {
	var t *turn
	err := e.store.Tx(ctx, func(tx *storage.Storage) error {
		conv, err := tx.GetConversation(ctx, convID)
		if err != nil {
			return err
		}
		if t, err = e.turnOn(ctx, tx, conv); err != nil {
			return err
		}
		if err := fn(t); err != nil {
			return err
		}
		if err := tx.SaveConversation(ctx, &t.conv); err != nil {
			return err
		}
		t.emitConversation()
		return nil
	})
	if err != nil {
		return storage.Conversation{}, err
	}
	e.afterCommit(made(t.emit), []BatchResult{{Result: Result{Outbox: len(t.items), items: t.items}}})
	return t.conv, nil
}

// turnOn starts a turn on conv, loaded in tx, with its identity and
// customer.
func (e *Engine) turnOn(ctx context.Context, tx *storage.Storage, conv storage.Conversation) (*turn, error) {
	ident, err := tx.GetIdentity(ctx, conv.IdentityID)
	if err != nil {
		return nil, err
	}
	cust, err := tx.GetCustomer(ctx, conv.CustomerID)
	if err != nil {
		return nil, err
	}
	t := &turn{e: e, tx: tx, ident: ident, cust: cust, conv: conv, now: e.now().UTC()}
	t.lang = e.texts.Language(firstNonEmpty(conv.Language, cust.Language))
	return t, nil
}

// Claim gives the conversation to op and tells the customer who joined. It
// fails with storage.ErrAlreadyClaimed when another operator has it, and
// storage.ErrWrongState when it is resolved.
func (e *Engine) Claim(ctx context.Context, convID uint64, op storage.Operator) (storage.Conversation, error) {
	return e.operatorTurn(ctx, convID, func(t *turn) error { return t.claim(ctx, op) })
}

func (t *turn) claim(ctx context.Context, op storage.Operator) error {
	switch {
	case t.conv.State == storage.StateResolved:
		return fmt.Errorf("claim conversation %d: %w", t.conv.ID, storage.ErrWrongState)
	case t.conv.State == storage.StateOpen && t.conv.OperatorID != nil && *t.conv.OperatorID == op.ID:
		return nil
	case t.conv.State == storage.StateOpen && t.conv.OperatorID != nil:
		return fmt.Errorf("claim conversation %d: %w", t.conv.ID, storage.ErrAlreadyClaimed)
	}
	return t.join(ctx, op)
}

// join opens the conversation with op and tells the customer who joined.
func (t *turn) join(ctx context.Context, op storage.Operator) error {
	t.conv.State, t.conv.OperatorID, t.conv.ClaimedAt, t.conv.Step = storage.StateOpen, &op.ID, &t.now, ""
	if t.conv.HandedOverAt == nil {
		t.conv.HandedOverAt = &t.now
	}
	return t.reply(ctx, storage.AuthorSystem, &op, Reply{Text: t.text(TextOperatorJoined, "operator", op.Name)})
}

// Reply sends an operator's text to the customer through their own channel.
// An unclaimed conversation is claimed first; one held by another operator
// fails with storage.ErrAlreadyClaimed unless op is a supervisor.
func (e *Engine) Reply(ctx context.Context, convID uint64, op storage.Operator, text string) (storage.Message, error) {
	text, err := operatorText(text, ErrEmptyReply, ErrReplyTooLong)
	if err != nil {
		return storage.Message{}, err
	}
	return e.operatorSays(ctx, convID, op, Reply{Text: text})
}

// operatorSays has op say r in the conversation, claiming it first when
// nobody has it.
func (e *Engine) operatorSays(ctx context.Context, convID uint64, op storage.Operator, r Reply) (storage.Message, error) {
	var sent storage.Message
	_, err := e.operatorTurn(ctx, convID, func(t *turn) error {
		if t.conv.State != storage.StateOpen && t.conv.State != storage.StateResolved {
			if err := t.claim(ctx, op); err != nil {
				return err
			}
		} else if t.conv.OperatorID != nil && *t.conv.OperatorID != op.ID && op.Role != storage.RoleSupervisor {
			return fmt.Errorf("reply in conversation %d: %w", t.conv.ID, storage.ErrAlreadyClaimed)
		}
		if err := t.reply(ctx, storage.AuthorOperator, &op, r); err != nil {
			return err
		}
		if err := t.answerWaits(ctx); err != nil {
			return err
		}
		t.conv.LastMessageAt = t.now
		sent = lastMessage(made(t.emit))
		return nil
	})
	return sent, err
}

// Resolve closes the conversation and tells the customer. Only its operator,
// a supervisor, or anyone while it is unclaimed may resolve it.
func (e *Engine) Resolve(ctx context.Context, convID uint64, op storage.Operator) (storage.Conversation, error) {
	return e.operatorTurn(ctx, convID, func(t *turn) error {
		if t.conv.State == storage.StateResolved {
			return fmt.Errorf("resolve conversation %d: %w", t.conv.ID, storage.ErrWrongState)
		}
		if t.conv.OperatorID != nil && *t.conv.OperatorID != op.ID && op.Role != storage.RoleSupervisor {
			return fmt.Errorf("resolve conversation %d: %w", t.conv.ID, storage.ErrAlreadyClaimed)
		}
		if t.conv.OperatorID == nil {
			t.conv.OperatorID = &op.ID
		}
		t.conv.State, t.conv.ResolvedAt, t.conv.Step = storage.StateResolved, &t.now, ""
		// Closed with no operator's reply: the customer left unanswered.
		if err := t.settleWaits(ctx, storage.OutcomeLeft); err != nil {
			return err
		}
		if err := t.scheduleSurvey(ctx); err != nil {
			return err
		}
		return t.reply(ctx, storage.AuthorSystem, &op, Reply{Text: t.text(TextResolved)})
	})
}

func lastMessage(evs []events.Event) storage.Message {
	for i := len(evs) - 1; i >= 0; i-- {
		if v, ok := evs[i].Data.(MessageView); ok {
			return v.Message
		}
	}
	return storage.Message{}
}
