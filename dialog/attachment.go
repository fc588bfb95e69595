package dialog

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/switchboardhq/switchboard/storage"
)

// Kinds of file an operator may send.
const (
	// AttachPhoto is an image the channel shows inline (Telegram sendPhoto).
	AttachPhoto = "photo"
	// AttachDocument is any other file, sent as a download.
	AttachDocument = "document"
)

// Errors SendFile returns for a file it will not send.
var (
	ErrEmptyFile      = errors.New("the file is empty")
	ErrAttachmentKind = errors.New("an attachment is a photo or a document")
	ErrCaptionTooLong = fmt.Errorf("caption is longer than %d characters", MaxReplyLength)
)

// Attachment is a file sent with a reply, channel-neutral. Its bytes stay
// in the database with the reply's message (storage.MediaFile, keyed by
// MessageID); channels load them when they send.
type Attachment struct {
	// MessageID is the reply's message, whose stored file this is.
	MessageID uint64 `json:"message_id"`
	// Kind is AttachPhoto or AttachDocument.
	Kind        string `json:"kind"`
	FileName    string `json:"file_name"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`

	data []byte
}

// Upload is a file an operator sends: its type and kind already checked
// against what the channels take (see package media).
type Upload struct {
	Kind        string
	FileName    string
	ContentType string
	Data        []byte
	// Caption goes with the file; it may be empty.
	Caption string
}

// SendFile sends an operator's file, with its caption, to the customer
// through their own channel, as Reply sends text: the message, its stored
// file and the outbox item are written in one transaction.
func (e *Engine) SendFile(ctx context.Context, convID uint64, op storage.Operator, up Upload) (storage.Message, error) {
	if len(up.Data) == 0 {
		return storage.Message{}, ErrEmptyFile
	}
	if up.Kind != AttachPhoto && up.Kind != AttachDocument {
		return storage.Message{}, ErrAttachmentKind
	}
	caption := strings.TrimSpace(cleanText(up.Caption, 0))
	if utf8.RuneCountInString(caption) > MaxReplyLength {
		return storage.Message{}, ErrCaptionTooLong
	}
	att := &Attachment{Kind: up.Kind, FileName: cleanFileName(up.FileName), ContentType: cleanText(up.ContentType, 128),
		Size: int64(len(up.Data)), data: up.Data}
	return e.operatorSays(ctx, convID, op, Reply{Text: caption, Attachment: att})
}

// cleanFileName is name without control characters, clipped to its
// column. It is never a path on disk: the bytes live in the database.
func cleanFileName(name string) string {
	name = cleanText(name, 0)
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == unicode.ReplacementChar {
			return -1
		}
		return r
	}, name)
	return clip(strings.TrimSpace(name), maxFileLen)
}

// describe gives m, the reply's message, the attachment's kind and file.
func (a *Attachment) describe(m *storage.Message) {
	if a == nil {
		return
	}
	m.Kind, m.FileID, m.FileName, m.MediaType, m.MediaSize = a.Kind, storage.UploadedFile, a.FileName, a.ContentType, a.Size
}

// store keeps the attachment's bytes with m, just written, and points the
// attachment at it.
func (a *Attachment) store(ctx context.Context, tx *storage.Storage, m *storage.Message) error {
	if a == nil {
		return nil
	}
	a.MessageID = m.ID
	return tx.StoreUploadedFile(ctx, m.ID, a.ContentType, a.data, m.CreatedAt)
}
