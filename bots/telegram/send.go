package telegram

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/switchboardhq/switchboard/dialog"
	"github.com/switchboardhq/switchboard/outbox"
	"github.com/switchboardhq/switchboard/storage"
)

// MaxMessageLength is Telegram's limit for one message, in UTF-16 units.
const MaxMessageLength = 4096

// Send delivers one outbox item: an operator's file (sendAttachment), or
// the reply's text, split on paragraph or
// line boundaries when longer than Telegram allows, with its buttons as an
// inline keyboard (or the keyboard it asks for, see markup) under the last
// part. It reports no provider id: Telegram sends no delivery reports to
// match it with, and recording one would cost a database write per
// message.
func (b *Bot) Send(ctx context.Context, it storage.OutboxItem) (string, error) {
	var r dialog.Reply
	if err := json.Unmarshal([]byte(it.Payload), &r); err != nil {
		return "", &outbox.PermanentError{Err: fmt.Errorf("decode outbox %d payload: %w", it.ID, err)}
	}
	chatID, err := strconv.ParseInt(it.Address, 10, 64)
	if err != nil {
		return "", &outbox.PermanentError{Err: fmt.Errorf("chat id %q: %w", it.Address, err)}
	}
	if r.Attachment != nil {
		return "", b.sendAttachment(ctx, chatID, r)
	}
	parts := SplitText(r.Text, MaxMessageLength)
	for i, part := range parts {
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
		msg := tgbotapi.NewMessage(chatID, part)
		if i == len(parts)-1 {
			msg.ReplyMarkup = markup(r)
		}
		// Request, not Send: nothing reads the Message Telegram echoes
		// back, and decoding it took a fifth of a send's CPU (profile at 40
		// updates in flight).
		if _, err := b.api.Request(msg); err != nil {
			return "", classify(err)
		}
	}
	return "", nil
}

// markup is what goes under a reply: the "share my phone number" keyboard
// it asks for (shown once, as Telegram offers request_contact only on a
// reply keyboard), or the removal of that keyboard, or its buttons inline,
// or nothing. A reply that clears the keyboard and has buttons keeps the
// buttons: the next message's keyboard replaces the old one anyway.
func markup(r dialog.Reply) any {
	switch {
	case r.AskPhone != "":
		kb := tgbotapi.NewReplyKeyboard(tgbotapi.NewKeyboardButtonRow(tgbotapi.NewKeyboardButtonContact(r.AskPhone)))
		kb.OneTimeKeyboard = true
		return kb
	case len(r.Buttons) > 0:
		return keyboard(r.Buttons)
	case r.ClearKeyboard:
		return tgbotapi.NewRemoveKeyboard(false)
	}
	return nil
}

func keyboard(rows [][]dialog.Button) tgbotapi.InlineKeyboardMarkup {
	out := make([][]tgbotapi.InlineKeyboardButton, 0, len(rows))
	for _, row := range rows {
		r := make([]tgbotapi.InlineKeyboardButton, 0, len(row))
		for _, btn := range row {
			r = append(r, tgbotapi.NewInlineKeyboardButtonData(btn.Label, btn.Data))
		}
		out = append(out, r)
	}
	return tgbotapi.NewInlineKeyboardMarkup(out...)
}

// classify maps Bot API errors to the outbox's retry policy: 429 waits
// retry_after, 403 means the customer blocked the bot, other 4xx are
// permanent, the rest temporary.
func classify(err error) error {
	var te *tgbotapi.Error
	if !errors.As(err, &te) {
		return fmt.Errorf("telegram: %w", err)
	}
	switch {
	case te.Code == 429:
		wait := time.Duration(te.RetryAfter) * time.Second
		if wait <= 0 {
			wait = time.Second
		}
		return &outbox.RetryAfterError{Wait: wait, Err: te}
	case te.Code == 403:
		return &outbox.UnreachableError{Err: te}
	case te.Code == 400 && strings.Contains(strings.ToLower(te.Message), "chat not found"):
		return &outbox.UnreachableError{Err: te}
	case te.Code == 401 || te.Code == 404:
		// A token problem, not the message's: retry once it is fixed.
		return fmt.Errorf("telegram %d: %w", te.Code, te)
	case te.Code >= 400 && te.Code < 500:
		return &outbox.PermanentError{Err: te}
	}
	return fmt.Errorf("telegram %d: %w", te.Code, te)
}

// SplitText cuts s into parts of at most limit UTF-16 units, preferring
// paragraph breaks, then line breaks, then spaces.
func SplitText(s string, limit int) []string {
	var parts []string
	for utf16Len(s) > limit {
		cut := cutPoint(s, limit)
		parts = append(parts, strings.TrimRight(s[:cut], " \n"))
		s = strings.TrimLeft(s[cut:], " \n")
	}
	if s != "" || len(parts) == 0 {
		parts = append(parts, s)
	}
	return parts
}

// cutPoint is the byte index at which to cut s so the head fits limit.
func cutPoint(s string, limit int) int {
	units, end := 0, 0
	for i, r := range s {
		n := utf16.RuneLen(r)
		if units+n > limit {
			break
		}
		units += n
		end = i + len(string(r))
	}
	head := s[:end]
	for _, sep := range []string{"\n\n", "\n", " "} {
		if i := strings.LastIndex(head, sep); i > end/2 {
			return i + len(sep)
		}
	}
	return end
}

func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}
