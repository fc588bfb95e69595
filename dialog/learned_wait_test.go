package dialog_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/config"
	"github.com/switchboardhq/switchboard/storage"
)

// serveAfter hands n new customers over one after another, each answered
// by op after wait and then resolved, so each waits alone at place 1: the
// history a learned estimate learns from.
func (w *world) serveAfter(n int, op storage.Operator, wait time.Duration) {
	w.t.Helper()
	for range n {
		res := w.waiting(customer(int(w.nextID.Add(1))+1000, "en"))
		w.clock.Advance(wait)
		if _, err := w.engine.Claim(w.t.Context(), res.ConversationID, op); err != nil {
			w.t.Fatal(err)
		}
		w.reply(res.ConversationID, op, "Hello, I am here.")
		if _, err := w.engine.Resolve(w.t.Context(), res.ConversationID, op); err != nil {
			w.t.Fatal(err)
		}
	}
	// What was learned is read again at most once a minute.
	w.clock.Advance(time.Minute)
}

func TestTheWaitToldIsLearnedFromRealWaits(t *testing.T) {
	w := newWorld(t, config.DefaultSettings())
	w.online.Store(2)
	olga := w.operator("Olga")

	// Nothing learned yet: the prior, 5 minutes a customer, between two.
	first := w.waiting(customer(1, "en"))
	wantContains(t, "cold start", w.lastReply(first.ConversationID).Text, "number 1 in the queue", "within 5 minutes")
	if _, err := w.engine.Resolve(t.Context(), first.ConversationID, olga); err != nil {
		t.Fatal(err)
	}

	// The desk turns out slower: twelve customers each waited 12
	// minutes alone in the queue with two operators at work.
	w.serveAfter(12, olga, 12*time.Minute)

	ann := w.waiting(customer(2, "en"))
	wantContains(t, "learned", w.lastReply(ann.ConversationID).Text, "number 1 in the queue", "within 15 minutes")
	bob := customer(3, "en")
	res := w.waiting(bob)
	wantContains(t, "second in line", w.lastReply(res.ConversationID).Text, "number 2 in the queue", "within 25 minutes")

	// Ann is taken; Bob asks how he stands and is told afresh.
	if _, err := w.engine.Claim(t.Context(), ann.ConversationID, olga); err != nil {
		t.Fatal(err)
	}
	w.clock.Advance(3 * time.Minute)
	w.command(bob, "status")
	wantContains(t, "status", w.lastReply(res.ConversationID).Text, "you are number 1", "within 15 minutes")
	got := w.waits(res.ConversationID)
	if len(got) != 2 {
		t.Fatalf("%d estimates for Bob, want 2: %+v", len(got), got)
	}
	if fresh := got[1]; fresh.Position != 1 || fresh.Minutes == nil || *fresh.Minutes != 15 || fresh.Operators != 2 {
		t.Errorf("fresh estimate %+v, want place 1, 15 minutes, 2 operators", fresh)
	}
}

func TestAFreeOperatorIsAShortWait(t *testing.T) {
	w := newWorld(t, config.DefaultSettings())
	w.online.Store(3)
	olga := w.operator("Olga")
	if _, err := w.engine.SetPresence(t.Context(), olga.ID, storage.PresenceOnline); err != nil {
		t.Fatal(err)
	}
	// Olga, online with free slots, picks customers up within 90 s.
	w.serveAfter(10, olga, 90*time.Second)

	res := w.waiting(customer(1, "en"))
	wantContains(t, "free slot", w.lastReply(res.ConversationID).Text, "within 2 minutes")
	est := w.onlyWait(res.ConversationID)
	if est.FreeSlots != storage.DefaultCapacity || est.Operators != 3 {
		t.Errorf("estimate %+v, want %d free slots and 3 operators recorded", est, storage.DefaultCapacity)
	}
}

func TestTheLearnedWaitForgetsEmptyHoursAndTheFixedRuleStaysFixed(t *testing.T) {
	fixed := config.DefaultSettings()
	fixed.Queue.Estimate = config.EstimateFixed
	for _, tc := range []struct {
		name     string
		settings config.Settings
		after    time.Duration
		want     string
	}{
		{"learned, half an hour later", config.DefaultSettings(), 30 * time.Minute, "within 15 minutes"},
		{"learned, after four quiet hours: the prior again", config.DefaultSettings(), 4 * time.Hour, "within 5 minutes"},
		{"fixed", fixed, time.Hour, "within 5 minutes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t, tc.settings)
			w.serveAfter(10, w.operator("Olga"), 12*time.Minute)
			w.clock.Advance(tc.after)
			res := w.waiting(customer(1, "en"))
			wantContains(t, fmt.Sprintf("%s later", tc.after), w.lastReply(res.ConversationID).Text, tc.want)
		})
	}
}
