package dialog

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/switchboardhq/switchboard/config"
	"github.com/switchboardhq/switchboard/events"
	"github.com/switchboardhq/switchboard/storage"
)

// assignTimeout bounds an assignment started after another commit, which
// runs on no request's context.
const assignTimeout = 30 * time.Second

// AssignWaiting hands waiting conversations, oldest first, to online
// operators with a free slot (fewer open conversations than their
// capacity), the one assigned least recently first, until either runs out.
// Each assignment is a claim: the conversation opens with the operator and
// the customer is told who joined. It returns how many it assigned, and
// does nothing unless the settings say assignment: round_robin.
func (e *Engine) AssignWaiting(ctx context.Context) (int, error) {
	if e.settings.Assignment != config.AssignmentRoundRobin {
		return 0, nil
	}
	e.assignMu.Lock()
	defer e.assignMu.Unlock()
	n := 0
	for {
		assigned, err := e.assignOne(ctx)
		if err != nil {
			return n, fmt.Errorf("assign waiting conversations: %w", err)
		}
		if !assigned {
			return n, nil
		}
		n++
	}
}

// assignOne gives the oldest waiting conversation to the next operator, in
// one transaction, and reports whether there were both.
func (e *Engine) assignOne(ctx context.Context) (bool, error) {
	var t *turn
	err := e.store.Tx(ctx, func(tx *storage.Storage) error {
		t = nil
		if err := tx.LockAssignment(ctx); err != nil {
			return err
		}
		op, err := tx.NextAssignee(ctx)
		if errors.Is(err, storage.ErrNotFound) {
			return nil
		} else if err != nil {
			return err
		}
		conv, err := tx.OldestWaiting(ctx)
		if errors.Is(err, storage.ErrNotFound) {
			return nil
		} else if err != nil {
			return err
		}
		next, err := e.turnOn(ctx, tx, conv)
		if err != nil {
			return err
		}
		if err := next.claim(ctx, op); err != nil {
			return err
		}
		if err := tx.MarkAssigned(ctx, op.ID, next.now); err != nil {
			return err
		}
		if err := tx.SaveConversation(ctx, &next.conv); err != nil {
			return err
		}
		next.emitConversation()
		t = next
		return nil
	})
	if err != nil || t == nil {
		return false, err
	}
	e.log.InfoContext(ctx, "conversation assigned", "conversation_id", t.conv.ID, "operator_id", *t.conv.OperatorID)
	// The events say "open": afterCommit starts no assignment of its own.
	e.afterCommit(made(t.emit), []BatchResult{{Result: Result{Outbox: len(t.items), items: t.items}}})
	return true, nil
}

// assignAfter runs automatic assignment after a commit that put a
// conversation in the queue or resolved one (which may free a slot).
func (e *Engine) assignAfter(committed []events.Event) {
	if e.settings.Assignment != config.AssignmentRoundRobin || !queueMoved(committed) {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), assignTimeout)
	defer cancel()
	if _, err := e.AssignWaiting(ctx); err != nil {
		e.log.Error("automatic assignment failed", "err", err)
	}
}

// queueMoved reports whether evs put a conversation in the queue or closed
// one.
func queueMoved(evs []events.Event) bool {
	for _, ev := range evs {
		if v, ok := ev.Data.(ConversationView); ok && (v.State == storage.StateWaiting || v.State == storage.StateResolved) {
			return true
		}
	}
	return false
}
