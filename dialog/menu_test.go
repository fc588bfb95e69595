package dialog_test

import (
	"slices"
	"testing"

	"github.com/switchboardhq/switchboard/config"
	"github.com/switchboardhq/switchboard/dialog"
	"github.com/switchboardhq/switchboard/storage"
)

const fourOptionMenu = `
menu:
  - id: hours
    kind: answer
    label: {en: Opening hours, ru: Часы работы}
    answer: {en: We are open 9 to 6., ru: Мы работаем с 9 до 6.}
  - id: delivery
    kind: answer
    label: {en: Delivery, ru: Доставка}
    answer: Two to three days.
  - id: refund
    kind: operator
    queue: refunds
    label: {en: A refund, ru: Возврат}
  - id: order
    kind: operator
    queue: orders
    label: {en: My order, ru: Мой заказ}
`

func TestStartGreetsWithTicketAndMenu(t *testing.T) {
	cases := []struct {
		name       string
		settings   string
		lang       string
		wantData   []string
		wantLabels []string
	}{
		{
			name:       "default menu in English",
			lang:       "en",
			wantData:   []string{"m:hours", "m:order", "m:call", dialog.ButtonPerson},
			wantLabels: []string{"Opening hours", "A question about my order", "Call me back", "Talk to a person"},
		},
		{
			name:       "default menu in Russian",
			lang:       "ru",
			wantData:   []string{"m:hours", "m:order", "m:call", dialog.ButtonPerson},
			wantLabels: []string{"Часы работы", "Вопрос о заказе", "Перезвоните мне", "Поговорить с человеком"},
		},
		{
			name:       "four options still get the person button",
			settings:   fourOptionMenu,
			lang:       "en",
			wantData:   []string{"m:hours", "m:delivery", "m:refund", "m:order", dialog.ButtonPerson},
			wantLabels: []string{"Opening hours", "Delivery", "A refund", "My order", "Talk to a person"},
		},
		{
			name:       "four options in Russian",
			settings:   fourOptionMenu,
			lang:       "ru",
			wantData:   []string{"m:hours", "m:delivery", "m:refund", "m:order", dialog.ButtonPerson},
			wantLabels: []string{"Часы работы", "Доставка", "Возврат", "Мой заказ", "Поговорить с человеком"},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := newWorld(t, parseSettings(t, c.settings))
			res := w.command(customer(1, c.lang), "start")
			if res.Ticket != "SB-000001" || res.State != storage.StateBot || res.Outbox != 1 {
				t.Fatalf("result = %+v, want ticket SB-000001 in state bot with one reply", res)
			}
			r := w.lastReply(res.ConversationID)
			wantContains(t, "greeting", r.Text, "SB-000001")
			data, labels := buttons(r)
			if !slices.Equal(data, c.wantData) {
				t.Errorf("button data = %q, want %q", data, c.wantData)
			}
			if !slices.Equal(labels, c.wantLabels) {
				t.Errorf("button labels = %q, want %q", labels, c.wantLabels)
			}
			for _, row := range r.Buttons {
				if len(row) != 1 {
					t.Errorf("menu row %v has %d buttons, want one per row", row, len(row))
				}
			}
		})
	}
}

func TestTicketNumbersDifferBetweenCustomers(t *testing.T) {
	w := newWorld(t, config.DefaultSettings())
	seen := map[string]int{}
	for id := 1; id <= 3; id++ {
		res := w.command(customer(id, "en"), "start")
		if prev, ok := seen[res.Ticket]; ok {
			t.Fatalf("customers %d and %d share ticket %s", prev, id, res.Ticket)
		}
		seen[res.Ticket] = id
		if res.Ticket != storage.FormatTicket(res.ConversationID) {
			t.Errorf("ticket %s does not name conversation %d", res.Ticket, res.ConversationID)
		}
		wantContains(t, "greeting", w.lastReply(res.ConversationID).Text, res.Ticket)
	}
}

