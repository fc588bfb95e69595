package dialog

import (
	"context"
	"strconv"
	"strings"

	"github.com/switchboardhq/switchboard/callback/policy"
	"github.com/switchboardhq/switchboard/config"
	"github.com/switchboardhq/switchboard/feedback/label"
	"github.com/switchboardhq/switchboard/storage"
)

// decide answers one customer event given the conversation's state.
func (t *turn) decide(ctx context.Context, ev Event, fresh bool) error {
	if handled, err := t.carrierKeyword(ctx, ev); handled || err != nil {
		return err
	}
	if handled, err := t.surveyAnswer(ctx, ev); handled || err != nil {
		return err
	}
	if handled, err := t.callbackKeyword(ctx, ev); handled || err != nil {
		return err
	}
	if ev.Kind == KindText && !fresh {
		// A digit answers the choices a keypad or a text listed.
		if data, ok := t.digitChoice(ev.Text); ok {
			ev.Kind, ev.Button = KindButton, data
		}
	}
	switch ev.Kind {
	case KindCommand:
		return t.command(ctx, ev, fresh)
	case KindButton:
		return t.button(ctx, ev, fresh)
	}
	// Free text or media.
	switch t.conv.State {
	case storage.StateBot:
		if fresh {
			// First words of a new ticket: greet, show the menu, keep the text.
			t.conv.FirstText = clip(ev.Text, 512)
			return t.greet(ctx)
		}
		// Typed instead of picking: never a dead end, a person takes it.
		return t.handover(ctx, "", ev.Text)
	case storage.StateResolved:
		l, err := t.labelAboutResolved(ctx, ev)
		if err != nil {
			return err
		}
		if l == label.Thanks {
			// Thanks need no one to reopen the ticket: say it back.
			return t.reply(ctx, storage.AuthorBot, nil, Reply{Text: t.text(TextThanksResolved)})
		}
		return t.reopen(ctx)
	}
	// Waiting or open: the operator sees it; no automatic reply.
	return nil
}

func (t *turn) command(ctx context.Context, ev Event, fresh bool) error {
	switch ev.Command {
	case "start":
		if fresh || t.conv.State == storage.StateBot {
			return t.greet(ctx)
		}
		return t.status(ctx)
	case "menu":
		if fresh {
			return t.greet(ctx)
		}
		t.conv.Step = stepMenu
		return t.reply(ctx, storage.AuthorBot, nil, Reply{Text: t.text(TextMenu), Buttons: t.e.menuButtons(t.lang)})
	case "status":
		if fresh {
			return t.greet(ctx)
		}
		return t.status(ctx)
	case "operator", "person", "human":
		return t.handover(ctx, "", "")
	case "callback":
		return t.startCallback(ctx)
	}
	return t.reply(ctx, storage.AuthorBot, nil, Reply{Text: t.e.texts.Get(t.lang, TextUnknownCommand), Buttons: t.e.menuButtons(t.lang)})
}

func (t *turn) button(ctx context.Context, ev Event, fresh bool) error {
	switch {
	case ev.Button == ButtonPerson:
		return t.handover(ctx, "", "")
	case ev.Button == ButtonCallback && t.ident.Channel == ChannelVoice:
		return t.requestCallback(ctx, ev.Payload)
	case ev.Button == ButtonCallback:
		return t.startCallback(ctx)
	case ev.Button == ButtonHelped:
		if t.conv.State == storage.StateBot && strings.HasPrefix(t.conv.Step, stepAnswered) {
			t.conv.State, t.conv.ResolvedAt, t.conv.Step = storage.StateResolved, &t.now, ""
			if err := t.settleWaits(ctx, storage.OutcomeBot); err != nil {
				return err
			}
			if err := t.scheduleSurvey(ctx); err != nil {
				return err
			}
			return t.reply(ctx, storage.AuthorBot, nil, Reply{Text: t.text(TextHelpedDone)})
		}
		return nil
	case strings.HasPrefix(ev.Button, buttonMenuPfx):
		opt, ok := t.e.option(strings.TrimPrefix(ev.Button, buttonMenuPfx))
		if !ok {
			break
		}
		switch opt.Kind {
		case config.MenuOperator:
			return t.handover(ctx, opt.Queue, "")
		case config.MenuCallback:
			return t.startCallback(ctx)
		}
		if t.conv.State == storage.StateResolved {
			// An answer from an old menu reopens the ticket in self-service.
			t.conv.State, t.conv.ResolvedAt, t.conv.Step = storage.StateBot, nil, stepMenu
		}
		if t.conv.State == storage.StateBot {
			t.conv.Step = stepAnswered + opt.ID
		}
		return t.reply(ctx, storage.AuthorBot, nil, Reply{
			Text:    opt.Answer.In(t.lang, t.e.settings.DefaultLanguage) + "\n\n" + t.e.texts.Get(t.lang, TextHelpedQuestion),
			Buttons: t.e.helpedButtons(t.lang),
		})
	}
	if handled, err := t.callbackButton(ctx, ev.Button); handled || err != nil {
		return err
	}
	// A button from an old keyboard: show the menu again.
	if fresh {
		return t.greet(ctx)
	}
	return t.reply(ctx, storage.AuthorBot, nil, Reply{Text: t.text(TextMenu), Buttons: t.e.menuButtons(t.lang)})
}

