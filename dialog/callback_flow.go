package dialog

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/switchboardhq/switchboard/callback/policy"
	"github.com/switchboardhq/switchboard/storage"
)

// A customer books a callback in a chat (Telegram, SMS) in up to three
// steps: the number (on SMS the sender's; on Telegram the one they shared
// before, else "share my phone number" or typed), then when — as soon as
// possible or one of the next free slots, in their time zone — then a
// confirmation that says how to move or cancel it. Button data carries
// what the choice means, so an old keyboard still books what it showed;
// the conversation's step keeps the last offer, so a digit on SMS picks
// from it.

// Button data of the callback flow; the parts after the prefix are
// separated by colons.
const (
	// buttonBookPfx + "<minute>:<phone>" books phone for the slot starting
	// at that Unix minute, base 36; minute 0 is as soon as possible.
	buttonBookPfx = "cb:b:"
	// buttonMovePfx + "<id>:<minute>" moves callback id, as above.
	buttonMovePfx = "cb:m:"
	// buttonOfferMovePfx + "<id>" offers times to move callback id to.
	buttonOfferMovePfx = "cb:mv:"
	// buttonCancelPfx + "<id>" cancels callback id.
	buttonCancelPfx = "cb:x:"
	// ButtonOtherNumber asks for another number to be called on.
	ButtonOtherNumber = "cb:num"
)

// Steps of the callback flow, kept in Conversation.Step (at most 64
// bytes): waiting for a number; offered times for a new callback to
// phone; offered times to move callback id to.
const (
	stepCallbackPhone = "cb:phone"
	stepCallbackWhen  = "cb:w:"  // + phone + ":" + minutes
	stepCallbackMove  = "cb:mv:" // + id + ":" + minutes
)

// SMS keywords of the flow. CANCEL and STOP stay carrier opt-out words.
const (
	keywordCall   = "CALL"
	keywordNoCall = "NOCALL"
)

// callbackKeyword handles CALL and NOCALL on SMS and a number given while
// one is asked for; it reports whether ev was one of them.
func (t *turn) callbackKeyword(ctx context.Context, ev Event) (bool, error) {
	if t.ident.Channel == ChannelSMS && ev.Kind == KindText {
		switch strings.ToUpper(strings.TrimSpace(ev.Text)) {
		case keywordCall:
			return true, t.startCallback(ctx)
		case keywordNoCall:
			return true, t.cancelOwnCallback(ctx, 0)
		}
	}
	if _, ok := parseOffer(t.conv.Step); ok && (ev.Kind != KindText || !isDigit(ev.Text)) {
		// Anything but a digit leaves an offer of times: a digit meant
		// for someone else later books nothing.
		t.conv.Step = t.restingStep()
		return false, nil
	}
	if t.conv.Step != stepCallbackPhone {
		return false, nil
	}
	switch {
	case ev.Kind == KindMedia && ev.Media.Phone != "":
		return true, t.numberGiven(ctx, ev.Media.Phone)
	case ev.Kind == KindText && looksLikePhone(ev.Text):
		return true, t.numberGiven(ctx, ev.Text)
	}
	// Something else: the customer has moved on; so does the flow.
	t.conv.Step = t.restingStep()
	return false, nil
}

// isDigit reports whether s is one digit, as a choice is answered.
func isDigit(s string) bool {
	s = strings.TrimSpace(s)
	return len(s) == 1 && s[0] >= '0' && s[0] <= '9'
}

// looksLikePhone tells a number typed, perhaps wrongly, from words: five
// digits or more, and mostly digits and phone punctuation.
func looksLikePhone(s string) bool {
	digits, other := 0, 0
	for _, r := range s {
		switch {
		case unicode.IsDigit(r):
			digits++
		case strings.ContainsRune("+-() ./", r):
		default:
			other++
		}
	}
	return digits >= 5 && other <= 3
}

// restingStep is the step a conversation is in outside the flow: the menu
// while the bot talks, nothing once a person has it.
func (t *turn) restingStep() string {
	if t.conv.State == storage.StateBot {
		return stepMenu
	}
	return ""
}

