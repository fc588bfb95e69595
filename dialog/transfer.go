package dialog

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/switchboardhq/switchboard/storage"
)

// MaxQueueLength caps a queue name (the column holds 64 characters).
const MaxQueueLength = 64

// Errors of Transfer.
var (
	// ErrTransferNotAllowed: only the conversation's operator or a
	// supervisor may transfer it.
	ErrTransferNotAllowed = errors.New("only the conversation's operator or a supervisor may transfer it")
	// ErrUnknownOperator: the target operator does not exist.
	ErrUnknownOperator = errors.New("no operator has this id")
	// ErrInactiveOperator: the target operator is deactivated.
	ErrInactiveOperator = errors.New("the operator is deactivated; choose an active operator")
	// ErrQueueTooLong: the target queue's name is over MaxQueueLength.
	ErrQueueTooLong = fmt.Errorf("queue name is longer than %d characters", MaxQueueLength)
)

// TransferTarget says where a conversation goes: to an operator, or back to
// a queue.
type TransferTarget struct {
	// OperatorID, when set, opens the conversation with that operator.
	OperatorID uint64
	// Queue, when OperatorID is 0, returns the conversation to the queue of
	// this name ("" is the general queue).
	Queue string
}

// Transfer moves a waiting or open conversation. To an operator, it opens
// with them and the customer is told who joined, as with a claim. To a
// queue, it waits there again and keeps its place (its handed_over_at); a
// customer who was talking to someone is told their place. Its operator may
// transfer it, a supervisor any.
func (e *Engine) Transfer(ctx context.Context, convID uint64, op storage.Operator, to TransferTarget) (storage.Conversation, error) {
	return e.operatorTurn(ctx, convID, func(t *turn) error {
		if err := t.mayTransfer(op); err != nil {
			return err
		}
		if to.OperatorID != 0 {
			return t.transferToOperator(ctx, to.OperatorID)
		}
		return t.transferToQueue(ctx, strings.TrimSpace(to.Queue))
	})
}

func (t *turn) mayTransfer(op storage.Operator) error {
	if t.conv.State != storage.StateWaiting && t.conv.State != storage.StateOpen {
		return fmt.Errorf("transfer conversation %d (%s): %w", t.conv.ID, t.conv.State, storage.ErrWrongState)
	}
	mine := t.conv.OperatorID != nil && *t.conv.OperatorID == op.ID
	if !mine && op.Role != storage.RoleSupervisor {
		return fmt.Errorf("transfer conversation %d: %w", t.conv.ID, ErrTransferNotAllowed)
	}
	return nil
}

func (t *turn) transferToOperator(ctx context.Context, id uint64) error {
	target, err := t.tx.GetOperator(ctx, id)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		return fmt.Errorf("transfer conversation %d to operator_id %d: %w", t.conv.ID, id, ErrUnknownOperator)
	case err != nil:
		return err
	case !target.Active:
		return fmt.Errorf("transfer conversation %d to operator_id %d (%s): %w", t.conv.ID, id, target.Name, ErrInactiveOperator)
	}
	if t.conv.State == storage.StateOpen && t.conv.OperatorID != nil && *t.conv.OperatorID == id {
		return nil // already theirs: nothing to tell anyone
	}
	return t.join(ctx, target)
}

func (t *turn) transferToQueue(ctx context.Context, queue string) error {
	if utf8.RuneCountInString(queue) > MaxQueueLength {
		return fmt.Errorf("transfer conversation %d: %w", t.conv.ID, ErrQueueTooLong)
	}
	wasOpen := t.conv.State == storage.StateOpen
	if !wasOpen && t.conv.Queue == queue {
		return nil
	}
	t.conv.State, t.conv.Queue, t.conv.Step = storage.StateWaiting, queue, ""
	t.conv.OperatorID, t.conv.ClaimedAt = nil, nil
	if t.conv.HandedOverAt == nil {
		t.conv.HandedOverAt = &t.now
	}
	if !wasOpen {
		return nil // moved between queues: the customer's wait goes on unchanged
	}
	return t.tellWaiting(ctx, TextStillWaiting)
}
