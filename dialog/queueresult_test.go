package dialog_test

import (
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/config"
	"github.com/switchboardhq/switchboard/dialog"
	"github.com/switchboardhq/switchboard/promises"
	"github.com/switchboardhq/switchboard/storage"
)

// TestAHeldCallerPutThroughIsAnswered: a caller held in the call queue and
// put through to a person after 95 s has their wait answered 95 s after it
// was told — when the call leaves the queue, whenever that is reported —
// and it stays answered when the call's end is reported after it; the
// learned estimate then learns from it.
func TestAHeldCallerPutThroughIsAnswered(t *testing.T) {
	for _, result := range []string{"bridged", "redirected-from-bridged"} {
		t.Run(result, func(t *testing.T) {
			w := newWorld(t, config.DefaultSettings())
			res := w.callToAPerson(caller("+14155552671"), "CA1")
			told := w.onlyWait(res.ConversationID).ToldAt
			// Twilio reports a bridged call when the conversation with the
			// operator ends, minutes later.
			w.clock.Advance(95*time.Second + 6*time.Minute)
			r := dialog.QueueResult{CallSid: "CA1", Result: result, Seconds: 95}
			if ok, err := w.engine.RecordQueueResult(t.Context(), r); !ok || err != nil {
				t.Fatalf("queue result recorded %v, %v", ok, err)
			}
			est := w.onlyWait(res.ConversationID)
			if real, ok := promises.RealWait(est); !ok || real != 95*time.Second || est.LeftAt != nil {
				t.Fatalf("estimate %+v: real wait %s (%v), want answered after 95 s", est, real, ok)
			}
			if !est.AnsweredAt.Equal(told.Add(95 * time.Second)) {
				t.Fatalf("answered at %s, want %s", est.AnsweredAt, told.Add(95*time.Second))
			}

			// Twilio posting the result again, then the call's end: both
			// leave the answer as it was.
			if ok, err := w.engine.RecordQueueResult(t.Context(), r); ok || err != nil {
				t.Fatalf("the same result again settled %v, %v; want nothing", ok, err)
			}
			w.clock.Advance(time.Second)
			if ok, err := w.engine.RecordCallStatus(t.Context(), dialog.CallStatus{CallSid: "CA1", Status: "completed", Seconds: 480}); !ok || err != nil {
				t.Fatalf("call status recorded %v, %v", ok, err)
			}
			if after := w.onlyWait(res.ConversationID); after.Outcome != storage.OutcomeAnswered || !after.AnsweredAt.Equal(*est.AnsweredAt) || after.LeftAt != nil {
				t.Fatalf("estimate after the call ended %+v, want still answered at %s", after, est.AnsweredAt)
			}

			learned, err := w.store.RecentWaits(t.Context(), told.Add(-time.Hour), 10)
			if err != nil || len(learned) != 1 || learned[0].AnsweredAt == nil || learned[0].AnsweredAt.Sub(learned[0].ToldAt) != 95*time.Second {
				t.Fatalf("recent waits %+v, %v: want the held caller's 95 s", learned, err)
			}
		})
	}
}

// TestAHeldCallerWhoNeverReachedAPersonLeft: any other way out of the
// queue (hanging up, the queue full, …) leaves the wait unanswered, when
// it is reported.
func TestAHeldCallerWhoNeverReachedAPersonLeft(t *testing.T) {
	for _, result := range []string{"hangup", "leave", "queue-full", "bridging-in-process", "error", "system-shutdown"} {
		t.Run(result, func(t *testing.T) {
			w := newWorld(t, config.DefaultSettings())
			res := w.callToAPerson(caller("+14155552671"), "CA1")
			w.clock.Advance(40 * time.Second)
			if ok, err := w.engine.RecordQueueResult(t.Context(), dialog.QueueResult{CallSid: "CA1", Result: result, Seconds: 40}); !ok || err != nil {
				t.Fatalf("queue result recorded %v, %v", ok, err)
			}
			est := w.onlyWait(res.ConversationID)
			if est.Outcome != storage.OutcomeLeft || est.LeftAt == nil || !est.LeftAt.Equal(monday10.Add(40*time.Second)) || est.AnsweredAt != nil {
				t.Fatalf("estimate %+v, want left at %s", est, monday10.Add(40*time.Second))
			}
			if ok, err := w.engine.RecordQueueResult(t.Context(), dialog.QueueResult{CallSid: "CA1", Result: "bridged", Seconds: 40}); ok || err != nil {
				t.Fatalf("a result after the wait was settled settled %v, %v; want nothing", ok, err)
			}
		})
	}
}

func TestAQueueResultOfAnUnknownCallIsIgnored(t *testing.T) {
	w := newWorld(t, config.DefaultSettings())
	res := w.callToAPerson(caller("+14155552671"), "CA1")
	if ok, err := w.engine.RecordQueueResult(t.Context(), dialog.QueueResult{CallSid: "CA404", Result: "bridged", Seconds: 5}); ok || err != nil {
		t.Fatalf("unknown call settled %v, %v", ok, err)
	}
	if est := w.onlyWait(res.ConversationID); est.Outcome != storage.OutcomeOpen {
		t.Fatalf("estimate %+v settled by another call's result", est)
	}
}
