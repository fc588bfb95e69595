package twilio

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/twilio/twilio-go/client"
	openapi "github.com/twilio/twilio-go/rest/api/v2010"

	"github.com/switchboardhq/switchboard/dialog"
	"github.com/switchboardhq/switchboard/outbox"
	"github.com/switchboardhq/switchboard/storage"
)

// SMSLimits keep SMS delivery near what one Twilio number sends: Twilio
// queues what a number cannot send at once, and a second between two
// messages to one customer keeps them arriving in order.
var SMSLimits = outbox.Limits{PerSecond: 10, ChatInterval: time.Second}

// Twilio error codes switchboard acts on.
const (
	errCodeOptedOut = 21610 // the recipient texted STOP
)

// SMSSender delivers outbox items of channel "sms" through Twilio's REST
// API, from TWILIO_PHONE_NUMBER, asking for status callbacks.
type SMSSender struct{ a *Adapter }

// SMSSender returns the adapter's outbox sender for channel "sms".
func (a *Adapter) SMSSender() *SMSSender { return &SMSSender{a: a} }

// Send renders the reply (RenderSMS) and creates one Twilio message per
// part; it returns the MessageSid of the last, which status callbacks name.
func (s *SMSSender) Send(ctx context.Context, it storage.OutboxItem) (string, error) {
	var r dialog.Reply
	if err := json.Unmarshal([]byte(it.Payload), &r); err != nil {
		return "", &outbox.PermanentError{Err: fmt.Errorf("decode outbox %d payload: %w", it.ID, err)}
	}
	if it.Address == "" {
		return "", &outbox.PermanentError{Err: fmt.Errorf("outbox %d has no phone number", it.ID)}
	}
	from, callback := s.a.cfg.PhoneNumber, s.a.cfg.PublicURL+StatusPath
	if r.Attachment != nil {
		return s.sendFile(ctx, it, r)
	}
	sid := ""
	for _, body := range RenderSMS(r) {
		if err := ctx.Err(); err != nil {
			return "", err
		}
		msg, err := s.a.rest.Api.CreateMessage(&openapi.CreateMessageParams{
			To: &it.Address, From: &from, Body: &body, StatusCallback: &callback,
		})
		if err != nil {
			return "", classify(err)
		}
		if msg.Sid != nil {
			sid = *msg.Sid
		}
	}
	return sid, nil
}

// classify maps REST errors to the outbox's retry policy: 429 pauses the
// channel, 5xx and network errors are retried, 21610 marks the customer
// opted out, other 4xx (21211 invalid number, 21614 not a mobile) fail the
// message.
func classify(err error) error {
	var te *client.TwilioRestError
	if !errors.As(err, &te) {
		return fmt.Errorf("twilio: %w", err)
	}
	re := &restError{te}
	switch {
	case te.Code == errCodeOptedOut:
		return &outbox.OptedOutError{Err: re}
	case te.Status == http.StatusTooManyRequests:
		return &outbox.RetryAfterError{Wait: time.Second, Err: re}
	case te.Status == http.StatusUnauthorized || te.Status == http.StatusNotFound:
		// Credentials or account sid, not the message: retry once fixed.
		return re
	case te.Status >= 400 && te.Status < 500:
		return &outbox.PermanentError{Err: re}
	}
	return re
}

// restError words a Twilio error for operators and logs.
type restError struct{ te *client.TwilioRestError }

func (e *restError) Error() string {
	return fmt.Sprintf("twilio error %d (HTTP %d): %s", e.te.Code, e.te.Status, e.te.Message)
}
func (e *restError) Unwrap() error { return e.te }

// MaxSegments is the most segments one reply with choices takes: its text
// is shortened to fit.
const MaxSegments = 4

