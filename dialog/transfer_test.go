package dialog_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/config"
	"github.com/switchboardhq/switchboard/dialog"
	"github.com/switchboardhq/switchboard/storage"
)

func TestTransferToOperatorTellsCustomerWhoJoined(t *testing.T) {
	w := newWorld(t, config.DefaultSettings())
	res, olga := w.claimed(customer(1, "en"), "Olga")
	pavel := w.operator("Pavel")
	handedOver := w.conversation(res.ConversationID).HandedOverAt
	w.clock.Advance(10 * time.Minute)

	conv, err := w.engine.Transfer(t.Context(), res.ConversationID, olga, dialog.TransferTarget{OperatorID: pavel.ID})
	if err != nil {
		t.Fatal(err)
	}
	if conv.State != storage.StateOpen || conv.OperatorID == nil || *conv.OperatorID != pavel.ID {
		t.Fatalf("after transfer: %s with operator %v, want open with Pavel", conv.State, conv.OperatorID)
	}
	stored := w.conversation(res.ConversationID)
	if stored.OperatorID == nil || *stored.OperatorID != pavel.ID || !stored.ClaimedAt.Equal(w.clock.Now()) || !stored.HandedOverAt.Equal(*handedOver) {
		t.Errorf("stored: operator %v, claimed_at %v, handed_over_at %v", stored.OperatorID, stored.ClaimedAt, stored.HandedOverAt)
	}
	wantContains(t, "join notice", w.lastReply(res.ConversationID).Text, "Pavel has joined", res.Ticket)

	// Pavel may now reply; Olga no longer may.
	if _, err := w.engine.Reply(t.Context(), res.ConversationID, olga, "still me"); !errors.Is(err, storage.ErrAlreadyClaimed) {
		t.Errorf("Olga replies after handing over: err = %v, want ErrAlreadyClaimed", err)
	}
	if _, err := w.engine.Reply(t.Context(), res.ConversationID, pavel, "Pavel here."); err != nil {
		t.Errorf("Pavel replies: %v", err)
	}
}

func TestTransferToQueueKeepsItsPlace(t *testing.T) {
	w := newWorld(t, config.DefaultSettings())
	older := w.waiting(customer(1, "en"))
	w.clock.Advance(time.Minute)
	res, olga := w.claimed(customer(2, "en"), "Olga")
	handedOver := *w.conversation(res.ConversationID).HandedOverAt
	w.clock.Advance(time.Minute)
	newer := w.waiting(customer(3, "en"))
	w.clock.Advance(30 * time.Minute)

	conv, err := w.engine.Transfer(t.Context(), res.ConversationID, olga, dialog.TransferTarget{Queue: "billing"})
	if err != nil {
		t.Fatal(err)
	}
	if conv.State != storage.StateWaiting || conv.Queue != "billing" || conv.OperatorID != nil || conv.ClaimedAt != nil {
		t.Fatalf("after transfer: %s in %q, operator %v, claimed %v; want waiting in billing with nobody", conv.State, conv.Queue, conv.OperatorID, conv.ClaimedAt)
	}
	if stored := w.conversation(res.ConversationID); stored.HandedOverAt == nil || !stored.HandedOverAt.Equal(handedOver) {
		t.Errorf("handed_over_at = %v, want kept at %v", stored.HandedOverAt, handedOver)
	}
	queue, err := w.store.ListConversations(t.Context(), storage.ConversationFilter{State: storage.StateWaiting})
	if err != nil {
		t.Fatal(err)
	}
	var order []uint64
	for _, c := range queue {
		order = append(order, c.ID)
	}
	if want := []uint64{older.ConversationID, res.ConversationID, newer.ConversationID}; !slices.Equal(order, want) {
		t.Errorf("queue = %v, want %v: the older one ahead, the newer one behind", order, want)
	}
	wantContains(t, "queue notice", w.lastReply(res.ConversationID).Text, "in the queue", "number 2")
}

func TestTransferBetweenQueuesSaysNothing(t *testing.T) {
	w := newWorld(t, config.DefaultSettings())
	res := w.waiting(customer(1, "en"))
	boss := w.supervisor("Boss")
	sent := len(w.replies(res.ConversationID))
	conv, err := w.engine.Transfer(t.Context(), res.ConversationID, boss, dialog.TransferTarget{Queue: "billing"})
	if err != nil {
		t.Fatal(err)
	}
	if conv.State != storage.StateWaiting || conv.Queue != "billing" {
		t.Errorf("after transfer: %s in %q, want waiting in billing", conv.State, conv.Queue)
	}
	if got := len(w.replies(res.ConversationID)); got != sent {
		t.Errorf("moving a waiting customer between queues sent them %d messages", got-sent)
	}
}

