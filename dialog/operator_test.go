package dialog_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/config"
	"github.com/switchboardhq/switchboard/dialog"
	"github.com/switchboardhq/switchboard/storage"
)

func TestClaimTellsCustomerWhoJoined(t *testing.T) {
	w := newWorld(t, config.DefaultSettings())
	res := w.waiting(customer(1, "en"))
	olga := w.operator("Olga")

	conv, err := w.engine.Claim(t.Context(), res.ConversationID, olga)
	if err != nil {
		t.Fatal(err)
	}
	if conv.State != storage.StateOpen || conv.OperatorID == nil || *conv.OperatorID != olga.ID || conv.ClaimedAt == nil {
		t.Fatalf("after claim: state %s, operator %v, claimed_at %v", conv.State, conv.OperatorID, conv.ClaimedAt)
	}
	wantContains(t, "join notice", w.lastReply(res.ConversationID).Text, "Olga has joined", res.Ticket)
	if stored := w.conversation(res.ConversationID); stored.State != storage.StateOpen {
		t.Errorf("stored state = %s, want open", stored.State)
	}
}

func TestSecondOperatorCannotTakeAClaimedConversation(t *testing.T) {
	w := newWorld(t, config.DefaultSettings())
	res, olga := w.claimed(customer(1, "en"), "Olga")
	pavel := w.operator("Pavel")
	sent := len(w.replies(res.ConversationID))

	if _, err := w.engine.Claim(t.Context(), res.ConversationID, pavel); !errors.Is(err, storage.ErrAlreadyClaimed) {
		t.Errorf("second claim: err = %v, want ErrAlreadyClaimed", err)
	}
	if _, err := w.engine.Reply(t.Context(), res.ConversationID, pavel, "I can help too"); !errors.Is(err, storage.ErrAlreadyClaimed) {
		t.Errorf("reply by another operator: err = %v, want ErrAlreadyClaimed", err)
	}
	if _, err := w.engine.Resolve(t.Context(), res.ConversationID, pavel); !errors.Is(err, storage.ErrAlreadyClaimed) {
		t.Errorf("resolve by another operator: err = %v, want ErrAlreadyClaimed", err)
	}
	if conv := w.conversation(res.ConversationID); conv.State != storage.StateOpen || *conv.OperatorID != olga.ID {
		t.Errorf("conversation now %s with operator %d, want still open with Olga", conv.State, *conv.OperatorID)
	}
	if got := len(w.replies(res.ConversationID)); got != sent {
		t.Errorf("customer got %d more messages from refused actions", got-sent)
	}
	// Claiming again by the owner changes nothing and says nothing.
	if _, err := w.engine.Claim(t.Context(), res.ConversationID, olga); err != nil {
		t.Errorf("owner claims again: %v", err)
	}
	if got := len(w.replies(res.ConversationID)); got != sent {
		t.Errorf("claiming twice told the customer again")
	}
}

func TestSupervisorMayReplyInAnotherOperatorsConversation(t *testing.T) {
	w := newWorld(t, config.DefaultSettings())
	res, _ := w.claimed(customer(1, "en"), "Olga")
	boss := storage.Operator{Email: "boss@example.org", Name: "Boss", PasswordHash: "x", Role: storage.RoleSupervisor, Active: true}
	if err := w.store.CreateOperator(t.Context(), &boss); err != nil {
		t.Fatal(err)
	}
	if _, err := w.engine.Reply(t.Context(), res.ConversationID, boss, "Supervisor here."); err != nil {
		t.Fatalf("supervisor reply: %v", err)
	}
	if got := w.lastReply(res.ConversationID).Text; got != "Supervisor here." {
		t.Errorf("customer got %q", got)
	}
}

func TestOperatorReplyIsQueuedForTheCustomer(t *testing.T) {
	w := newWorld(t, config.DefaultSettings())
	res, olga := w.claimed(customer(1, "en"), "Olga")
	before := len(w.replies(res.ConversationID))

	msg, err := w.engine.Reply(t.Context(), res.ConversationID, olga, "  Your parcel left the warehouse today.\n")
	if err != nil {
		t.Fatal(err)
	}
	const want = "Your parcel left the warehouse today."
	if msg.ID == 0 || msg.Text != want || msg.Author != storage.AuthorOperator || msg.OperatorID == nil || *msg.OperatorID != olga.ID {
		t.Errorf("reply message = %+v, want the trimmed text by Olga", msg)
	}
	if msg.DeliveryState != storage.DeliveryPending {
		t.Errorf("delivery state = %q, want pending", msg.DeliveryState)
	}
	replies := w.replies(res.ConversationID)
	if len(replies) != before+1 {
		t.Fatalf("outbox grew by %d, want 1", len(replies)-before)
	}
	if got := replies[len(replies)-1]; got.Text != want || len(got.Buttons) != 0 {
		t.Errorf("queued reply = %+v, want exactly the operator's text", got)
	}
	items, err := w.store.ListOutbox(t.Context(), res.ConversationID)
	if err != nil {
		t.Fatal(err)
	}
	if last := items[len(items)-1]; last.MessageID == nil || *last.MessageID != msg.ID || last.Address != "1" || last.State != storage.OutboxPending {
		t.Errorf("outbox item = %+v, want pending for message %d to chat 1", last, msg.ID)
	}
}