// RenderSMS turns a reply into SMS bodies: the text, then its buttons as a
// numbered list ("Reply 1 for Opening hours, 0 for a person.") numbered by
// dialog.Choices, so a digit typed back means what the engine thinks. A
// reply with choices is one SMS of at most MaxSegments segments, the text
// shortened with an ellipsis to fit — the choices never are. A reply
// without choices (an operator's words) is never shortened: it is split
// into SMS of at most MaxSegments segments each.
func RenderSMS(r dialog.Reply) []string {
	text := strings.TrimSpace(r.Text)
	choices := dialog.Choices(r.Buttons)
	if len(choices) == 0 {
		return splitSMS(text)
	}
	list := choiceList(choices, text)
	join := func(t string) string {
		if t == "" {
			return list
		}
		return t + "\n\n" + list
	}
	if n, _ := Segments(join(text)); n <= MaxSegments {
		return []string{join(text)}
	}
	ellipsis := "…"
	if encodingOf(text+list) == GSM7 {
		ellipsis = "..." // "…" is not GSM-7: it would make it UCS-2
	}
	runes := []rune(text)
	shorten := func(k int) string {
		if k == 0 {
			return ""
		}
		return strings.TrimRight(string(runes[:k]), " \n\t,;:.-") + ellipsis
	}
	fits := func(k int) bool { n, _ := Segments(join(shorten(k))); return n <= MaxSegments }
	// The longest prefix that fits: segments only grow with the prefix.
	lo, hi := 0, len(runes)-1
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if fits(mid) {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	k := lo
	// Prefer ending on a word, when one ends near.
	for back := k; back > 0 && k-back < 24; back-- {
		if runes[back-1] == ' ' || runes[back-1] == '\n' {
			k = back - 1
			break
		}
	}
	return []string{join(shorten(k))}
}

// phrases frame the numbered list in the customer's language.
type phrases struct {
	reply, item, person string
}

var (
	english = phrases{reply: "Reply ", item: "%s for %s", person: "0 for a person"}
	russian = phrases{reply: "Ответьте: ", item: "%s — %s", person: "0 — позвать человека"}
)

// choiceList is "Reply 1 for A, 2 for B, 0 for a person." in the language
// of text and labels. Replies carry no language, so it is told from the
// script: Cyrillic is Russian, anything else English.
func choiceList(choices []dialog.Choice, text string) string {
	p := english
	all := text
	sep := ", "
	for _, c := range choices {
		all += c.Label
		if strings.Contains(c.Label, ",") {
			sep = "; " // "Yes, thanks" stays one choice
		}
	}
	if hasCyrillic(all) {
		p = russian
	}
	items := make([]string, 0, len(choices))
	for _, c := range choices {
		if c.Data == dialog.ButtonPerson {
			items = append(items, p.person)
			continue
		}
		items = append(items, fmt.Sprintf(p.item, c.Digit, strings.TrimSpace(c.Label)))
	}
	return p.reply + strings.Join(items, sep) + "."
}

func hasCyrillic(s string) bool {
	for _, r := range s {
		if r >= 0x0400 && r <= 0x04FF {
			return true
		}
	}
	return false
}

// splitSMS cuts text into bodies of at most MaxSegments segments each,
// preferring paragraph breaks, then line breaks, then spaces.
func splitSMS(text string) []string {
	var parts []string
	for text != "" {
		if n, _ := Segments(text); n <= MaxSegments {
			parts = append(parts, text)
			break
		}
		runes := []rune(text)
		lo, hi := 1, len(runes)-1
		for lo < hi {
			mid := (lo + hi + 1) / 2
			if n, _ := Segments(string(runes[:mid])); n <= MaxSegments {
				lo = mid
			} else {
				hi = mid - 1
			}
		}
		head := string(runes[:lo])
		cut := len(head)
		for _, sep := range []string{"\n\n", "\n", " "} {
			if i := strings.LastIndex(head, sep); i > len(head)/2 {
				cut = i + len(sep)
				break
			}
		}
		parts = append(parts, strings.TrimRight(text[:cut], " \n"))
		text = strings.TrimLeft(text[cut:], " \n")
	}
	return parts
}
