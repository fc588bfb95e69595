package dialog

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/switchboardhq/switchboard/events"
	"github.com/switchboardhq/switchboard/storage"
)

// ErrEmptyNote is returned for a note with no text.
var ErrEmptyNote = errors.New("note text is empty")

// ErrNoteTooLong is returned for a note over MaxReplyLength characters.
var ErrNoteTooLong = fmt.Errorf("note text is longer than %d characters", MaxReplyLength)

// AddNote stores an operator's private note in a conversation. A note is a
// message of kind storage.KindNote and direction storage.Internal: operators
// see it, the customer never does — nothing is queued for delivery and the
// conversation itself does not change. Any operator may leave one, in a
// conversation in any state.
func (e *Engine) AddNote(ctx context.Context, convID uint64, op storage.Operator, text string) (storage.Message, error) {
	text, err := operatorText(text, ErrEmptyNote, ErrNoteTooLong)
	if err != nil {
		return storage.Message{}, err
	}
	var note storage.Message
	err = e.store.Tx(ctx, func(tx *storage.Storage) error {
		// Locked like every operator action, so a note lands in order
		// with replies and transfers of the same conversation.
		conv, err := tx.GetConversation(ctx, convID)
		if err != nil {
			return err
		}
		note = storage.Message{
			ConversationID: conv.ID, Direction: storage.Internal, Author: storage.AuthorOperator, OperatorID: &op.ID,
			Kind: storage.KindNote, Text: text, CreatedAt: e.now().UTC(),
		}
		return tx.InsertMessage(ctx, &note)
	})
	if err != nil {
		return storage.Message{}, fmt.Errorf("note in conversation %d: %w", convID, err)
	}
	e.afterCommit([]events.Event{messageCreated(note)}, nil)
	return note, nil
}

// operatorText is what an operator typed, cleaned and trimmed; empty, or
// longer than MaxReplyLength characters, it is refused with empty or
// tooLong.
func operatorText(text string, empty, tooLong error) (string, error) {
	text = strings.TrimSpace(cleanText(text, 0))
	switch {
	case text == "":
		return "", empty
	case utf8.RuneCountInString(text) > MaxReplyLength:
		return "", tooLong
	}
	return text, nil
}