// startCallback begins the flow: the customer's booked callback if they
// have one, else the question of when (or, without a number, of which
// number). A call is offered the callback key, which reads back the
// number to call.
func (t *turn) startCallback(ctx context.Context) error {
	if t.ident.Channel == ChannelVoice {
		// The call's own offer: its key leads to the number read back.
		return t.reply(ctx, storage.AuthorBot, nil, Reply{Text: t.text(TextVoiceCallbackOffer), Buttons: t.e.callbackButtons(t.lang)})
	}
	cb, err := t.tx.ActiveCallbackOfCustomer(ctx, t.cust.ID)
	switch {
	case err == nil:
		if t.ident.Channel == ChannelSMS && cb.State == policy.Scheduled {
			return t.offerWhen(ctx, "", cb.ID, TextCallbackMoveWhen, cb.Phone)
		}
		return t.showCallback(ctx, cb, TextCallbackActive)
	case !errors.Is(err, storage.ErrNotFound):
		return err
	}
	if number := t.callbackNumber(); number != "" {
		return t.offerWhen(ctx, number, 0, TextCallbackWhen, number)
	}
	return t.askPhone(ctx, t.text(TextCallbackAskPhone))
}

// askPhone asks which number to call, with Telegram's "share my phone
// number" button.
func (t *turn) askPhone(ctx context.Context, text string) error {
	t.conv.Step = stepCallbackPhone
	return t.reply(ctx, storage.AuthorBot, nil, Reply{Text: text, AskPhone: t.e.texts.Get(t.lang, TextCallbackSharePhone)})
}

// numberGiven goes on with the number the customer shared or typed: a
// valid one is thanked for (taking the sharing keyboard away) and asked
// when to call; another is asked for again, saying what was wrong.
func (t *turn) numberGiven(ctx context.Context, raw string) error {
	number, err := t.e.NormalizePhone(raw)
	if err != nil {
		return t.askPhone(ctx, t.text(TextCallbackBadPhone, "input", clip(strings.TrimSpace(raw), 40)))
	}
	if t.cust.Phone == "" {
		// The number they gave to be called on is theirs to be known by,
		// as a shared one is (rememberPhone).
		t.cust.Phone = number
		if err := t.tx.SetCustomerPhone(ctx, t.cust.ID, number); err != nil {
			return err
		}
	}
	if err := t.reply(ctx, storage.AuthorBot, nil, Reply{Text: t.text(TextCallbackNumberOK, "phone", number), ClearKeyboard: true}); err != nil {
		return err
	}
	return t.offerWhen(ctx, number, 0, TextCallbackWhen, number)
}

// customerZone is where the turn's customer, called on number, lives, for
// the times they are shown: the zone set for them, else their number's
// country's, else the business hours' zone.
func (t *turn) customerZone(number string) *time.Location {
	return policy.CustomerLocation(t.cust.TimeZone, number, t.e.schedule.Location())
}

// freeSlots are the next free slots a customer in loc may book.
func (t *turn) freeSlots(ctx context.Context, loc *time.Location, n int) ([]policy.Slot, error) {
	p := t.e.slots
	counts, err := t.tx.SlotCounts(ctx, t.now, t.now.Add(policy.DefaultHorizon+24*time.Hour))
	if err != nil {
		return nil, err
	}
	return policy.FreeSlots(t.now, p, loc, func(start time.Time) int { return counts[start] }, n), nil
}

// offerWhen asks when to call: as soon as possible or one of the next
// free slots, shown in the customer's time zone. With number set it books
// a new callback to it; with move set, it moves that callback. The offer
// is kept in the step, so a digit answers it.
func (t *turn) offerWhen(ctx context.Context, number string, move uint64, key, shown string) error {
	loc := t.customerZone(shown)
	slots, err := t.freeSlots(ctx, loc, t.e.settings.Callbacks.SlotsOffered)
	if err != nil {
		return err
	}
	minutes := make([]int64, 0, len(slots)+1)
	minutes = append(minutes, 0)
	for _, s := range slots {
		minutes = append(minutes, s.Start.Unix()/60)
	}
	o := offer{number: number, move: move, minutes: minutes}
	t.conv.Step = o.step()
	if len(slots) == 0 {
		key = noSlotsVariant[key]
	}
	return t.reply(ctx, storage.AuthorBot, nil, Reply{
		Text:    t.text(key, "phone", shown, "zone", loc.String()),
		Buttons: t.e.offerButtons(t.lang, o, loc, t.ident.Channel),
	})
}

