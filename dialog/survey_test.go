package dialog_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/dialog"
	"github.com/switchboardhq/switchboard/feedback/label"
	"github.com/switchboardhq/switchboard/storage"
)

const berlinHours = "business_hours: {time_zone: Europe/Berlin}\n"

// resolved hands c over, has a new operator claim and resolve the ticket,
// and returns the conversation and the operator.
func (w *world) resolved(c storage.Contact, name string) (storage.Conversation, storage.Operator) {
	w.t.Helper()
	res, op := w.claimed(c, name)
	conv, err := w.engine.Resolve(w.t.Context(), res.ConversationID, op)
	if err != nil {
		w.t.Fatalf("resolve: %v", err)
	}
	return conv, op
}

func (w *world) survey(convID uint64) storage.Survey {
	w.t.Helper()
	sv, err := w.store.SurveyOf(w.t.Context(), convID)
	if err != nil {
		w.t.Fatal(err)
	}
	return sv
}

// sendDue sends every survey due now, as the scheduler does, and returns
// the conversations whose question went out.
func (w *world) sendDue() []uint64 {
	w.t.Helper()
	due, err := w.store.SurveysDue(w.t.Context(), w.clock.Now())
	if err != nil {
		w.t.Fatal(err)
	}
	var sent []uint64
	for _, sv := range due {
		ok, err := w.engine.SendSurvey(w.t.Context(), sv.ID)
		if err != nil {
			w.t.Fatalf("send survey %d: %v", sv.ID, err)
		}
		if ok {
			sent = append(sent, sv.ConversationID)
		}
	}
	return sent
}

func TestSurveyGoesOutADayAfterResolvingThenAsksWhy(t *testing.T) {
	w := newWorld(t, parseSettings(t, berlinHours))
	ann := customer(801, "en")
	conv, op := w.resolved(ann, "Olga")

	sv := w.survey(conv.ID)
	if sv.State != storage.SurveyScheduled || !sv.DueAt.Equal(monday10.Add(24*time.Hour)) || *sv.OperatorID != op.ID {
		t.Fatalf("survey after resolving = %+v, want scheduled a day later for operator %d", sv, op.ID)
	}
	w.clock.Advance(23 * time.Hour)
	if sent := w.sendDue(); len(sent) != 0 {
		t.Fatalf("survey sent an hour early: %v", sent)
	}
	w.clock.Advance(time.Hour)
	if sent := w.sendDue(); !slices.Equal(sent, []uint64{conv.ID}) {
		t.Fatalf("sent at its time: %v", sent)
	}
	q := w.lastReply(conv.ID)
	wantContains(t, "survey question", q.Text, "0", "10", conv.Ticket())
	data, labels := buttons(q)
	if len(data) != 12 || data[0] != "sv:0" || data[10] != "sv:10" || labels[10] != "10" || data[11] != "sv:stop" {
		t.Fatalf("survey buttons = %v %v", data, labels)
	}
	msgs := w.messages(conv.ID)
	if last := msgs[len(msgs)-1]; !last.Proactive {
		t.Error("the survey question is not marked proactive")
	}
	if sent := w.sendDue(); len(sent) != 0 {
		t.Fatal("the survey went out twice")
	}

	res := w.press(ann, "sv:3")
	if res.ConversationID != conv.ID || res.State != storage.StateResolved {
		t.Fatalf("a score reopened or left the ticket: %+v", res)
	}
	wantContains(t, "after a 3", w.lastReply(conv.ID).Text, "better")
	res = w.text(ann, "The courier was rude")
	if res.State != storage.StateResolved {
		t.Fatalf("the comment reopened the ticket: state %s", res.State)
	}
	wantContains(t, "after the comment", w.lastReply(conv.ID).Text, "Thank you for your feedback")
	sv = w.survey(conv.ID)
	if sv.State != storage.SurveyAnswered || *sv.Score != 3 || sv.CommentID == nil {
		t.Fatalf("answered survey = %+v", sv)
	}
	msgs = w.messages(conv.ID)
	var comment storage.Message
	for _, m := range msgs {
		if m.ID == *sv.CommentID {
			comment = m
		}
	}
	if comment.Text != "The courier was rude" || comment.Label != label.Complaint || comment.LabelSource != dialog.LabelByRules {
		t.Fatalf("comment = %+v, want it labelled a complaint by the rules", comment)
	}

	// Written to again, then resolved again: never surveyed twice.
	w.text(ann, "One more thing: where is my invoice?")
	if _, err := w.engine.Resolve(t.Context(), conv.ID, op); err != nil {
		t.Fatal(err)
	}
	if sv := w.survey(conv.ID); sv.State != storage.SurveyAnswered {
		t.Fatalf("survey after resolving again = %+v", sv)
	}
	w.clock.Advance(72 * time.Hour)
	if sent := w.sendDue(); len(sent) != 0 {
		t.Fatal("a ticket was surveyed twice")
	}
}

