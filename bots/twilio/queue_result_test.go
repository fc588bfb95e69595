package twilio_test

import (
	"errors"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/switchboardhq/switchboard/bots/twilio"
	"github.com/switchboardhq/switchboard/dialog"
	"github.com/switchboardhq/switchboard/internal/faketwilio"
)

// TestHeldCallsTellWhenTheyLeaveTheQueue: the Enqueue of a held caller
// asks Twilio to post to the queue-result route when the call leaves the
// queue; that post is recorded with its result and time in the queue, and
// answered with a hang-up.
func TestHeldCallsTellWhenTheyLeaveTheQueue(t *testing.T) {
	eng, hook := newCallServer(t, true)
	eng.replies = []dialog.Reply{{Text: "Stay on the line.", Language: "en", Hold: true}}
	call := faketwilio.IncomingCall(faketwilio.AccountSID, "+447700900123", smsFrom)
	held := postCall(t, hook, twilio.VoicePath, call)
	enqueue, ok := held.Find("Enqueue")
	if want := smsPublic + twilio.VoiceQueueResultPath; !ok || enqueue.Attr("action") != want {
		t.Fatalf("Enqueue %+v, want action %s", enqueue.Attrs, want)
	}

	doc := postCall(t, hook, strings.TrimPrefix(enqueue.Attr("action"), smsPublic), faketwilio.QueueLeft(call, "bridged", 95))
	if got := shape(doc); !reflect.DeepEqual(got, []string{"Hangup"}) {
		t.Fatalf("TwiML %v, want Hangup", got)
	}
	gone := faketwilio.QueueLeft(call, "hangup", 0)
	gone.Del("QueueTime") // not needed of a caller who never reached anyone
	postCall(t, hook, twilio.VoiceQueueResultPath, gone)
	want := []dialog.QueueResult{{CallSid: call.Get("CallSid"), Result: "bridged", Seconds: 95},
		{CallSid: call.Get("CallSid"), Result: "hangup"}}
	if !reflect.DeepEqual(eng.queued, want) {
		t.Fatalf("recorded %+v, want %+v", eng.queued, want)
	}
}

func TestQueueResultRejections(t *testing.T) {
	call := faketwilio.IncomingCall(faketwilio.AccountSID, "+447700900123", smsFrom)
	with := func(k, v string) url.Values {
		form := faketwilio.QueueLeft(call, "bridged", 95)
		if v == "" {
			form.Del(k)
		} else {
			form.Set(k, v)
		}
		return form
	}
	cases := []struct {
		name   string
		form   url.Values
		token  string
		status int
		naming string
	}{
		{"forged", with("QueueTime", "95"), "guessed", http.StatusForbidden, faketwilio.SignatureHeader},
		{"queue time not a number", with("QueueTime", "abc"), faketwilio.AuthToken, http.StatusBadRequest, "QueueTime"},
		{"negative queue time", with("QueueTime", "-3"), faketwilio.AuthToken, http.StatusBadRequest, "QueueTime"},
		{"bridged with no queue time", with("QueueTime", ""), faketwilio.AuthToken, http.StatusBadRequest, "QueueTime"},
		{"no result", with("QueueResult", ""), faketwilio.AuthToken, http.StatusBadRequest, "QueueResult"},
		{"no call", with("CallSid", ""), faketwilio.AuthToken, http.StatusBadRequest, "CallSid"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			eng, hook := newCallServer(t, true)
			hook.AuthToken = c.token
			resp, err := hook.Post(t.Context(), smsPublic+twilio.VoiceQueueResultPath, c.form)
			if err != nil {
				t.Fatal(err)
			}
			if resp.Status != c.status || !strings.Contains(resp.Body, `"error"`) || !strings.Contains(resp.Body, c.naming) {
				t.Fatalf("%d %s, want %d with a JSON error naming %s", resp.Status, resp.Body, c.status, c.naming)
			}
			if len(eng.queued) != 0 {
				t.Fatalf("a refused result was recorded: %+v", eng.queued)
			}
		})
	}
	t.Run("store failure", func(t *testing.T) {
		eng, hook := newCallServer(t, true)
		eng.err = errors.New("database is down")
		resp, err := hook.Post(t.Context(), smsPublic+twilio.VoiceQueueResultPath, faketwilio.QueueLeft(call, "bridged", 95))
		if err != nil || resp.Status != http.StatusServiceUnavailable {
			t.Fatalf("%+v %v, want 503", resp, err)
		}
	})
}
