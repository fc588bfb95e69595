package dialog

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/switchboardhq/switchboard/storage"
)

// SetCallbackNotes replaces an operator's notes on callback id — what was
// agreed, how the call went — and tells event listeners. The notes are
// trimmed and cleaned as channel input is (no NUL bytes, valid UTF-8); ""
// clears them. The customer is not told. It fails with
// ErrCallbackNotesTooLong for notes over MaxCallbackNotesLength characters
// and storage.ErrNotFound for an unknown callback.
func (e *Engine) SetCallbackNotes(ctx context.Context, id uint64, notes string) (storage.Callback, error) {
	notes = strings.TrimSpace(cleanText(notes, 0))
	if utf8.RuneCountInString(notes) > MaxCallbackNotesLength {
		return storage.Callback{}, ErrCallbackNotesTooLong
	}
	cb, err := e.store.SetCallbackNotes(ctx, id, notes, e.now())
	if err != nil {
		return cb, fmt.Errorf("save callback notes: %w", err)
	}
	e.PublishCallback(cb)
	return cb, nil
}