func TestPromoterIsAskedWhatTheyLikedAndThanksAreLabelled(t *testing.T) {
	w := newWorld(t, parseSettings(t, berlinHours))
	ann := customer(802, "ru")
	conv, _ := w.resolved(ann, "Olga")
	w.clock.Advance(24 * time.Hour)
	w.sendDue()
	w.press(ann, "sv:10")
	wantContains(t, "after a 10", w.lastReply(conv.ID).Text, "понравилось")
	w.text(ann, "Всё быстро, спасибо!")
	sv := w.survey(conv.ID)
	msgs := w.messages(conv.ID)
	for _, m := range msgs {
		if sv.CommentID != nil && m.ID == *sv.CommentID && m.Label != label.Thanks {
			t.Fatalf("comment label %q, want thanks", m.Label)
		}
	}
	if sv.State != storage.SurveyAnswered || *sv.Score != 10 {
		t.Fatalf("survey = %+v", sv)
	}
}

func TestSurveyOnSMSTakesADigit(t *testing.T) {
	w := newWorld(t, parseSettings(t, berlinHours))
	bob := smsCustomer("+4915112345678")
	conv, _ := w.resolved(bob, "Olga")
	w.clock.Advance(24 * time.Hour)
	w.sendDue()
	q := w.lastReply(conv.ID)
	if len(q.Buttons) != 0 {
		t.Fatalf("an SMS survey has buttons: %+v", q.Buttons)
	}
	wantContains(t, "SMS survey", q.Text, "Reply with a number from 0")
	w.text(bob, " 7 ")
	wantContains(t, "after a 7", w.lastReply(conv.ID).Text, "better")
	w.text(bob, "ok")
	sv := w.survey(conv.ID)
	if sv.State != storage.SurveyAnswered || *sv.Score != 7 {
		t.Fatalf("survey = %+v", sv)
	}
	var comment storage.Message
	for _, m := range w.messages(conv.ID) {
		if m.ID == *sv.CommentID {
			comment = m
		}
	}
	if comment.Label != label.Question {
		t.Errorf("a passive's plain comment is labelled %q, want question", comment.Label)
	}
}

func TestSurveyTiming(t *testing.T) {
	cases := []struct {
		name     string
		yaml     string
		resolve  time.Time
		complain bool
		want     time.Time
	}{
		{"the default delay is a day", berlinHours, monday10, false, monday10.Add(24 * time.Hour)},
		{"survey.delay sets it", berlinHours + "survey: {delay: 30h}", monday10, false, monday10.Add(30 * time.Hour)},
		{"due in quiet hours it waits for the morning", berlinHours + "survey: {delay: 12h}",
			time.Date(2026, 3, 9, 20, 0, 0, 0, berlin), false, time.Date(2026, 3, 10, 9, 0, 0, 0, berlin)},
		{"after a complaint survey.after_complaint applies", berlinHours, monday10, true, monday10.Add(48 * time.Hour)},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t, parseSettings(t, tc.yaml))
			w.clock.Set(tc.resolve)
			c := customer(810+i, "en")
			conv, op := w.resolved(c, "Olga")
			if tc.complain {
				w.text(c, "This is unacceptable, the parcel is broken")
				if _, err := w.engine.Resolve(t.Context(), conv.ID, op); err != nil {
					t.Fatal(err)
				}
			}
			if sv := w.survey(conv.ID); sv.State != storage.SurveyScheduled || !sv.DueAt.Equal(tc.want) {
				t.Fatalf("survey due %s (%s), want %s", sv.DueAt.In(berlin), sv.State, tc.want)
			}
		})
	}
}

