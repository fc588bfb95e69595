package dialog_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/switchboardhq/switchboard/config"
	"github.com/switchboardhq/switchboard/dialog"
	"github.com/switchboardhq/switchboard/storage"
)

func TestNoteIsStoredForOperatorsAndNeverQueued(t *testing.T) {
	w := newWorld(t, config.DefaultSettings())
	res, olga := w.claimed(customer(1, "en"), "Olga")
	before := w.conversation(res.ConversationID)
	sent := len(w.replies(res.ConversationID))

	note, err := w.engine.AddNote(t.Context(), res.ConversationID, olga, "  Customer sounds upset; offer a refund.\n")
	if err != nil {
		t.Fatal(err)
	}
	if note.ID == 0 || note.Kind != storage.KindNote || note.Direction != storage.Internal || note.Author != storage.AuthorOperator ||
		note.OperatorID == nil || *note.OperatorID != olga.ID || note.Text != "Customer sounds upset; offer a refund." {
		t.Fatalf("note = %+v, want Olga's trimmed internal note", note)
	}
	if note.DeliveryState != "" {
		t.Errorf("note delivery state = %q, want none: it is never delivered", note.DeliveryState)
	}
	stored := w.messages(res.ConversationID)
	if last := stored[len(stored)-1]; last.ID != note.ID || last.Kind != storage.KindNote {
		t.Errorf("last stored message = %+v, want the note", last)
	}
	items, err := w.store.ListOutbox(t.Context(), res.ConversationID)
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != sent {
		t.Errorf("outbox grew by %d, want nothing queued for a note", len(items)-sent)
	}
	for _, it := range items {
		if it.MessageID != nil && *it.MessageID == note.ID {
			t.Errorf("outbox item %d delivers the note", it.ID)
		}
	}
	after := w.conversation(res.ConversationID)
	if after.State != before.State || !after.LastMessageAt.Equal(before.LastMessageAt) {
		t.Errorf("a note changed the conversation: %s/%v, was %s/%v", after.State, after.LastMessageAt, before.State, before.LastMessageAt)
	}
}

func TestAnyOperatorMayNoteInAnyState(t *testing.T) {
	w := newWorld(t, config.DefaultSettings())
	res := w.waiting(customer(1, "en"))
	pavel := w.operator("Pavel")
	if _, err := w.engine.AddNote(t.Context(), res.ConversationID, pavel, "VIP customer"); err != nil {
		t.Fatalf("note in a waiting conversation: %v", err)
	}
	if conv := w.conversation(res.ConversationID); conv.State != storage.StateWaiting || conv.OperatorID != nil {
		t.Errorf("a note claimed the conversation: %s, operator %v", conv.State, conv.OperatorID)
	}
	if _, err := w.engine.AddNote(t.Context(), 999, pavel, "nowhere"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("note in an unknown conversation: err = %v, want ErrNotFound", err)
	}
}

func TestNoteRejectsEmptyAndTooLongText(t *testing.T) {
	cases := []struct {
		name string
		text string
		want error
	}{
		{"empty", "", dialog.ErrEmptyNote},
		{"only spaces", " \n\t ", dialog.ErrEmptyNote},
		{"too long", strings.Repeat("я", dialog.MaxReplyLength+1), dialog.ErrNoteTooLong},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := newWorld(t, config.DefaultSettings())
			res, olga := w.claimed(customer(1, "en"), "Olga")
			count := len(w.messages(res.ConversationID))
			if _, err := w.engine.AddNote(t.Context(), res.ConversationID, olga, c.text); !errors.Is(err, c.want) {
				t.Fatalf("err = %v, want %v", err, c.want)
			}
			if got := len(w.messages(res.ConversationID)); got != count {
				t.Errorf("a refused note stored %d messages", got-count)
			}
		})
	}
}