func TestTransferIsRefused(t *testing.T) {
	cases := []struct {
		name string
		// setup returns the conversation, who transfers it and where.
		setup func(w *world) (uint64, storage.Operator, dialog.TransferTarget)
		want  error
	}{
		{"by an operator who does not have it", func(w *world) (uint64, storage.Operator, dialog.TransferTarget) {
			res, _ := w.claimed(customer(1, "en"), "Olga")
			return res.ConversationID, w.operator("Pavel"), dialog.TransferTarget{Queue: "billing"}
		}, dialog.ErrTransferNotAllowed},
		{"of a waiting conversation by an operator", func(w *world) (uint64, storage.Operator, dialog.TransferTarget) {
			res := w.waiting(customer(1, "en"))
			return res.ConversationID, w.operator("Pavel"), dialog.TransferTarget{Queue: "billing"}
		}, dialog.ErrTransferNotAllowed},
		{"to a deactivated operator", func(w *world) (uint64, storage.Operator, dialog.TransferTarget) {
			res, olga := w.claimed(customer(1, "en"), "Olga")
			gone := w.operator("Gone")
			if err := w.store.Exec(w.t.Context(), "UPDATE operators SET active = ? WHERE id = ?", false, gone.ID); err != nil {
				w.t.Fatal(err)
			}
			return res.ConversationID, olga, dialog.TransferTarget{OperatorID: gone.ID}
		}, dialog.ErrInactiveOperator},
		{"to an unknown operator", func(w *world) (uint64, storage.Operator, dialog.TransferTarget) {
			res, olga := w.claimed(customer(1, "en"), "Olga")
			return res.ConversationID, olga, dialog.TransferTarget{OperatorID: 999}
		}, dialog.ErrUnknownOperator},
		{"to a queue with a too long name", func(w *world) (uint64, storage.Operator, dialog.TransferTarget) {
			res, olga := w.claimed(customer(1, "en"), "Olga")
			return res.ConversationID, olga, dialog.TransferTarget{Queue: string(make([]byte, dialog.MaxQueueLength+1))}
		}, dialog.ErrQueueTooLong},
		{"of a resolved conversation", func(w *world) (uint64, storage.Operator, dialog.TransferTarget) {
			res, olga := w.claimed(customer(1, "en"), "Olga")
			if _, err := w.engine.Resolve(w.t.Context(), res.ConversationID, olga); err != nil {
				w.t.Fatal(err)
			}
			return res.ConversationID, w.supervisor("Boss"), dialog.TransferTarget{Queue: "billing"}
		}, storage.ErrWrongState},
		{"of a conversation still with the bot", func(w *world) (uint64, storage.Operator, dialog.TransferTarget) {
			res := w.command(customer(1, "en"), "start")
			return res.ConversationID, w.supervisor("Boss"), dialog.TransferTarget{Queue: "billing"}
		}, storage.ErrWrongState},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := newWorld(t, config.DefaultSettings())
			id, by, to := c.setup(w)
			before := w.conversation(id)
			sent := len(w.replies(id))
			if _, err := w.engine.Transfer(t.Context(), id, by, to); !errors.Is(err, c.want) {
				t.Fatalf("err = %v, want %v", err, c.want)
			}
			after := w.conversation(id)
			if after.State != before.State || after.Queue != before.Queue || !sameOperator(after.OperatorID, before.OperatorID) {
				t.Errorf("a refused transfer changed the conversation: %+v", after)
			}
			if got := len(w.replies(id)); got != sent {
				t.Errorf("a refused transfer told the customer %d things", got-sent)
			}
		})
	}
}

func TestSupervisorTransfersAnyConversation(t *testing.T) {
	w := newWorld(t, config.DefaultSettings())
	res, _ := w.claimed(customer(1, "en"), "Olga")
	pavel := w.operator("Pavel")
	if _, err := w.engine.Transfer(t.Context(), res.ConversationID, w.supervisor("Boss"), dialog.TransferTarget{OperatorID: pavel.ID}); err != nil {
		t.Fatal(err)
	}
	if conv := w.conversation(res.ConversationID); conv.OperatorID == nil || *conv.OperatorID != pavel.ID {
		t.Errorf("operator = %v, want Pavel", conv.OperatorID)
	}
}

// supervisor creates an active supervisor called name.
func (w *world) supervisor(name string) storage.Operator {
	w.t.Helper()
	op := storage.Operator{Email: name + "@example.org", Name: name, PasswordHash: "x", Role: storage.RoleSupervisor, Active: true}
	if err := w.store.CreateOperator(w.t.Context(), &op); err != nil {
		w.t.Fatal(err)
	}
	return op
}

func sameOperator(a, b *uint64) bool {
	return (a == nil && b == nil) || (a != nil && b != nil && *a == *b)
}
