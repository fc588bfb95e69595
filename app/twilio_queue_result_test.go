package app_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/internal/faketwilio"
	"github.com/switchboardhq/switchboard/storage"
)

// leaveQueue posts what Twilio posts to the Enqueue's action when the call
// leaves the queue, signed with token, and returns the answer.
func (c *phoneCall) leaveQueue(enqueued faketwilio.TwiML, token string, form url.Values) faketwilio.WebhookResponse {
	c.w.t.Helper()
	hook := c.w.hook
	hook.AuthToken = token
	resp, err := hook.Post(c.w.t.Context(), child(c.w.t, enqueued, "Enqueue").Attr("action"), form)
	if err != nil {
		c.w.t.Fatal(err)
	}
	return resp
}

// onlyWait is the one wait estimate told in conversation convID.
func (w *voiceWorld) onlyWait(convID uint64) storage.WaitEstimate {
	w.t.Helper()
	got, err := w.app.Store.WaitEstimates(w.t.Context(), convID)
	if err != nil || len(got) != 1 {
		w.t.Fatalf("wait estimates of conversation %d: %+v %v, want 1", convID, got, err)
	}
	return got[0]
}

// TestVoiceHeldCallerPutThroughIsAnswered: Twilio tells the Enqueue's
// action how the call left the queue, signed; a caller put through to a
// person after 95 s has their wait answered after 95 s, and the call's end
// reported afterwards leaves it so. A forged or broken report changes
// nothing.
func TestVoiceHeldCallerPutThroughIsAnswered(t *testing.T) {
	w := startVoice(t)
	w.operatorOnline()
	call, doc := w.dial(voiceCaller)
	held := call.press(doc, "0")
	wantVerbs(t, held, "Say", "Enqueue")
	wantURL(t, "Enqueue action", child(t, held, "Enqueue").Attr("action"), "/webhooks/twilio/voice/queue-result", url.Values{})
	conv := w.only("waiting")

	bridged := faketwilio.QueueLeft(call.params, "bridged", 95)
	if resp := call.leaveQueue(held, "guessed", bridged); resp.Status != http.StatusForbidden {
		t.Fatalf("forged queue result: %d %s, want 403", resp.Status, resp.Body)
	}
	broken := faketwilio.QueueLeft(call.params, "bridged", 95)
	broken.Set("QueueTime", "abc")
	if resp := call.leaveQueue(held, w.twilio.AuthToken(), broken); resp.Status != http.StatusBadRequest || !strings.Contains(resp.Body, "QueueTime") {
		t.Fatalf("QueueTime abc: %d %s, want 400 naming QueueTime", resp.Status, resp.Body)
	}
	if est := w.onlyWait(conv.ID); est.Outcome != storage.OutcomeOpen {
		t.Fatalf("estimate %+v after refused reports, want open", est)
	}

	resp := call.leaveQueue(held, w.twilio.AuthToken(), bridged)
	if resp.Status != http.StatusOK || !strings.HasPrefix(resp.ContentType, "text/xml") {
		t.Fatalf("queue result: %d %s %s", resp.Status, resp.ContentType, resp.Body)
	}
	doc, err := faketwilio.ParseTwiML(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	wantVerbs(t, doc, "Hangup")
	call.status("completed", 400)

	est := w.onlyWait(conv.ID)
	if est.Outcome != storage.OutcomeAnswered || est.AnsweredAt == nil || est.AnsweredAt.Sub(est.ToldAt) != 95*time.Second || est.LeftAt != nil {
		t.Fatalf("estimate %+v, want answered 95 s after it was told", est)
	}
}

// TestVoiceHeldCallerWhoHangsUpLeft: a caller who hangs up in the queue
// left, as Twilio reports it at once.
func TestVoiceHeldCallerWhoHangsUpLeft(t *testing.T) {
	w := startVoice(t)
	w.operatorOnline()
	call, doc := w.dial(voiceCaller)
	held := call.press(doc, "0")
	conv := w.only("waiting")
	if resp := call.leaveQueue(held, w.twilio.AuthToken(), faketwilio.QueueLeft(call.params, "hangup", 40)); resp.Status != http.StatusOK {
		t.Fatalf("queue result: %d %s", resp.Status, resp.Body)
	}
	if est := w.onlyWait(conv.ID); est.Outcome != storage.OutcomeLeft || est.LeftAt == nil || est.AnsweredAt != nil {
		t.Fatalf("estimate %+v, want left", est)
	}
}
