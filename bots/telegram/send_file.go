package telegram

import (
	"context"
	"errors"
	"fmt"
	"strings"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/switchboardhq/switchboard/dialog"
	"github.com/switchboardhq/switchboard/outbox"
	"github.com/switchboardhq/switchboard/storage"
)

// MaxCaptionLength is Telegram's limit for a photo's or document's
// caption, in UTF-16 units.
const MaxCaptionLength = 1024

// FileSource loads the bytes of a file an operator sent, at send time.
type FileSource interface {
	SentFile(ctx context.Context, messageID uint64) ([]byte, error)
}

// SendFilesFrom lets the bot send operators' files, read from src.
func (b *Bot) SendFilesFrom(src FileSource) { b.files = src }

// sendAttachment sends r's file as a photo or a document with r.Text as
// its caption; what does not fit a caption follows as text messages.
func (b *Bot) sendAttachment(ctx context.Context, chatID int64, r dialog.Reply) error {
	a := r.Attachment
	if b.files == nil {
		return fmt.Errorf("send file of message %d: this process has no file source", a.MessageID)
	}
	data, err := b.files.SentFile(ctx, a.MessageID)
	if errors.Is(err, storage.ErrNotFound) {
		return &outbox.PermanentError{Err: err}
	}
	if err != nil {
		return err
	}
	caption, rest := splitCaption(r.Text)
	name := a.FileName
	if name == "" {
		name = "file"
	}
	file := tgbotapi.FileBytes{Name: name, Bytes: data}
	var msg tgbotapi.Chattable
	if a.Kind == dialog.AttachPhoto {
		p := tgbotapi.NewPhoto(chatID, file)
		p.Caption = caption
		msg = p
	} else {
		d := tgbotapi.NewDocument(chatID, file)
		d.Caption = caption
		msg = d
	}
	if resp, err := b.api.Request(msg); err != nil {
		return classify(withUploadCode(resp, err))
	}
	for _, part := range SplitText(rest, MaxMessageLength) {
		if rest == "" {
			break
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if _, err := b.api.Request(tgbotapi.NewMessage(chatID, part)); err != nil {
			return classify(err)
		}
	}
	return nil
}

// splitCaption is text's head that fits a caption, cut where SplitText
// would, and the rest.
func splitCaption(text string) (caption, rest string) {
	parts := SplitText(text, MaxCaptionLength)
	return parts[0], strings.TrimSpace(strings.Join(parts[1:], "\n"))
}

// withUploadCode gives a refused upload's error its error_code: the
// library's UploadFiles leaves Error.Code 0 (go-telegram-bot-api v5.5.1),
// which would hide a 429 or a 403 from classify.
func withUploadCode(resp *tgbotapi.APIResponse, err error) error {
	var te *tgbotapi.Error
	if resp != nil && errors.As(err, &te) && te.Code == 0 {
		te.Code = resp.ErrorCode
	}
	return err
}
