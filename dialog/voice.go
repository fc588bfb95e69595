package dialog

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/switchboardhq/switchboard/storage"
)

// A call goes through the same engine as a chat: each step (the call
// arriving, a key pressed, a callback asked for) is an Inline event whose
// replies the channel speaks in its answer. What is particular to calls
// lives here: spoken texts, holding the caller in the queue or offering a
// callback, and the callback request itself.

// ButtonCallback asks to be called back instead of waiting on the line.
const ButtonCallback = "cb"

// QueueCallback is the queue of conversations whose customer asked to be
// called back. Until switchboard dials callbacks itself, an operator
// returns the call from there.
const QueueCallback = "callback"

// errCallOnly explains why an operator's message in a call's conversation
// is not delivered.
const errCallOnly = "a caller hears only what is said during the call; call them back instead"

// CallEventID is the ExternalID of one step of a call ("start", "menu:1:2",
// "callback"): Twilio's redelivery of a step is then handled once and
// answered with the same words.
func CallEventID(callSid, step string) string { return callSid + ":" + step }

// CallStart is the step of a call arriving; its conversation is the call's.
const CallStart = "start"

// spokenVariants are the texts a call says in other words than a chat.
var spokenVariants = map[string]string{
	TextGreeting:          TextVoiceGreeting,
	TextMenu:              TextVoiceMenu,
	TextHandover:          TextVoiceHandover,
	TextStillWaiting:      TextVoiceStillWaiting,
	TextReopened:          TextVoiceReopened,
	TextHelpedDone:        TextVoiceHelpedDone,
	TextStatusOpen:        TextVoiceStatusOpen,
	TextCallbackRequested: TextVoiceCallbackRequested,
}

// spokenKey is the text to say for key on a call, the text itself elsewhere.
func (t *turn) spokenKey(key string) string {
	if v, ok := spokenVariants[key]; ok && t.ident.Channel == ChannelVoice {
		return v
	}
	return key
}

// ticket is the conversation's ticket as the customer is told it: on a
// call, letter by letter and digit by digit.
func (t *turn) ticket() string {
	if t.ident.Channel == ChannelVoice {
		return SpokenTicket(t.conv.ID)
	}
	return t.conv.Ticket()
}

// SpokenTicket writes a ticket for a speech synthesiser, so "SB-000042"
// is heard as "S B, 0 0 0 0 4 2" and not as a word and a number.
func SpokenTicket(id uint64) string {
	t := storage.FormatTicket(id)
	prefix, digits, _ := strings.Cut(t, "-")
	return SpokenDigits(prefix) + ", " + SpokenDigits(digits)
}

// SpokenDigits separates characters with spaces so each is said on its
// own ("+447700" → "+ 4 4 7 7 0 0"), dropping a leading plus.
func SpokenDigits(s string) string {
	s = strings.TrimPrefix(s, "+")
	return strings.Join(strings.Split(s, ""), " ")
}

// spokenWhen is a moment as a caller hears it: the day and the time, in
// the schedule's zone (a zone name said aloud helps nobody).
func spokenWhen(lang string, at time.Time) string {
	days, ok := weekdays[lang]
	if !ok {
		days = weekdays["en"]
	}
	if lang == "ru" {
		return fmt.Sprintf("%s, %s, в %s", days[at.Weekday()], at.Format("02.01"), at.Format("15:04"))
	}
	return fmt.Sprintf("on %s, %s, at %s", days[at.Weekday()], at.Format("2 January"), at.Format("15:04"))
}

// holdOrOfferCallback tells a caller just handed over (or still waiting)
// what happens now. With operators at work and online, they hold in the
// call queue; otherwise they are offered a callback. Their conversation
// keeps its place in the queue either way.
func (t *turn) holdOrOfferCallback(ctx context.Context, key string) error {
	var text string
	switch next, ok := t.e.schedule.NextOpen(t.now); {
	case !ok:
		text = t.text(TextVoiceAway)
	case next.After(t.now):
		text = t.text(TextVoiceClosed, "when", spokenWhen(t.lang, next.In(t.e.schedule.Location())))
	case t.e.online() < 1:
		text = t.text(TextVoiceBusy)
	default:
		pos, _, err := t.tx.QueuePosition(ctx, t.conv)
		if err != nil {
			return err
		}
		staff, err := t.staffing(ctx)
		if err != nil {
			return err
		}
		if err := t.reply(ctx, storage.AuthorBot, nil, Reply{Text: t.text(key), Hold: true}); err != nil {
			return err
		}
		// A caller on hold is told no number: the wait is recorded all
		// the same, to be measured and learned from.
		return t.recordWait(ctx, pos, nil, staff)
	}
	r := Reply{Text: text}
	if t.callbackNumber() != "" {
		r.Buttons = t.e.callbackButtons(t.lang)
	}
	return t.reply(ctx, storage.AuthorBot, nil, r)
}

// callbackButtons offer a callback instead of waiting.
func (e *Engine) callbackButtons(lang string) [][]Button {
	return [][]Button{{{Data: ButtonCallback, Label: e.texts.Get(lang, TextCallbackButton)}}}
}

// callbackNumber is the number a callback would dial: the one the customer
// is talking from on a phone channel, else the one they shared.
func (t *turn) callbackNumber() string {
	if t.ident.Channel == ChannelVoice || t.ident.Channel == ChannelSMS {
		if t.ident.Address != "" {
			return t.ident.Address
		}
	}
	return t.cust.Phone
}

// requestCallback books the callback the customer asked for: as soon as
// possible, to the number they keyed in and confirmed (keyed), else the
// one they are on, dialled by the callback dialer. The
// conversation also waits in the callback queue, keeping the place it had,
// and a system message says which number to call, for the operator who
// sees it. Without a number (or with one that is no phone number) there is
// nobody to call, and the customer is handed over as for a person.
func (t *turn) requestCallback(ctx context.Context, keyed string) error {
	number := t.callbackNumber()
	if keyed != "" {
		number = keyed
	}
	if number == "" {
		return t.handover(ctx, "", "")
	}
	if err := t.bookCallback(ctx, number); errors.Is(err, ErrBadCallbackPhone) {
		return t.handover(ctx, "", "")
	} else if err != nil {
		return fmt.Errorf("book callback for conversation %d: %w", t.conv.ID, err)
	}
	t.waitForCallback()
	who := "Customer"
	if t.ident.Channel == ChannelVoice {
		who = "Caller"
	}
	if err := t.systemEvent(ctx, fmt.Sprintf("%s asked to be called back at %s", who, number)); err != nil {
		return err
	}
	phone := number
	if t.ident.Channel == ChannelVoice {
		phone = SpokenDigits(number)
	}
	return t.reply(ctx, storage.AuthorBot, nil, Reply{Text: t.text(TextCallbackRequested, "phone", phone)})
}

// systemEvent stores a line operators see in the conversation and the
// customer never gets: what happened rather than what was said.
func (t *turn) systemEvent(ctx context.Context, text string) error {
	m := systemEvent(t.conv.ID, t.ident.Channel, text, t.now)
	if err := t.tx.InsertMessage(ctx, &m); err != nil {
		return err
	}
	t.emitMessage(&m)
	return nil
}

// KindEvent is the kind of a system message that records what happened.
const KindEvent = "event"

func systemEvent(convID uint64, channel, text string, at time.Time) storage.Message {
	return storage.Message{ConversationID: convID, Direction: storage.Outbound, Author: storage.AuthorSystem,
		Kind: KindEvent, Text: text, Channel: channel, CreatedAt: at}
}
