package dialog

import (
	"context"
	"errors"
	"fmt"

	"github.com/switchboardhq/switchboard/events"
	"github.com/switchboardhq/switchboard/storage"
)

// ErrBadPresence is returned for a presence other than online, away or
// offline.
var ErrBadPresence = errors.New(`presence must be "online", "away" or "offline"`)

// OperatorView is an operator as events show it, with how many
// conversations they have open.
type OperatorView struct {
	storage.Operator
	OpenCount int64 `json:"open_count"`
}

// SetPresence sets an operator's presence. Going offline returns their open
// conversations that no operator has answered since they were claimed to
// the queue (waiting, operator cleared, their place kept), so nobody waits
// on someone who left; coming online starts automatic assignment.
func (e *Engine) SetPresence(ctx context.Context, operatorID uint64, presence string) (storage.Operator, error) {
	if !storage.ValidPresence(presence) {
		return storage.Operator{}, ErrBadPresence
	}
	op, _, err := e.changePresence(ctx, operatorID, presence)
	return op, err
}

// ComeOnline brings an operator whose console connected online, unless
// they chose away or are online already, and starts automatic assignment.
// It reports whether the presence changed.
func (e *Engine) ComeOnline(ctx context.Context, operatorID uint64) (bool, error) {
	_, changed, err := e.changePresence(ctx, operatorID, storage.PresenceOnline, storage.PresenceOffline)
	return changed, err
}

// Streaming tells, inside the transaction that is about to set an
// operator offline, whether an event stream of theirs is open somewhere.
type Streaming func(ctx context.Context, tx *storage.Storage, operatorID uint64) (bool, error)

// errStillStreaming undoes an expiry that a stream opened in time for.
var errStillStreaming = errors.New("an event stream is open")

// ExpirePresence sets an operator offline who has had no event stream for
// the grace period, returning their unanswered conversations to the queue
// as SetPresence does — unless streaming, asked after their row is locked,
// finds a stream opened meanwhile (on any process). It reports whether
// the presence changed.
func (e *Engine) ExpirePresence(ctx context.Context, operatorID uint64, streaming Streaming) (bool, error) {
	_, changed, err := e.changePresenceIf(ctx, operatorID, storage.PresenceOffline, streaming)
	if errors.Is(err, errStillStreaming) {
		return false, nil
	}
	return changed, err
}

// changePresence sets the presence to p when it is one of from (any when
// from is empty), returns conversations to the queue when p is offline,
// and publishes what changed. It reports whether the presence changed.
func (e *Engine) changePresence(ctx context.Context, operatorID uint64, p string, from ...string) (storage.Operator, bool, error) {
	return e.changePresenceIf(ctx, operatorID, p, nil, from...)
}

// changePresenceIf is changePresence that first asks streaming, when set,
// and changes nothing when a stream is open.
func (e *Engine) changePresenceIf(ctx context.Context, operatorID uint64, p string, streaming Streaming, from ...string) (storage.Operator, bool, error) {
	var (
		op       storage.Operator
		changed  bool
		returned []storage.Conversation
	)
	err := e.store.Tx(ctx, func(tx *storage.Storage) error {
		var err error
		if changed, err = tx.SetPresence(ctx, operatorID, p, from...); err != nil {
			return err
		}
		if streaming != nil {
			if !changed {
				return errStillStreaming // nothing to expire: someone else did
			}
			// The update holds the operator's row: a stream opening now
			// waits for this transaction, then finds them offline and
			// brings them back online.
			if open, err := streaming(ctx, tx, operatorID); err != nil {
				return err
			} else if open {
				return errStillStreaming
			}
		}
		returned = nil
		if p == storage.PresenceOffline {
			if returned, err = e.returnUnanswered(ctx, tx, operatorID); err != nil {
				return err
			}
		}
		op, err = tx.GetOperator(ctx, operatorID)
		return err
	})
	if errors.Is(err, errStillStreaming) {
		return storage.Operator{}, false, err
	}
	if err != nil {
		return storage.Operator{}, false, fmt.Errorf("set presence of operator %d to %s: %w", operatorID, p, err)
	}
	emit := make([]events.Event, 0, len(returned)+1)
	for _, c := range returned {
		emit = append(emit, conversationChanged(c))
	}
	if changed || len(returned) > 0 {
		e.log.InfoContext(ctx, "operator presence", "operator_id", operatorID, "presence", op.Presence, "returned_to_queue", len(returned))
		if ev, err := e.operatorChanged(ctx, op); err != nil {
			e.log.ErrorContext(ctx, "publish operator change", "operator_id", operatorID, "err", err)
		} else {
			emit = append(emit, ev)
		}
	}
	// Returned conversations start assignment to someone else here.
	e.afterCommit(emit, nil)
	if changed && p == storage.PresenceOnline {
		if _, err := e.AssignWaiting(ctx); err != nil {
			e.log.ErrorContext(ctx, "automatic assignment failed", "err", err)
		}
	}
	return op, changed, nil
}

// returnUnanswered puts the operator's unanswered open conversations back
// in the queue, keeping their place.
func (e *Engine) returnUnanswered(ctx context.Context, tx *storage.Storage, operatorID uint64) ([]storage.Conversation, error) {
	convs, err := tx.UnansweredOpen(ctx, operatorID)
	if err != nil {
		return nil, err
	}
	now := e.now().UTC()
	for i := range convs {
		c := &convs[i]
		c.State, c.OperatorID, c.ClaimedAt = storage.StateWaiting, nil, nil
		if c.HandedOverAt == nil {
			c.HandedOverAt = &now
		}
		if err := tx.SaveConversation(ctx, c); err != nil {
			return nil, err
		}
	}
	return convs, nil
}

// PublishOperator tells event listeners about an operator as it is now:
// after it was added or changed outside SetPresence.
func (e *Engine) PublishOperator(ctx context.Context, op storage.Operator) error {
	ev, err := e.operatorChanged(ctx, op)
	if err != nil {
		return err
	}
	e.broker.Publish(ev)
	return nil
}

func (e *Engine) operatorChanged(ctx context.Context, op storage.Operator) (events.Event, error) {
	n, err := e.store.OpenCount(ctx, op.ID)
	if err != nil {
		return events.Event{}, err
	}
	return events.Event{Type: events.OperatorChanged, Data: OperatorView{Operator: op, OpenCount: n}}, nil
}

func conversationChanged(c storage.Conversation) events.Event {
	return events.Event{Type: events.ConversationChanged, ConversationID: c.ID,
		Data: ConversationView{Conversation: c, Ticket: c.Ticket()}}
}