func (t *turn) greet(ctx context.Context) error {
	t.conv.Step = stepMenu
	return t.reply(ctx, storage.AuthorBot, nil, Reply{Text: t.text(TextGreeting), Buttons: t.e.menuButtons(t.lang)})
}

// handover puts the conversation in the operators' queue and tells the
// customer their place and a generous wait estimate — or, after hours, when
// people are back.
func (t *turn) handover(ctx context.Context, queue, text string) error {
	switch t.conv.State {
	case storage.StateWaiting:
		return t.tellWaiting(ctx, TextStillWaiting)
	case storage.StateOpen:
		return t.status(ctx)
	}
	t.conv.State, t.conv.Queue, t.conv.Step = storage.StateWaiting, queue, ""
	t.conv.HandedOverAt, t.conv.OperatorID, t.conv.ResolvedAt = &t.now, nil, nil
	if t.conv.FirstText == "" {
		t.conv.FirstText = clip(text, 512)
	}
	return t.tellWaiting(ctx, TextHandover)
}

func (t *turn) reopen(ctx context.Context) error {
	if err := t.tx.HoldSurvey(ctx, t.conv.ID); err != nil {
		return err
	}
	t.conv.State, t.conv.Step = storage.StateWaiting, ""
	t.conv.HandedOverAt, t.conv.OperatorID, t.conv.ResolvedAt, t.conv.ClaimedAt = &t.now, nil, nil, nil
	return t.tellWaiting(ctx, TextReopened)
}

func (t *turn) tellWaiting(ctx context.Context, key string) error {
	if t.ident.Channel == ChannelVoice {
		return t.holdOrOfferCallback(ctx, key)
	}
	if next, ok := t.e.schedule.NextOpen(t.now); !ok || next.After(t.now) {
		when := t.e.texts.When(t.lang, next.In(t.e.schedule.Location()))
		return t.reply(ctx, storage.AuthorBot, nil, Reply{Text: t.text(TextHandoverClosed, "when", when)})
	}
	pos, capped, err := t.tx.QueuePosition(ctx, t.conv)
	if err != nil {
		return err
	}
	place := strconv.Itoa(pos)
	if capped {
		place += "+"
	}
	staff, err := t.staffing(ctx)
	if err != nil {
		return err
	}
	minutes := t.e.waitMinutes(pos, staff)
	if err := t.reply(ctx, storage.AuthorBot, nil, Reply{Text: t.text(key,
		"position", place, "minutes", strconv.Itoa(minutes))}); err != nil {
		return err
	}
	return t.recordWait(ctx, pos, &minutes, staff)
}

func (t *turn) status(ctx context.Context) error {
	if err := t.statusOfRequest(ctx); err != nil {
		return err
	}
	return t.statusOfCallback(ctx)
}

// statusOfCallback tells the customer of their next booked callback, if
// any: asked how their request stands, they hear all of it.
func (t *turn) statusOfCallback(ctx context.Context) error {
	cbs, err := t.tx.ListCallbacks(ctx, storage.CallbackFilter{State: policy.Scheduled, CustomerID: t.cust.ID, Limit: 1})
	if err != nil || len(cbs) == 0 {
		return err
	}
	cb := cbs[0]
	return t.reply(ctx, storage.AuthorBot, nil, Reply{Text: t.e.texts.Get(t.lang, TextStatusCallback,
		"ticket", storage.FormatTicket(callbackTicket(cb, t.conv.ID)), "phone", cb.Phone, "when", t.e.callbackWhen(t.lang, cb))})
}