// noSlotsVariant is the text to say instead when no slot is free.
var noSlotsVariant = map[string]string{
	TextCallbackWhen:      TextCallbackWhenNone,
	TextCallbackMoveWhen:  TextCallbackMoveWhenNone,
	TextCallbackSlotTaken: TextCallbackSlotTakenNone,
}

// offer is a choice of times: for a new callback to number, or to move
// callback move; minutes are the slots' starts in Unix minutes, 0 for as
// soon as possible.
type offer struct {
	number  string
	move    uint64
	minutes []int64
}

// step writes o as a conversation step.
func (o offer) step() string {
	parts := make([]string, len(o.minutes))
	for i, m := range o.minutes {
		parts[i] = strconv.FormatInt(m, 36)
	}
	if o.move != 0 {
		return stepCallbackMove + strconv.FormatUint(o.move, 10) + ":" + strings.Join(parts, ",")
	}
	return stepCallbackWhen + o.number + ":" + strings.Join(parts, ",")
}

// parseOffer reads a step written by offer.step.
func parseOffer(step string) (offer, bool) {
	var o offer
	var rest string
	switch {
	case strings.HasPrefix(step, stepCallbackMove):
		id, list, ok := strings.Cut(strings.TrimPrefix(step, stepCallbackMove), ":")
		n, err := strconv.ParseUint(id, 10, 64)
		if !ok || err != nil || n == 0 {
			return o, false
		}
		o.move, rest = n, list
	case strings.HasPrefix(step, stepCallbackWhen):
		number, list, ok := strings.Cut(strings.TrimPrefix(step, stepCallbackWhen), ":")
		if !ok || number == "" {
			return o, false
		}
		o.number, rest = number, list
	default:
		return o, false
	}
	for _, p := range strings.Split(rest, ",") {
		m, err := strconv.ParseInt(p, 36, 64)
		if err != nil || m < 0 {
			return o, false
		}
		o.minutes = append(o.minutes, m)
	}
	return o, len(o.minutes) > 0
}

// offerButtons are an offer's choices: as soon as possible, each slot,
// on Telegram another number for a new callback, and a person.
func (e *Engine) offerButtons(lang string, o offer, loc *time.Location, channel string) [][]Button {
	rows := make([][]Button, 0, len(o.minutes)+2)
	for _, m := range o.minutes {
		label := e.texts.Get(lang, TextCallbackASAPButton)
		if m != 0 {
			start := time.Unix(m*60, 0)
			label = slotLabel(lang, policy.Slot{Start: start, End: start.Add(e.slots.Length)}, loc)
		}
		data := buttonBookPfx + strconv.FormatInt(m, 36) + ":" + o.number
		if o.move != 0 {
			data = buttonMovePfx + strconv.FormatUint(o.move, 10) + ":" + strconv.FormatInt(m, 36)
		}
		rows = append(rows, []Button{{Data: data, Label: label}})
	}
	if o.move == 0 && channel == ChannelTelegram {
		rows = append(rows, []Button{{Data: ButtonOtherNumber, Label: e.texts.Get(lang, TextCallbackOtherNumber)}})
	}
	return append(rows, []Button{{Data: ButtonPerson, Label: e.texts.Get(lang, TextPersonButton)}})
}

