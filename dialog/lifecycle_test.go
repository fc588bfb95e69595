package dialog_test

import (
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/config"
	"github.com/switchboardhq/switchboard/dialog"
	"github.com/switchboardhq/switchboard/storage"
)

func TestMessageAfterResolveReopensOrStartsNewTicket(t *testing.T) {
	cases := []struct {
		name      string
		after     time.Duration
		send      func(w *world, c storage.Contact) dialog.Result
		wantSame  bool
		wantState string
		wantText  []string
	}{
		{"text within the window reopens", time.Hour, func(w *world, c storage.Contact) dialog.Result { return w.text(c, "It broke again") },
			true, storage.StateWaiting, []string{"reopened your request SB-000001", "number 1"}},
		{"text at the end of the window reopens", 72 * time.Hour, func(w *world, c storage.Contact) dialog.Result { return w.text(c, "It broke again") },
			true, storage.StateWaiting, []string{"reopened your request SB-000001"}},
		{"text after the window starts a new ticket", 73 * time.Hour, func(w *world, c storage.Contact) dialog.Result { return w.text(c, "Something else") },
			false, storage.StateBot, []string{"Thank you for writing to us", "SB-000002"}},
		{"/start within the window starts a new ticket", time.Hour, func(w *world, c storage.Contact) dialog.Result { return w.command(c, "start") },
			false, storage.StateBot, []string{"Thank you for writing to us", "SB-000002"}},
		{"/status within the window keeps the old ticket", time.Hour, func(w *world, c storage.Contact) dialog.Result { return w.command(c, "status") },
			true, storage.StateResolved, []string{"SB-000001 is resolved"}},
		{"a photo within the window reopens", time.Hour, func(w *world, c storage.Contact) dialog.Result {
			return w.handle(c, dialog.Event{Kind: dialog.KindMedia, Media: dialog.Media{Kind: "photo", FileID: "AgADphoto"}})
		}, true, storage.StateWaiting, []string{"reopened your request SB-000001"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := newWorld(t, config.DefaultSettings())
			ann := customer(1, "en")
			first, olga := w.claimed(ann, "Olga")
			if _, err := w.engine.Resolve(t.Context(), first.ConversationID, olga); err != nil {
				t.Fatal(err)
			}

			w.clock.Advance(c.after)
			res := c.send(w, ann)
			if same := res.ConversationID == first.ConversationID; same != c.wantSame {
				t.Fatalf("conversation %d after resolving %d: same = %v, want %v", res.ConversationID, first.ConversationID, same, c.wantSame)
			}
			if res.State != c.wantState {
				t.Errorf("state = %s, want %s", res.State, c.wantState)
			}
			wantContains(t, "reply", w.lastReply(res.ConversationID).Text, c.wantText...)
			if c.wantSame && c.wantState == storage.StateWaiting {
				conv := w.conversation(res.ConversationID)
				if conv.OperatorID != nil || conv.ResolvedAt != nil || conv.HandedOverAt == nil || !conv.HandedOverAt.Equal(w.clock.Now()) {
					t.Errorf("reopened: operator %v resolved_at %v handed_over_at %v; want back in the queue from now", conv.OperatorID, conv.ResolvedAt, conv.HandedOverAt)
				}
			}
			if !c.wantSame {
				if old := w.conversation(first.ConversationID); old.State != storage.StateResolved {
					t.Errorf("old ticket became %s, want it left resolved", old.State)
				}
			}
		})
	}
}

func TestPhotoWhileWaitingIsKeptWithoutAutoReply(t *testing.T) {
	w := newWorld(t, config.DefaultSettings())
	ann := customer(1, "en")
	res := w.waiting(ann)
	before := len(w.replies(res.ConversationID))

	photo := w.handle(ann, dialog.Event{Kind: dialog.KindMedia, Text: "the broken box",
		Media: dialog.Media{Kind: "photo", FileID: "AgADBAADbqcxG2"}})
	if photo.Outbox != 0 || photo.State != storage.StateWaiting {
		t.Fatalf("result = %+v, want still waiting and nothing queued", photo)
	}
	if got := len(w.replies(res.ConversationID)); got != before {
		t.Errorf("a photo while waiting queued %d replies", got-before)
	}
	msgs := w.messages(res.ConversationID)
	m := msgs[len(msgs)-1]
	if m.Kind != "photo" || m.FileID != "AgADBAADbqcxG2" || m.Text != "the broken box" || m.Direction != storage.Inbound {
		t.Errorf("stored message = %+v, want the inbound photo with its file id and caption", m)
	}
}

