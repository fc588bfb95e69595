package dialog_test

import (
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/config"
	"github.com/switchboardhq/switchboard/storage"
)

func roundRobin() config.Settings {
	s := config.DefaultSettings()
	s.Assignment = config.AssignmentRoundRobin
	return s
}

// onlineOperator creates an operator called name with the given capacity
// and brings them online.
func (w *world) onlineOperator(name string, capacity int) storage.Operator {
	w.t.Helper()
	op := w.operator(name)
	if _, err := w.store.UpdateOperator(w.t.Context(), op.ID, storage.OperatorChanges{Capacity: &capacity}); err != nil {
		w.t.Fatal(err)
	}
	op, err := w.engine.SetPresence(w.t.Context(), op.ID, storage.PresenceOnline)
	if err != nil {
		w.t.Fatal(err)
	}
	return op
}

// wantOpenWith checks that conversation id is open with op and that its
// customer was told op joined.
func (w *world) wantOpenWith(id uint64, op storage.Operator) {
	w.t.Helper()
	conv := w.conversation(id)
	if conv.State != storage.StateOpen || conv.OperatorID == nil || *conv.OperatorID != op.ID {
		w.t.Fatalf("conversation %d is %s with operator %v, want open with %s (%d)", id, conv.State, conv.OperatorID, op.Name, op.ID)
	}
	wantContains(w.t, "join notice", w.lastReply(id).Text, op.Name+" has joined")
}

func (w *world) wantWaiting(id uint64) {
	w.t.Helper()
	if conv := w.conversation(id); conv.State != storage.StateWaiting || conv.OperatorID != nil {
		w.t.Fatalf("conversation %d is %s with operator %v, want waiting with nobody", id, conv.State, conv.OperatorID)
	}
}

func TestRoundRobinFillsFreeSlotsAndTheRestWaitForOne(t *testing.T) {
	w := newWorld(t, roundRobin())
	olga := w.onlineOperator("Olga", 1)
	pavel := w.onlineOperator("Pavel", 1)

	first := w.waiting(customer(1, "en")).ConversationID
	second := w.waiting(customer(2, "en")).ConversationID
	third := w.waiting(customer(3, "en")).ConversationID

	w.wantOpenWith(first, olga)
	w.wantOpenWith(second, pavel)
	w.wantWaiting(third)

	if _, err := w.engine.Resolve(t.Context(), second, pavel); err != nil {
		t.Fatal(err)
	}
	w.wantOpenWith(third, pavel)
}

func TestRoundRobinGivesTheNextToWhoeverWasAssignedLeastRecently(t *testing.T) {
	w := newWorld(t, roundRobin())
	olga := w.onlineOperator("Olga", 5)
	pavel := w.onlineOperator("Pavel", 5)
	want := []storage.Operator{olga, pavel, olga, pavel}
	for i, op := range want {
		w.clock.Advance(time.Minute)
		id := w.waiting(customer(i+1, "en")).ConversationID
		w.wantOpenWith(id, op)
	}
}

func TestRoundRobinSkipsOperatorsWhoCannotTakeWork(t *testing.T) {
	cases := []struct {
		name    string
		prepare func(w *world, op storage.Operator)
	}{
		{"away", func(w *world, op storage.Operator) {
			if _, err := w.engine.SetPresence(w.t.Context(), op.ID, storage.PresenceAway); err != nil {
				w.t.Fatal(err)
			}
		}},
		{"offline", func(w *world, op storage.Operator) {
			if _, err := w.engine.SetPresence(w.t.Context(), op.ID, storage.PresenceOffline); err != nil {
				w.t.Fatal(err)
			}
		}},
		{"deactivated", func(w *world, op storage.Operator) {
			inactive := false
			if _, err := w.store.UpdateOperator(w.t.Context(), op.ID, storage.OperatorChanges{Active: &inactive}); err != nil {
				w.t.Fatal(err)
			}
		}},
		{"at capacity", func(w *world, op storage.Operator) {
			w.wantOpenWith(w.waiting(customer(99, "en")).ConversationID, op)
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := newWorld(t, roundRobin())
			olga := w.onlineOperator("Olga", 1)
			c.prepare(w, olga)
			w.wantWaiting(w.waiting(customer(1, "en")).ConversationID)
		})
	}
}

func TestManualAssignmentLeavesTheQueueAlone(t *testing.T) {
	w := newWorld(t, config.DefaultSettings())
	w.onlineOperator("Olga", 5)
	id := w.waiting(customer(1, "en")).ConversationID
	w.wantWaiting(id)
	if n, err := w.engine.AssignWaiting(t.Context()); err != nil || n != 0 {
		t.Fatalf("AssignWaiting = %d, %v; want nothing assigned", n, err)
	}
	w.wantWaiting(id)
}

func TestComingOnlineTakesTheWaitingConversation(t *testing.T) {
	w := newWorld(t, roundRobin())
	id := w.waiting(customer(1, "en")).ConversationID
	w.wantWaiting(id)
	olga := w.onlineOperator("Olga", 1)
	w.wantOpenWith(id, olga)
}

func TestGoingOfflineReturnsOnlyUnansweredConversations(t *testing.T) {
	w := newWorld(t, config.DefaultSettings())
	olga := w.onlineOperator("Olga", 5)
	claim := func(c storage.Contact) uint64 {
		id := w.waiting(c).ConversationID
		if _, err := w.engine.Claim(t.Context(), id, olga); err != nil {
			t.Fatal(err)
		}
		return id
	}
	silent := claim(customer(1, "en"))
	noted := claim(customer(2, "en"))
	if _, err := w.engine.AddNote(t.Context(), noted, olga, "call them back"); err != nil {
		t.Fatal(err)
	}
	answered := claim(customer(3, "en"))
	if _, err := w.engine.Reply(t.Context(), answered, olga, "Hello, looking into it"); err != nil {
		t.Fatal(err)
	}
	handedOver := w.conversation(silent).HandedOverAt

	op, err := w.engine.SetPresence(t.Context(), olga.ID, storage.PresenceOffline)
	if err != nil {
		t.Fatal(err)
	}
	if op.Presence != storage.PresenceOffline {
		t.Fatalf("presence = %s, want offline", op.Presence)
	}
	w.wantWaiting(silent)
	w.wantWaiting(noted)
	if conv := w.conversation(answered); conv.State != storage.StateOpen || *conv.OperatorID != olga.ID {
		t.Fatalf("answered conversation is %s with %v, want still open with Olga", conv.State, conv.OperatorID)
	}
	if got := w.conversation(silent).HandedOverAt; got == nil || !got.Equal(*handedOver) {
		t.Fatalf("handed_over_at %v, want %v kept so the place in the queue is kept", got, handedOver)
	}
}

func TestGoingOfflineHandsTheWorkToSomeoneOnline(t *testing.T) {
	w := newWorld(t, roundRobin())
	olga := w.onlineOperator("Olga", 1)
	id := w.waiting(customer(1, "en")).ConversationID
	w.wantOpenWith(id, olga)
	pavel := w.onlineOperator("Pavel", 1)
	if _, err := w.engine.SetPresence(t.Context(), olga.ID, storage.PresenceOffline); err != nil {
		t.Fatal(err)
	}
	w.wantOpenWith(id, pavel)
}