// shortWeekdays name days on buttons.
var shortWeekdays = map[string][7]string{
	"en": {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"},
	"ru": {"Вс", "Пн", "Вт", "Ср", "Чт", "Пт", "Сб"},
}

// slotLabel is a slot on a button or in a numbered SMS list, on loc's
// wall clock, plain ASCII but for the day's name in Russian: "Tue 3 Mar
// 10:00-10:30".
func slotLabel(lang string, s policy.Slot, loc *time.Location) string {
	start, end := s.In(loc)
	days, ok := shortWeekdays[lang]
	if !ok {
		days = shortWeekdays["en"]
	}
	day := start.Format("2 Jan")
	if lang == "ru" {
		day = start.Format("02.01")
	}
	return fmt.Sprintf("%s %s %s-%s", days[start.Weekday()], day, start.Format("15:04"), end.Format("15:04"))
}

// callbackButton carries out a choice of the flow; it reports whether
// data was one.
func (t *turn) callbackButton(ctx context.Context, data string) (bool, error) {
	switch {
	case data == ButtonOtherNumber:
		return true, t.askPhone(ctx, t.text(TextCallbackAskPhone))
	case strings.HasPrefix(data, buttonBookPfx):
		m, number, ok := strings.Cut(strings.TrimPrefix(data, buttonBookPfx), ":")
		minute, err := strconv.ParseInt(m, 36, 64)
		if !ok || err != nil {
			return false, nil
		}
		return true, t.bookChosen(ctx, number, minute)
	case strings.HasPrefix(data, buttonMovePfx):
		id, m, ok := strings.Cut(strings.TrimPrefix(data, buttonMovePfx), ":")
		n, err1 := strconv.ParseUint(id, 10, 64)
		minute, err2 := strconv.ParseInt(m, 36, 64)
		if !ok || err1 != nil || err2 != nil {
			return false, nil
		}
		return true, t.moveChosen(ctx, n, minute)
	case strings.HasPrefix(data, buttonOfferMovePfx):
		n, err := strconv.ParseUint(strings.TrimPrefix(data, buttonOfferMovePfx), 10, 64)
		if err != nil {
			return false, nil
		}
		cb, err := t.ownCallback(ctx, n)
		if err != nil || cb.State != policy.Scheduled {
			return true, t.callbackGone(ctx, cb, err)
		}
		return true, t.offerWhen(ctx, "", cb.ID, TextCallbackMoveWhen, cb.Phone)
	case strings.HasPrefix(data, buttonCancelPfx):
		n, err := strconv.ParseUint(strings.TrimPrefix(data, buttonCancelPfx), 10, 64)
		if err != nil {
			return false, nil
		}
		return true, t.cancelOwnCallback(ctx, n)
	}
	return false, nil
}

// callbackButtonLabel is what a pressed button of the flow said, for the
// conversation's history; ok is false for other data.
func (t *turn) callbackButtonLabel(data string) (string, bool) {
	texts, lang := t.e.texts, t.lang
	minuteLabel := func(m string, number string) string {
		minute, err := strconv.ParseInt(m, 36, 64)
		if err != nil || minute == 0 {
			return texts.Get(lang, TextCallbackASAPButton)
		}
		start := time.Unix(minute*60, 0)
		return slotLabel(lang, policy.Slot{Start: start, End: start.Add(t.e.slots.Length)}, t.customerZone(number))
	}
	switch {
	case data == ButtonOtherNumber:
		return texts.Get(lang, TextCallbackOtherNumber), true
	case strings.HasPrefix(data, buttonBookPfx):
		m, number, _ := strings.Cut(strings.TrimPrefix(data, buttonBookPfx), ":")
		return minuteLabel(m, number), true
	case strings.HasPrefix(data, buttonMovePfx):
		_, m, _ := strings.Cut(strings.TrimPrefix(data, buttonMovePfx), ":")
		return minuteLabel(m, t.cust.Phone), true
	case strings.HasPrefix(data, buttonOfferMovePfx):
		return texts.Get(lang, TextCallbackMoveButton), true
	case strings.HasPrefix(data, buttonCancelPfx):
		return texts.Get(lang, TextCallbackCancelButton), true
	}
	return "", false
}

// ownCallback loads callback id if it is this customer's; another's is
// storage.ErrNotFound, as if there were none.
func (t *turn) ownCallback(ctx context.Context, id uint64) (storage.Callback, error) {
	cb, err := t.tx.GetCallback(ctx, id)
	if err == nil && cb.CustomerID != t.cust.ID {
		return storage.Callback{}, fmt.Errorf("callback %d of another customer: %w", id, storage.ErrNotFound)
	}
	return cb, err
}

// callbackGone answers a choice about a callback that cannot take it any
// more: not found (err), or dialing or ended (cb's state).
func (t *turn) callbackGone(ctx context.Context, cb storage.Callback, err error) error {
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return err
	}
	if err == nil && cb.State == policy.Dialing {
		return t.reply(ctx, storage.AuthorBot, nil, Reply{Text: t.text(TextCallbackDialing, "phone", cb.Phone)})
	}
	return t.reply(ctx, storage.AuthorBot, nil, t.withRebookButton(Reply{Text: t.text(TextCallbackNone, "rebook", t.e.texts.Get(t.lang, rebookKey(t.ident.Channel)))}))
}