func TestSharedContactIsStoredWithItsPhone(t *testing.T) {
	w := newWorld(t, config.DefaultSettings())
	ann := customer(1, "en")
	res := w.waiting(ann)
	w.handle(ann, dialog.Event{Kind: dialog.KindMedia, Media: dialog.Media{Kind: "contact", Phone: "+4915112345678"}})
	msgs := w.messages(res.ConversationID)
	if m := msgs[len(msgs)-1]; m.Kind != "contact" || m.Text != "+4915112345678" {
		t.Errorf("stored message = %+v, want the contact with its phone", m)
	}
}

func TestRedeliveredEventIsHandledOnce(t *testing.T) {
	cases := []struct {
		name string
		ev   dialog.Event
	}{
		{"first /start", dialog.Event{Kind: dialog.KindCommand, Command: "start"}},
		{"first text", dialog.Event{Kind: dialog.KindText, Text: "hello"}},
		{"button", dialog.Event{Kind: dialog.KindButton, Button: dialog.ButtonPerson}},
		{"photo", dialog.Event{Kind: dialog.KindMedia, Media: dialog.Media{Kind: "photo", FileID: "AgAD"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := newWorld(t, config.DefaultSettings())
			ann := customer(1, "en")
			c.ev.ExternalID = "redelivered-500"
			first := w.handle(ann, c.ev)
			if first.Duplicate {
				t.Fatal("first delivery reported as duplicate")
			}
			msgs, replies := len(w.messages(first.ConversationID)), len(w.replies(first.ConversationID))

			again := w.handle(ann, c.ev)
			if !again.Duplicate || again.Outbox != 0 {
				t.Fatalf("redelivery: %+v, want Duplicate and nothing queued", again)
			}
			if got := len(w.messages(first.ConversationID)); got != msgs {
				t.Errorf("messages %d → %d after redelivery", msgs, got)
			}
			if got := len(w.replies(first.ConversationID)); got != replies {
				t.Errorf("replies %d → %d after redelivery", replies, got)
			}
			convs, err := w.store.ListConversations(t.Context(), storage.ConversationFilter{})
			if err != nil {
				t.Fatal(err)
			}
			if len(convs) != 1 {
				t.Errorf("%d conversations, want 1", len(convs))
			}
		})
	}
}

func TestSameUpdateIDOnAnotherChannelIsNotADuplicate(t *testing.T) {
	w := newWorld(t, config.DefaultSettings())
	tg := customer(1, "en")
	sms := storage.Contact{Channel: dialog.ChannelSMS, ExternalID: "+4915112345678", Address: "+4915112345678"}
	a := w.handle(tg, dialog.Event{ExternalID: "77", Kind: dialog.KindText, Text: "hi"})
	b := w.handle(sms, dialog.Event{ExternalID: "77", Kind: dialog.KindText, Text: "hi"})
	if a.Duplicate || b.Duplicate || a.ConversationID == b.ConversationID {
		t.Fatalf("results %+v and %+v, want two separate first contacts", a, b)
	}
}

func TestHostileBytesInCustomerTextAreStoredNotRefused(t *testing.T) {
	w := newWorld(t, config.DefaultSettings())
	ann := customer(1, "en")
	w.command(ann, "start")
	r := w.text(ann, "nul\x00byte and bad utf8 \xff\xfe end")
	msgs := w.messages(r.ConversationID)
	var got string
	for _, m := range msgs {
		if m.Author == storage.AuthorCustomer && m.Kind == "text" {
			got = m.Text
		}
	}
	if got != "nulbyte and bad utf8 \uFFFD end" {
		t.Fatalf("stored %q", got)
	}
}