// callbackTicket is the ticket a callback was booked for, else fallback.
func callbackTicket(cb storage.Callback, fallback uint64) uint64 {
	if cb.ConversationID != nil {
		return *cb.ConversationID
	}
	return fallback
}

// statusOfRequest says how the turn's ticket stands.
func (t *turn) statusOfRequest(ctx context.Context) error {
	switch t.conv.State {
	case storage.StateWaiting:
		return t.tellWaiting(ctx, TextStillWaiting)
	case storage.StateOpen:
		name := "An operator"
		if t.conv.OperatorID != nil {
			if op, err := t.tx.GetOperator(ctx, *t.conv.OperatorID); err == nil {
				name = op.Name
			}
		}
		return t.reply(ctx, storage.AuthorBot, nil, Reply{Text: t.text(TextStatusOpen, "operator", name)})
	case storage.StateResolved:
		return t.reply(ctx, storage.AuthorBot, nil, Reply{Text: t.text(TextStatusResolved)})
	}
	return t.reply(ctx, storage.AuthorBot, nil, Reply{Text: t.text(TextStatusBot), Buttons: t.e.menuButtons(t.lang)})
}

// menuButtons is the one-level menu: one row per option, then "Talk to a
// person", which is always there.
func (e *Engine) menuButtons(lang string) [][]Button {
	rows := make([][]Button, 0, len(e.settings.Menu)+1)
	for _, o := range e.settings.Menu {
		rows = append(rows, []Button{{Data: buttonMenuPfx + o.ID, Label: o.Label.In(lang, e.settings.DefaultLanguage)}})
	}
	return append(rows, []Button{{Data: ButtonPerson, Label: e.texts.Get(lang, TextPersonButton)}})
}

// helpedButtons follow an answer: "Yes, thanks" and "Talk to a person".
func (e *Engine) helpedButtons(lang string) [][]Button {
	return [][]Button{{
		{Data: ButtonHelped, Label: e.texts.Get(lang, TextHelpedYes)},
		{Data: ButtonPerson, Label: e.texts.Get(lang, TextPersonButton)},
	}}
}

func (e *Engine) option(id string) (config.MenuOption, bool) {
	for _, o := range e.settings.Menu {
		if o.ID == id {
			return o, true
		}
	}
	return config.MenuOption{}, false
}

// buttonLabel is what a pressed button said, for the conversation history.
func (e *Engine) buttonLabel(lang, data string) string {
	switch {
	case data == ButtonPerson:
		return e.texts.Get(lang, TextPersonButton)
	case data == ButtonCallback:
		return e.texts.Get(lang, TextCallbackButton)
	case data == ButtonHelped:
		return e.texts.Get(lang, TextHelpedYes)
	case data == buttonSurveyStop:
		return e.texts.Get(lang, TextSurveyStopButton)
	case strings.HasPrefix(data, buttonSurveyPfx):
		return strings.TrimPrefix(data, buttonSurveyPfx)
	case strings.HasPrefix(data, buttonMenuPfx):
		if o, ok := e.option(strings.TrimPrefix(data, buttonMenuPfx)); ok {
			return o.Label.In(lang, e.settings.DefaultLanguage)
		}
	}
	return data
}

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}

// mayHandOver tells, before the conversation is loaded, whether ev could
// hand it over (or reopen it) and so tell the customer their place in the
// queue: free text or media, the person commands and buttons, and
// anything on a call. A batch holding one has the queue counted with its
// prefetch; a guess wrong either way costs a count or a round trip, never
// a wrong answer.
func (e *Engine) mayHandOver(ev Event) bool {
	if ev.From.Channel == ChannelVoice {
		return true
	}
	switch ev.Kind {
	case KindText, KindMedia:
		return true
	case KindCommand:
		return ev.Command == "operator" || ev.Command == "person" || ev.Command == "human"
	case KindButton:
		if ev.Button == ButtonPerson {
			return true
		}
		id, isMenu := strings.CutPrefix(ev.Button, buttonMenuPfx)
		opt, ok := e.option(id)
		return isMenu && ok && opt.Kind == config.MenuOperator
	}
	return false
}