// slotFree reports whether the slot starting at minute may still be
// booked by a customer in loc, holding the slot's lock until the
// transaction ends so nobody else takes its last place meanwhile.
func (t *turn) slotFree(ctx context.Context, minute int64, loc *time.Location) (time.Time, bool, error) {
	start := time.Unix(minute*60, 0).UTC()
	if err := t.tx.LockSlot(ctx, start); err != nil {
		return start, false, err
	}
	counts, err := t.tx.SlotCounts(ctx, start, start.Add(time.Minute))
	if err != nil {
		return start, false, err
	}
	p := t.e.slots
	p.Horizon = start.Sub(t.now) + p.Length + time.Minute
	for _, s := range policy.FreeSlots(t.now, p, loc, func(at time.Time) int { return counts[at] }, 1<<20) {
		if s.Start.Equal(start) {
			return start, true, nil
		}
	}
	return start, false, nil
}

// bookChosen books the callback the customer chose: to number, as soon as
// possible (minute 0) or in the slot starting at minute, unless they have
// one already, which is shown instead. A slot taken meanwhile is offered
// again with the others.
func (t *turn) bookChosen(ctx context.Context, number string, minute int64) error {
	if cb, err := t.tx.ActiveCallbackOfCustomer(ctx, t.cust.ID); err == nil {
		return t.showCallback(ctx, cb, TextCallbackActive)
	} else if !errors.Is(err, storage.ErrNotFound) {
		return err
	}
	if _, err := t.e.NormalizePhone(number); err != nil {
		return t.askPhone(ctx, t.text(TextCallbackAskPhone))
	}
	var due time.Time
	if minute != 0 {
		start, free, err := t.slotFree(ctx, minute, t.customerZone(number))
		if err != nil {
			return err
		}
		if !free {
			return t.offerWhen(ctx, number, 0, TextCallbackSlotTaken, number)
		}
		due = start
	}
	cb, err := t.createCallback(ctx, number, due)
	if err != nil {
		return err
	}
	if cb.ASAP {
		t.waitForCallback()
	} else {
		t.conv.Step = t.restingStep()
	}
	if err := t.systemEvent(ctx, fmt.Sprintf("Customer booked a callback to %s %s", cb.Phone, t.e.callbackWhen("en", cb))); err != nil {
		return err
	}
	return t.showCallback(ctx, cb, TextCallbackBooked)
}

// waitForCallback puts the conversation in the callback queue, keeping
// the place it had; an operator who has it keeps it.
func (t *turn) waitForCallback() {
	if t.conv.State == storage.StateOpen {
		t.conv.Step = ""
		return
	}
	t.conv.State, t.conv.Queue, t.conv.Step = storage.StateWaiting, QueueCallback, ""
	t.conv.OperatorID, t.conv.ClaimedAt, t.conv.ResolvedAt = nil, nil, nil
	if t.conv.HandedOverAt == nil {
		t.conv.HandedOverAt = &t.now
	}
}