func TestReplyToWaitingCustomerClaimsFirst(t *testing.T) {
	w := newWorld(t, config.DefaultSettings())
	res := w.waiting(customer(1, "en"))
	olga := w.operator("Olga")
	if _, err := w.engine.Reply(t.Context(), res.ConversationID, olga, "Hello!"); err != nil {
		t.Fatal(err)
	}
	conv := w.conversation(res.ConversationID)
	if conv.State != storage.StateOpen || conv.OperatorID == nil || *conv.OperatorID != olga.ID {
		t.Fatalf("state %s operator %v, want open with Olga", conv.State, conv.OperatorID)
	}
	rs := w.replies(res.ConversationID)
	if n := len(rs); n < 2 || !strings.Contains(rs[n-2].Text, "Olga has joined") || rs[n-1].Text != "Hello!" {
		t.Errorf("last replies = %+v, want the join notice then the reply", rs)
	}
}

func TestReplyRejectsEmptyAndTooLongText(t *testing.T) {
	cases := []struct {
		name string
		text string
		want error
	}{
		{"empty", "", dialog.ErrEmptyReply},
		{"only spaces", " \n\t ", dialog.ErrEmptyReply},
		{"too long", strings.Repeat("я", dialog.MaxReplyLength+1), dialog.ErrReplyTooLong},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := newWorld(t, config.DefaultSettings())
			res := w.waiting(customer(1, "en"))
			before := len(w.replies(res.ConversationID))
			if _, err := w.engine.Reply(t.Context(), res.ConversationID, w.operator("Olga"), c.text); !errors.Is(err, c.want) {
				t.Fatalf("err = %v, want %v", err, c.want)
			}
			if conv := w.conversation(res.ConversationID); conv.State != storage.StateWaiting {
				t.Errorf("a refused reply changed the state to %s", conv.State)
			}
			if got := len(w.replies(res.ConversationID)); got != before {
				t.Errorf("a refused reply queued %d messages", got-before)
			}
		})
	}
}

func TestResolveTellsCustomerAndRecordsTime(t *testing.T) {
	w := newWorld(t, config.DefaultSettings())
	res, olga := w.claimed(customer(1, "en"), "Olga")
	w.clock.Advance(20 * time.Minute)
	conv, err := w.engine.Resolve(t.Context(), res.ConversationID, olga)
	if err != nil {
		t.Fatal(err)
	}
	stored := w.conversation(res.ConversationID)
	if stored.State != storage.StateResolved || stored.ResolvedAt == nil || !stored.ResolvedAt.Equal(w.clock.Now()) {
		t.Fatalf("stored: state %s resolved_at %v, want resolved at %v", stored.State, stored.ResolvedAt, w.clock.Now())
	}
	if conv.State != storage.StateResolved {
		t.Errorf("returned state = %s", conv.State)
	}
	wantContains(t, "resolution notice", w.lastReply(res.ConversationID).Text, "is resolved", res.Ticket)

	if _, err := w.engine.Resolve(t.Context(), res.ConversationID, olga); !errors.Is(err, storage.ErrWrongState) {
		t.Errorf("resolving twice: err = %v, want ErrWrongState", err)
	}
	if _, err := w.engine.Claim(t.Context(), res.ConversationID, olga); !errors.Is(err, storage.ErrWrongState) {
		t.Errorf("claiming a resolved conversation: err = %v, want ErrWrongState", err)
	}
}

func TestResolveUnclaimedConversationRecordsWhoResolved(t *testing.T) {
	w := newWorld(t, config.DefaultSettings())
	res := w.waiting(customer(1, "en"))
	olga := w.operator("Olga")
	if _, err := w.engine.Resolve(t.Context(), res.ConversationID, olga); err != nil {
		t.Fatal(err)
	}
	if conv := w.conversation(res.ConversationID); conv.OperatorID == nil || *conv.OperatorID != olga.ID {
		t.Errorf("operator = %v, want Olga", conv.OperatorID)
	}
}