func TestAnswerOptionAsksWhetherItHelped(t *testing.T) {
	w := newWorld(t, config.DefaultSettings())
	ann := customer(1, "en")
	start := w.command(ann, "start")

	res := w.press(ann, "m:hours")
	if res.State != storage.StateBot || res.ConversationID != start.ConversationID {
		t.Fatalf("after an answer: %+v, want the same conversation still with the bot", res)
	}
	r := w.lastReply(res.ConversationID)
	wantContains(t, "answer", r.Text, "We answer every day", "Did this help?")
	if got, want := buttonData(r), []string{dialog.ButtonHelped, dialog.ButtonPerson}; !slices.Equal(got, want) {
		t.Errorf("buttons under the answer = %q, want %q", got, want)
	}
	msgs := w.messages(res.ConversationID)
	if pressed := msgs[len(msgs)-2]; pressed.Direction != storage.Inbound || pressed.Text != "Opening hours" {
		t.Errorf("the press is recorded as %q (%s), want the button's label inbound", pressed.Text, pressed.Direction)
	}

	res = w.press(ann, dialog.ButtonHelped)
	if res.State != storage.StateResolved {
		t.Fatalf("after %q: state %s, want resolved", dialog.ButtonHelped, res.State)
	}
	wantContains(t, "closing text", w.lastReply(res.ConversationID).Text, "Glad we could help", start.Ticket)
	if conv := w.conversation(res.ConversationID); conv.ResolvedAt == nil || conv.OperatorID != nil {
		t.Errorf("resolved by the bot: resolved_at %v, operator %v; want a time and no operator", conv.ResolvedAt, conv.OperatorID)
	}
}

func TestHelpedWithoutAnAnswerChangesNothing(t *testing.T) {
	w := newWorld(t, config.DefaultSettings())
	ann := customer(1, "en")
	start := w.command(ann, "start")
	res := w.press(ann, dialog.ButtonHelped)
	if res.State != storage.StateBot || res.Outbox != 0 {
		t.Fatalf("an old %q button after the greeting: %+v, want still in the menu and no reply", dialog.ButtonHelped, res)
	}
	if got := len(w.replies(start.ConversationID)); got != 1 {
		t.Errorf("replies = %d, want only the greeting", got)
	}
}

func TestTypingInTheMenuHandsOverWithTheText(t *testing.T) {
	w := newWorld(t, config.DefaultSettings())
	ann := customer(1, "en")
	w.command(ann, "start")
	res := w.text(ann, "My parcel never arrived")
	if res.State != storage.StateWaiting {
		t.Fatalf("state = %s, want waiting", res.State)
	}
	conv := w.conversation(res.ConversationID)
	if conv.FirstText != "My parcel never arrived" || conv.HandedOverAt == nil {
		t.Errorf("first_text = %q, handed_over_at %v; want the typed text and a time", conv.FirstText, conv.HandedOverAt)
	}
	wantContains(t, "handover", w.lastReply(res.ConversationID).Text, "a person will answer", "number 1")
}

func TestFirstTextOfNewCustomerGetsGreetingNotHandover(t *testing.T) {
	w := newWorld(t, config.DefaultSettings())
	res := w.text(customer(1, "en"), "hello?")
	if res.State != storage.StateBot {
		t.Fatalf("state = %s, want bot (greeting first)", res.State)
	}
	r := w.lastReply(res.ConversationID)
	wantContains(t, "reply", r.Text, "Thank you for writing to us", res.Ticket)
	if got := buttonData(r); len(got) == 0 || got[len(got)-1] != dialog.ButtonPerson {
		t.Errorf("buttons = %q, want the menu ending in %q", got, dialog.ButtonPerson)
	}
	msgs := w.messages(res.ConversationID)
	if len(msgs) != 2 || msgs[0].Direction != storage.Inbound || msgs[0].Text != "hello?" || msgs[0].Kind != "text" {
		t.Fatalf("messages = %+v, want the customer's text then the greeting", msgs)
	}
	if conv := w.conversation(res.ConversationID); conv.FirstText != "hello?" {
		t.Errorf("first_text = %q, want the customer's first words", conv.FirstText)
	}
}

func TestWhatTheBotCannotPlaceShowsTheMenuAgain(t *testing.T) {
	cases := []struct {
		name string
		ev   dialog.Event
		want string
	}{
		{"unknown command", dialog.Event{Kind: dialog.KindCommand, Command: "frobnicate"}, "don't know that command"},
		{"button from an old menu", dialog.Event{Kind: dialog.KindButton, Button: "m:retired-option"}, "How can we help with request SB-000001"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := newWorld(t, config.DefaultSettings())
			ann := customer(1, "en")
			start := w.command(ann, "start")
			res := w.handle(ann, c.ev)
			if res.ConversationID != start.ConversationID || res.State != storage.StateBot {
				t.Fatalf("result = %+v, want the same ticket still in the menu", res)
			}
			r := w.lastReply(res.ConversationID)
			wantContains(t, "reply", r.Text, c.want)
			if got, want := buttonData(r), []string{"m:hours", "m:order", "m:call", dialog.ButtonPerson}; !slices.Equal(got, want) {
				t.Errorf("buttons = %q, want today's menu %q", got, want)
			}
		})
	}
}
