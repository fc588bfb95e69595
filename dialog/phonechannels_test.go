package dialog_test

import (
	"strings"
	"testing"

	"github.com/switchboardhq/switchboard/config"
	"github.com/switchboardhq/switchboard/dialog"
	"github.com/switchboardhq/switchboard/storage"
)

func smsCustomer(number string) storage.Contact {
	return storage.Contact{Channel: dialog.ChannelSMS, ExternalID: number, Address: number, Phone: number}
}

func TestChoicesNumberThePersonZeroAndTheRestInOrder(t *testing.T) {
	got := dialog.Choices([][]dialog.Button{{{Data: "m:a", Label: "A"}}, {{Data: "m:b", Label: "B"}}, {{Data: dialog.ButtonPerson, Label: "Person"}}})
	want := []string{"1 m:a", "2 m:b", "0 op"}
	if len(got) != len(want) {
		t.Fatalf("choices %+v", got)
	}
	for i, c := range got {
		if c.Digit+" "+c.Data != want[i] {
			t.Fatalf("choice %d = %s %s, want %s", i, c.Digit, c.Data, want[i])
		}
	}
}

func TestDigitsAnswerTheMenuOnSMS(t *testing.T) {
	cases := []struct {
		name      string
		digits    []string
		wantState string
		wantText  string
	}{
		{"1 picks the first answer", []string{"1"}, storage.StateBot, "Did this help?"},
		{"2 picks the operator option", []string{"2"}, storage.StateWaiting, "number 1 in the queue"},
		{"0 is a person", []string{"0"}, storage.StateWaiting, "number 1 in the queue"},
		{"after an answer 1 means it helped", []string{"1", "1"}, storage.StateResolved, "Glad we could help"},
		{"after an answer 0 is a person", []string{"1", "0"}, storage.StateWaiting, "number 1 in the queue"},
		{"a digit with no choice is free text", []string{"7"}, storage.StateWaiting, "number 1 in the queue"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := newWorld(t, config.DefaultSettings())
			bob := smsCustomer("+14155552671")
			w.text(bob, "hello")
			var r dialog.Result
			for _, d := range c.digits {
				r = w.text(bob, d)
			}
			if r.State != c.wantState {
				t.Fatalf("state %s, want %s", r.State, c.wantState)
			}
			if got := w.lastReply(r.ConversationID).Text; !strings.Contains(got, c.wantText) {
				t.Fatalf("last reply %q, want it to contain %q", got, c.wantText)
			}
		})
	}
}

func TestSMSStopOptsOutAndStartOptsBackIn(t *testing.T) {
	w := newWorld(t, config.DefaultSettings())
	bob := smsCustomer("+14155552671")
	r := w.text(bob, "hello")
	before := len(w.replies(r.ConversationID))
	w.text(bob, " stop ")
	w.text(bob, "0") // handed over, but nothing may be sent
	if n := len(w.replies(r.ConversationID)); n != before {
		t.Fatalf("%d replies queued after STOP, want none", n-before)
	}
	id, _, err := w.store.FindOrCreateIdentity(t.Context(), bob)
	if err != nil || !id.OptedOut {
		t.Fatalf("identity %+v, err %v: want opted out", id, err)
	}
	w.text(bob, "START")
	if got := w.lastReply(r.ConversationID).Text; !strings.Contains(got, "messages again") {
		t.Fatalf("after START: %q", got)
	}
	w.text(bob, "HELP")
	if got := w.lastReply(r.ConversationID).Text; !strings.Contains(got, "STOP") || !strings.Contains(got, "SB-000001") {
		t.Fatalf("HELP answered %q", got)
	}
}

func TestInlineRepliesAreReturnedAndRepeatedForARedelivery(t *testing.T) {
	w := newWorld(t, config.DefaultSettings())
	caller := storage.Contact{Channel: dialog.ChannelVoice, ExternalID: "+14155552671", Address: "+14155552671", Phone: "+14155552671"}
	ev := dialog.Event{ExternalID: "CA123:start", From: caller, Kind: dialog.KindCommand, Command: "start", Inline: true}
	first, err := w.engine.Handle(t.Context(), ev)
	if err != nil {
		t.Fatal(err)
	}
	if len(first.Replies) != 1 || !strings.Contains(first.Replies[0].Text, dialog.SpokenTicket(1)) || len(first.Replies[0].Buttons) == 0 {
		t.Fatalf("inline replies %+v", first.Replies)
	}
	if n := len(w.replies(first.ConversationID)); n != 0 {
		t.Fatalf("%d outbox items for a call, want none", n)
	}
	again, err := w.engine.Handle(t.Context(), ev)
	if err != nil || !again.Duplicate || len(again.Replies) != 1 || again.Replies[0].Text != first.Replies[0].Text {
		t.Fatalf("redelivery gave %+v, %v; want the same replies", again, err)
	}
}

func TestSharedTelegramNumberJoinsLaterSMSHistory(t *testing.T) {
	w := newWorld(t, config.DefaultSettings())
	ann := customer(1, "en")
	w.command(ann, "start")
	w.handle(ann, dialog.Event{Kind: dialog.KindMedia, Media: dialog.Media{Kind: "contact", Phone: "14155552671"}})
	sms := w.text(smsCustomer("+14155552671"), "it's me again by text")
	tg, _, err := w.store.FindOrCreateIdentity(t.Context(), ann)
	if err != nil {
		t.Fatal(err)
	}
	conv := w.conversation(sms.ConversationID)
	if conv.CustomerID != tg.CustomerID {
		t.Fatalf("SMS conversation belongs to customer %d, want the Telegram customer %d", conv.CustomerID, tg.CustomerID)
	}
}

func TestInlineRedeliveryInABatchRepeatsTheFirstReplies(t *testing.T) {
	w := newWorld(t, config.DefaultSettings())
	caller := storage.Contact{Channel: dialog.ChannelVoice, ExternalID: "+14155552671", Address: "+14155552671", Phone: "+14155552671"}
	ev := dialog.Event{ExternalID: "CA9:start", From: caller, Kind: dialog.KindCommand, Command: "start", Inline: true}
	first, err := w.engine.Handle(t.Context(), ev)
	if err != nil || len(first.Replies) == 0 {
		t.Fatalf("first call: %+v, %v", first, err)
	}
	other := dialog.Event{ExternalID: "other-1", From: customer(7, "en"), Kind: dialog.KindCommand, Command: "start"}
	res := w.engine.HandleBatch(t.Context(), []dialog.Event{ev, other})
	if res[0].Err != nil || !res[0].Result.Duplicate || len(res[0].Result.Replies) != len(first.Replies) ||
		res[0].Result.Replies[0].Text != first.Replies[0].Text {
		t.Fatalf("redelivery in a batch gave %+v, want the first replies %+v", res[0], first.Replies)
	}
	if res[1].Err != nil || res[1].Result.Duplicate {
		t.Fatalf("the other event: %+v", res[1])
	}
}