func TestStatusInEachState(t *testing.T) {
	cases := []struct {
		name string
		// reach brings customer 1 into the state under test.
		reach func(w *world, convID uint64)
		want  []string
	}{
		{"with the bot", func(*world, uint64) {}, []string{"SB-000001 is open", "Choose a topic"}},
		{"waiting", func(w *world, _ uint64) { w.press(customer(1, "en"), dialog.ButtonPerson) }, []string{"SB-000001 is in the queue", "number 1", "5 minutes"}},
		{"with an operator", func(w *world, id uint64) {
			w.press(customer(1, "en"), dialog.ButtonPerson)
			if _, err := w.engine.Claim(w.t.Context(), id, w.operator("Olga")); err != nil {
				w.t.Fatal(err)
			}
		}, []string{"Olga is handling your request SB-000001"}},
		{"resolved", func(w *world, id uint64) {
			if _, err := w.engine.Resolve(w.t.Context(), id, w.operator("Olga")); err != nil {
				w.t.Fatal(err)
			}
		}, []string{"SB-000001 is resolved"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := newWorld(t, config.DefaultSettings())
			ann := customer(1, "en")
			start := w.command(ann, "start")
			c.reach(w, start.ConversationID)
			state := w.conversation(start.ConversationID).State

			res := w.command(ann, "status")
			if res.ConversationID != start.ConversationID || res.State != state {
				t.Fatalf("/status moved the customer: %+v, want conversation %d still %s", res, start.ConversationID, state)
			}
			wantContains(t, "status", w.lastReply(res.ConversationID).Text, c.want...)
		})
	}
}

func TestBlockedCustomerGetsNothingQueued(t *testing.T) {
	w := newWorld(t, config.DefaultSettings())
	ann := customer(1, "en")
	res := w.waiting(ann)
	pending := w.replies(res.ConversationID)

	w.handle(ann, dialog.Event{Kind: dialog.KindBlocked})

	items, err := w.store.ListOutbox(t.Context(), res.ConversationID)
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != len(pending) {
		t.Fatalf("outbox has %d items, want the %d from before", len(items), len(pending))
	}
	for _, it := range items {
		if it.State != storage.OutboxFailed {
			t.Errorf("outbox %d state = %s, want failed", it.ID, it.State)
		}
	}
	for _, m := range w.messages(res.ConversationID) {
		if m.Direction == storage.Outbound && m.DeliveryState != storage.DeliveryFailed {
			t.Errorf("message %q delivery = %s, want failed", m.Text, m.DeliveryState)
		}
	}
	ident, _, err := w.store.FindOrCreateIdentity(t.Context(), ann)
	if err != nil {
		t.Fatal(err)
	}
	if !ident.Unreachable || ident.UnreachableAt == nil {
		t.Errorf("identity = %+v, want unreachable", ident)
	}

	msg, err := w.engine.Reply(t.Context(), res.ConversationID, w.operator("Olga"), "Are you there?")
	if err != nil {
		t.Fatal(err)
	}
	if msg.DeliveryState != storage.DeliveryFailed || !strings.Contains(msg.DeliveryError, "unreachable") {
		t.Errorf("reply delivery = %s (%q), want failed as unreachable", msg.DeliveryState, msg.DeliveryError)
	}
	if got := len(w.replies(res.ConversationID)); got != len(pending) {
		t.Errorf("reply to a blocked customer queued %d outbox items", got-len(pending))
	}
	stored := w.messages(res.ConversationID)
	if last := stored[len(stored)-1]; last.Text != "Are you there?" || last.DeliveryState != storage.DeliveryFailed {
		t.Errorf("stored reply = %+v, want it kept for operators, marked failed", last)
	}

	// Once the customer unblocks the bot, replies are queued again.
	w.handle(ann, dialog.Event{Kind: dialog.KindUnblocked})
	if _, err := w.engine.Reply(t.Context(), res.ConversationID, w.operator("Pavel"), "Welcome back"); !errors.Is(err, storage.ErrAlreadyClaimed) {
		t.Fatalf("Pavel: %v, want ErrAlreadyClaimed (Olga has it)", err)
	}
	olga, err := w.store.OperatorByEmail(t.Context(), "olga@example.org")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.engine.Reply(t.Context(), res.ConversationID, olga, "Welcome back"); err != nil {
		t.Fatal(err)
	}
	if got := w.lastReply(res.ConversationID).Text; got != "Welcome back" {
		t.Errorf("after unblocking the customer is sent %q", got)
	}
}