func TestSurveyDueInQuietHoursMovesToTheMorning(t *testing.T) {
	// The customer's zone changes after the survey was planned: at its
	// time it is night for them, so it waits.
	w := newWorld(t, parseSettings(t, berlinHours))
	c := customer(820, "en")
	conv, _ := w.resolved(c, "Olga")
	if _, _, err := w.store.SetCustomerTimeZone(t.Context(), conv.CustomerID, "America/Los_Angeles"); err != nil {
		t.Fatal(err)
	}
	w.clock.Advance(24 * time.Hour) // 10:00 Berlin is 01:00 in California
	if sent := w.sendDue(); len(sent) != 0 {
		t.Fatal("a survey went out in the customer's night")
	}
	la := mustLoadLocation("America/Los_Angeles")
	sv := w.survey(conv.ID)
	if want := time.Date(2026, 3, 10, 9, 0, 0, 0, la); sv.State != storage.SurveyScheduled || !sv.DueAt.Equal(want) {
		t.Fatalf("survey = %s due %s, want scheduled for %s", sv.State, sv.DueAt.In(la), want)
	}
	w.clock.Set(time.Date(2026, 3, 10, 9, 0, 0, 0, la))
	if sent := w.sendDue(); len(sent) != 1 {
		t.Fatal("the survey did not go out in the customer's morning")
	}
}

func TestSurveysAreCappedPerCustomerPerDay(t *testing.T) {
	w := newWorld(t, parseSettings(t, berlinHours+"survey: {delay: 12h}"))
	w.clock.Set(time.Date(2026, 3, 9, 7, 0, 0, 0, berlin)) // due 19:00 and 20:00, out of quiet hours
	// One customer on two channels: the cap counts them together.
	const number = "+4915112345670"
	tg := customer(830, "en")
	tg.Phone = number
	first, _ := w.resolved(tg, "Olga")
	w.clock.Advance(time.Hour)
	second, _ := w.resolved(smsCustomer(number), "Pavel")
	if second.CustomerID != first.CustomerID {
		t.Fatal("the SMS ticket is another customer's")
	}
	w.clock.Advance(11 * time.Hour) // the first is due
	if sent := w.sendDue(); !slices.Equal(sent, []uint64{first.ID}) {
		t.Fatalf("sent %v, want the first ticket's", sent)
	}
	w.clock.Advance(time.Hour) // the second is due, within a day of the first
	if sent := w.sendDue(); len(sent) != 0 {
		t.Fatalf("a second survey within a day: %v", sent)
	}
	if sv := w.survey(second.ID); sv.State != storage.SurveySkipped || sv.SkipReason != storage.SkipCapped {
		t.Fatalf("second survey = %+v, want skipped: capped", sv)
	}
}

func TestNoSurveyOnceTheCustomerStartedANewRequest(t *testing.T) {
	w := newWorld(t, parseSettings(t, berlinHours))
	c := customer(835, "en")
	old, _ := w.resolved(c, "Olga")
	w.clock.Advance(time.Hour)
	if res := w.command(c, "start"); res.ConversationID == old.ID {
		t.Fatal("no new ticket")
	}
	w.clock.Advance(23 * time.Hour)
	if sent := w.sendDue(); len(sent) != 0 {
		t.Fatalf("the old ticket was surveyed into the new one: %v", sent)
	}
	if sv := w.survey(old.ID); sv.State != storage.SurveySkipped || sv.SkipReason != storage.SkipNewerRequest {
		t.Fatalf("old ticket's survey = %+v, want skipped: newer request", sv)
	}
}