// moveChosen moves the customer's callback id to the time they chose.
func (t *turn) moveChosen(ctx context.Context, id uint64, minute int64) error {
	cb, err := t.ownCallback(ctx, id)
	if err != nil || cb.State != policy.Scheduled {
		return t.callbackGone(ctx, cb, err)
	}
	var due time.Time
	if minute != 0 {
		start, free, err := t.slotFree(ctx, minute, t.customerZone(cb.Phone))
		if err != nil {
			return err
		}
		if !free {
			return t.offerWhen(ctx, "", cb.ID, TextCallbackSlotTaken, cb.Phone)
		}
		due = start
	}
	if cb, err = t.tx.MoveCallback(ctx, id, due, t.now); err != nil {
		return err
	}
	t.emitCallback(cb)
	if cb.ASAP {
		t.waitForCallback()
	} else {
		t.conv.Step = t.restingStep()
	}
	if err := t.systemEvent(ctx, fmt.Sprintf("Customer moved the callback: now %s", t.e.callbackWhen("en", cb))); err != nil {
		return err
	}
	return t.showCallback(ctx, cb, TextCallbackMoved)
}

// cancelOwnCallback cancels the customer's callback id (0: their active
// one) at their asking.
func (t *turn) cancelOwnCallback(ctx context.Context, id uint64) error {
	var (
		cb  storage.Callback
		err error
	)
	if id == 0 {
		cb, err = t.tx.ActiveCallbackOfCustomer(ctx, t.cust.ID)
	} else {
		cb, err = t.ownCallback(ctx, id)
	}
	if err != nil || !cb.State.CanMove(policy.Cancelled) {
		return t.callbackGone(ctx, storage.Callback{State: cb.State}, err)
	}
	if cb, err = t.tx.CancelCallback(ctx, cb.ID, t.now); err != nil {
		return err
	}
	t.emitCallback(cb)
	if strings.HasPrefix(t.conv.Step, "cb:") {
		t.conv.Step = t.restingStep()
	}
	if err := t.systemEvent(ctx, "Customer cancelled the callback to "+cb.Phone); err != nil {
		return err
	}
	if t.conv.State == storage.StateWaiting && t.conv.Queue == QueueCallback {
		// No call is coming: they wait for a person like anyone, in place.
		t.conv.Queue = ""
	}
	return t.reply(ctx, storage.AuthorBot, nil, t.withRebookButton(Reply{Text: t.text(TextCallbackCancelled, "phone", cb.Phone,
		"when", t.e.callbackWhen(t.lang, cb), "rebook", t.e.texts.Get(t.lang, rebookKey(t.ident.Channel)))}))
}

// showCallback tells the customer about their callback with the text of
// key, and how to move or cancel it.
func (t *turn) showCallback(ctx context.Context, cb storage.Callback, key string) error {
	if cb.State == policy.Dialing {
		return t.reply(ctx, storage.AuthorBot, nil, Reply{Text: t.text(TextCallbackDialing, "phone", cb.Phone)})
	}
	r := Reply{Text: t.text(key, "phone", cb.Phone, "when", t.e.callbackWhen(t.lang, cb))}
	t.manageCallback(&r, cb)
	return t.reply(ctx, storage.AuthorBot, nil, r)
}

// manageCallback adds to r how the customer moves or cancels cb: buttons
// on Telegram, the keywords on SMS.
func (t *turn) manageCallback(r *Reply, cb storage.Callback) {
	switch t.ident.Channel {
	case ChannelTelegram:
		id := strconv.FormatUint(cb.ID, 10)
		r.Buttons = [][]Button{{
			{Data: buttonOfferMovePfx + id, Label: t.e.texts.Get(t.lang, TextCallbackMoveButton)},
			{Data: buttonCancelPfx + id, Label: t.e.texts.Get(t.lang, TextCallbackCancelButton)},
		}}
	case ChannelSMS:
		r.Text += " " + t.e.texts.Get(t.lang, TextCallbackManageSMS)
	}
}

// emitCallback notes a callback.changed event for after commit.
func (t *turn) emitCallback(cb storage.Callback) {
	t.emit = append(t.emit, pendingEvent{ev: callbackChanged(cb)})
}

// offeredCallback is the choice a callback step last offered, for digits.
func (t *turn) offeredCallback() ([][]Button, bool) {
	o, ok := parseOffer(t.conv.Step)
	if !ok {
		return nil, false
	}
	return t.e.offerButtons(t.lang, o, time.UTC, t.ident.Channel), true
}