func TestOptedOutCustomersGetNoSurvey(t *testing.T) {
	w := newWorld(t, parseSettings(t, berlinHours))
	c := customer(840, "en")
	conv, op := w.resolved(c, "Olga")
	w.clock.Advance(24 * time.Hour)
	w.sendDue()
	w.press(c, "sv:stop")
	wantContains(t, "opt-out", w.lastReply(conv.ID).Text, "not ask you")
	cust, err := w.store.GetCustomer(t.Context(), conv.CustomerID)
	if err != nil || !cust.ProactiveOptOut {
		t.Fatalf("customer after opting out = %+v, %v", cust, err)
	}
	w.command(c, "start")
	res := w.press(c, dialog.ButtonPerson)
	if _, err := w.engine.Claim(t.Context(), res.ConversationID, op); err != nil {
		t.Fatal(err)
	}
	if _, err := w.engine.Resolve(t.Context(), res.ConversationID, op); err != nil {
		t.Fatal(err)
	}
	if sv := w.survey(res.ConversationID); sv.State != storage.SurveySkipped || sv.SkipReason != storage.SkipOptedOut {
		t.Fatalf("survey of an opted-out customer = %+v", sv)
	}

	// SMS STOP opts out on that channel, surveys included.
	bob := smsCustomer("+4915112345679")
	bconv, _ := w.resolved(bob, "Pavel")
	w.text(bob, "STOP")
	w.clock.Advance(24 * time.Hour)
	if sent := w.sendDue(); len(sent) != 0 {
		t.Fatal("a survey went to a number that sent STOP")
	}
	if sv := w.survey(bconv.ID); sv.State != storage.SurveySkipped || sv.SkipReason != storage.SkipOptedOut {
		t.Fatalf("survey after STOP = %+v", sv)
	}
}

func TestMessagesAboutResolvedTicketsAreLabelled(t *testing.T) {
	w := newWorld(t, parseSettings(t, berlinHours))
	cases := []struct {
		text, want, state string
	}{
		{"Thank you so much!", label.Thanks, storage.StateResolved},
		{"Это ужасно, заказ так и не пришёл", label.Complaint, storage.StateWaiting},
		{"Can I change the address", label.Question, storage.StateWaiting},
		{"hello again", label.Question, storage.StateWaiting},
	}
	for i, tc := range cases {
		c := customer(850+i, "en")
		conv, op := w.resolved(c, fmt.Sprintf("Olga%d", i))
		res := w.text(c, tc.text)
		if res.State != tc.state {
			t.Errorf("%q left the ticket %s, want %s", tc.text, res.State, tc.state)
		}
		var got storage.Message
		for _, m := range w.messages(conv.ID) {
			if m.Text == tc.text {
				got = m
			}
		}
		if got.Label != tc.want || got.OperatorID == nil || *got.OperatorID != op.ID {
			t.Errorf("%q labelled %q credited to %v, want %q credited to operator %d", tc.text, got.Label, got.OperatorID, tc.want, op.ID)
		}
		if tc.want == label.Thanks {
			wantContains(t, "answer to thanks", w.lastReply(conv.ID).Text, "stays resolved")
		}
	}
}

// TestCallersAreSurveyedByText: with SMS on, a caller's resolved ticket is
// surveyed by text to the number they called from, and the texted answer
// finds the ticket; without SMS, a caller cannot be surveyed.
func TestCallersAreSurveyedByText(t *testing.T) {
	w := newWorld(t, parseSettings(t, berlinHours), func(o *dialog.Options) { o.TextCallers = true })
	c := caller("+4915112345600")
	res := w.callToAPerson(c, "CA100")
	op := w.operator("Olga")
	if _, err := w.engine.Claim(t.Context(), res.ConversationID, op); err != nil {
		t.Fatal(err)
	}
	if _, err := w.engine.Resolve(t.Context(), res.ConversationID, op); err != nil {
		t.Fatal(err)
	}
	if sv := w.survey(res.ConversationID); sv.State != storage.SurveyScheduled {
		t.Fatalf("a caller's survey = %+v, want scheduled", sv)
	}
	w.clock.Advance(24 * time.Hour)
	if sent := w.sendDue(); !slices.Equal(sent, []uint64{res.ConversationID}) {
		t.Fatalf("sent %v", sent)
	}
	items, err := w.store.ListOutbox(t.Context(), res.ConversationID)
	if err != nil {
		t.Fatal(err)
	}
	last := items[len(items)-1]
	if last.Channel != dialog.ChannelSMS || last.Address != c.Phone {
		t.Fatalf("the caller's survey went to %s %s, want an SMS to %s", last.Channel, last.Address, c.Phone)
	}
	text := smsCustomer(c.Phone)
	if got := w.text(text, "8"); got.ConversationID != res.ConversationID {
		t.Fatalf("the texted score went to conversation %d, want the call's %d", got.ConversationID, res.ConversationID)
	}
	w.text(text, "Shorter hold music")
	if sv := w.survey(res.ConversationID); sv.State != storage.SurveyAnswered || *sv.Score != 8 {
		t.Fatalf("survey = %+v", sv)
	}

	// A caller who has texted since about something else is not
	// surveyed: the texted answer would land in that newer request.
	other := caller("+4915112345602")
	res = w.callToAPerson(other, "CA300")
	if _, err := w.engine.Resolve(t.Context(), res.ConversationID, op); err != nil {
		t.Fatal(err)
	}
	w.clock.Advance(time.Hour)
	w.text(smsCustomer(other.Phone), "Another thing: my invoice")
	w.clock.Advance(24 * time.Hour)
	w.sendDue()
	if sv := w.survey(res.ConversationID); sv.State != storage.SurveySkipped || sv.SkipReason != storage.SkipNewerRequest {
		t.Fatalf("survey of a caller who texted since = %+v, want skipped: newer request", sv)
	}

	// Without SMS a call has nowhere a survey could wait for an answer.
	quiet := newWorld(t, parseSettings(t, berlinHours))
	res = quiet.callToAPerson(caller("+4915112345601"), "CA200")
	op = quiet.operator("Olga")
	if _, err := quiet.engine.Claim(t.Context(), res.ConversationID, op); err != nil {
		t.Fatal(err)
	}
	if _, err := quiet.engine.Resolve(t.Context(), res.ConversationID, op); err != nil {
		t.Fatal(err)
	}
	if sv := quiet.survey(res.ConversationID); sv.State != storage.SurveySkipped || sv.SkipReason != storage.SkipUnreachable {
		t.Fatalf("survey of a caller without SMS = %+v", sv)
	}
}

func TestAScorePressedTwiceOrLateIsNoMenuChoice(t *testing.T) {
	w := newWorld(t, parseSettings(t, berlinHours))
	c := customer(860, "en")
	conv, _ := w.resolved(c, "Olga")
	w.clock.Advance(24 * time.Hour)
	w.sendDue()
	w.press(c, "sv:8")
	w.press(c, "sv:9") // a double tap
	wantContains(t, "second press", w.lastReply(conv.ID).Text, "survey is closed")
	if sv := w.survey(conv.ID); *sv.Score != 8 {
		t.Fatalf("score %d, want the first press's 8", *sv.Score)
	}
	w.text(c, "All good")
	w.press(c, "sv:3") // the old keyboard, after it all
	wantContains(t, "late press", w.lastReply(conv.ID).Text, "survey is closed")
	w.press(c, "sv:stop") // still holds after the survey ended
	if cust, _ := w.store.GetCustomer(t.Context(), conv.CustomerID); !cust.ProactiveOptOut {
		t.Fatal("a late \"Don't ask me again\" did not opt the customer out")
	}
	if sv := w.survey(conv.ID); sv.State != storage.SurveyAnswered || *sv.Score != 8 {
		t.Fatalf("survey = %+v", sv)
	}
}
