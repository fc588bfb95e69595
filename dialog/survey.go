package dialog

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/switchboardhq/switchboard/feedback/label"
	"github.com/switchboardhq/switchboard/metrics"
	"github.com/switchboardhq/switchboard/storage"
)

// Survey steps of a resolved conversation: its question went out and a
// score is awaited, or the score came and the open question is asked.
const (
	stepSurvey        = "survey"
	stepSurveyComment = "survey:comment"
)

// Survey buttons: "sv:<score>" and the opt-out.
const (
	buttonSurveyPfx  = "sv:"
	buttonSurveyStop = "sv:stop"
)

// ProactiveWindow is the span proactive_per_day counts over.
const ProactiveWindow = 24 * time.Hour

// scheduleSurvey plans the survey of the conversation just resolved:
// survey.delay after now (survey.after_complaint for a ticket with a
// complaint), out of the customer's quiet hours; or skipped at once, with
// the reason, for a customer who opted out or cannot be written to. A
// ticket surveyed before keeps its survey: it is never asked twice.
func (t *turn) scheduleSurvey(ctx context.Context) error {
	delay := t.e.settings.Survey.Delay
	complained, err := t.tx.ConversationHasLabel(ctx, t.conv.ID, label.Complaint)
	if err != nil {
		return err
	}
	if complained {
		delay = t.e.settings.Survey.AfterComplaint
	}
	due := t.outOfQuietHours(t.now.Add(delay))
	_, err = t.tx.ScheduleSurvey(ctx, t.conv, due, t.surveyBlocked())
	return err
}

// surveyBlocked is why no survey can go to the turn's customer, or "".
func (t *turn) surveyBlocked() string {
	switch {
	case t.cust.ProactiveOptOut, t.ident.OptedOut:
		return storage.SkipOptedOut
	case t.ident.Unreachable, t.ident.Channel == ChannelVoice && (!t.e.textCallers || t.ident.Address == ""):
		// A call cannot wait for an answer; a text can, when SMS is on.
		return storage.SkipUnreachable
	}
	return ""
}

// surveyByText moves a caller's resolved ticket to the SMS identity of
// the number they called from, so the survey goes by text and the answer
// finds its ticket: from now on the ticket continues by SMS. It reports
// false, changing nothing, when that number has a newer conversation by
// SMS, where the answer would land.
func (t *turn) surveyByText(ctx context.Context) (bool, error) {
	number := t.ident.Address
	sms, _, err := t.tx.FindOrCreateIdentity(ctx, storage.Contact{Channel: ChannelSMS, ExternalID: number, Address: number, Phone: number})
	if err != nil {
		return false, err
	}
	latest, err := t.tx.LatestConversation(ctx, sms.ID)
	switch {
	case err == nil && latest.CreatedAt.After(t.conv.CreatedAt):
		return false, nil
	case err != nil && !errors.Is(err, storage.ErrNotFound):
		return false, err
	}
	t.ident, t.conv.IdentityID = sms, sms.ID
	return true, nil
}

// outOfQuietHours is at, or when the customer's quiet hours end if at
// falls in them (on their own clock: see customerZone).
func (t *turn) outOfQuietHours(at time.Time) time.Time {
	return t.e.slots.Quiet.End(at, t.customerZone(t.cust.Phone))
}

// SendSurvey sends scheduled survey id if it may go now, in one
// transaction with the mark that it went, so it goes once however many
// processes try. A survey due in the customer's quiet hours moves to
// their morning; one for a customer who opted out, cannot be reached,
// has written since about a newer request, or had proactive_per_day
// proactive messages in the last 24 hours is skipped with the reason. It
// reports whether the question went out.
func (e *Engine) SendSurvey(ctx context.Context, id uint64) (bool, error) {
	var (
		t       *turn
		outcome string
	)
	err := e.store.Tx(ctx, func(tx *storage.Storage) error {
		var err error
		t, outcome, err = e.sendSurveyTx(ctx, tx, id)
		return err
	})
	if err != nil {
		return false, fmt.Errorf("send survey %d: %w", id, err)
	}
	if outcome != "" {
		metrics.Surveys.WithLabelValues(outcome).Inc()
	}
	e.afterTelling(t)
	return t != nil, nil
}

// sendSurveyTx is SendSurvey's transaction: the turn that wrote the
// question (nil when none went) and what became of the survey — sent,
// postponed, held, or skipped with the reason ("" when it was no longer
// scheduled).
func (e *Engine) sendSurveyTx(ctx context.Context, tx *storage.Storage, id uint64) (*turn, string, error) {
	sv, err := tx.GetSurvey(ctx, id)
	if err != nil || sv.State != storage.SurveyScheduled {
		return nil, "", err
	}
	skip := func(reason string) (*turn, string, error) {
		_, err := tx.SkipSurvey(ctx, id, reason)
		return nil, "skipped: " + reason, err
	}
	conv, err := tx.GetConversation(ctx, sv.ConversationID)
	if err != nil {
		return nil, "", err
	}
	t, err := e.turnOn(ctx, tx, conv)
	if err != nil {
		return nil, "", err
	}
	if conv.State != storage.StateResolved {
		return nil, "held", tx.HoldSurvey(ctx, conv.ID)
	}
	if t.ident.Channel == ChannelVoice && t.surveyBlocked() == "" {
		ok, err := t.surveyByText(ctx)
		if err != nil {
			return nil, "", err
		}
		if !ok {
			return skip(storage.SkipNewerRequest)
		}
	} else if latest, err := tx.LatestConversation(ctx, t.ident.ID); err != nil {
		return nil, "", err
	} else if latest.ID != conv.ID {
		return skip(storage.SkipNewerRequest)
	}
	if reason := t.surveyBlocked(); reason != "" {
		return skip(reason)
	}
	if at := t.outOfQuietHours(t.now); at.After(t.now) {
		_, err := tx.PostponeSurvey(ctx, id, at)
		return nil, "postponed", err
	}
	if capped, err := t.capped(ctx); err != nil || capped {
		if err != nil {
			return nil, "", err
		}
		return skip(storage.SkipCapped)
	}
	if _, err := tx.ClaimSurvey(ctx, id, t.now); err != nil {
		return nil, "", err
	}
	if err := t.proactive(ctx, t.surveyQuestion()); err != nil {
		return nil, "", err
	}
	t.conv.Step, t.conv.LastMessageAt = stepSurvey, t.now
	if err := tx.SaveConversation(ctx, &t.conv); err != nil {
		return nil, "", err
	}
	t.emitConversation()
	return t, "sent", nil
}

// surveyQuestion is the 0 to 10 question: buttons on Telegram, a reply
// with digits elsewhere.
func (t *turn) surveyQuestion() Reply {
	if t.ident.Channel != ChannelTelegram {
		return Reply{Text: t.text(TextSurveyQuestionSMS)}
	}
	row := func(from, to int) []Button {
		var out []Button
		for n := from; n <= to; n++ {
			s := strconv.Itoa(n)
			out = append(out, Button{Data: buttonSurveyPfx + s, Label: s})
		}
		return out
	}
	return Reply{Text: t.text(TextSurveyQuestion), Buttons: [][]Button{row(0, 5), row(6, 10),
		{{Data: buttonSurveyStop, Label: t.text(TextSurveyStopButton)}}}}
}

// capped reports whether proactive_per_day proactive messages went to the
// turn's customer in the last ProactiveWindow, on any channel.
func (t *turn) capped(ctx context.Context) (bool, error) {
	n, err := t.tx.ProactiveSince(ctx, t.cust.ID, t.now.Add(-ProactiveWindow))
	return n >= t.e.settings.ProactivePerDay, err
}

// proactive writes r as a proactive message: one the customer did not ask
// for, counted against proactive_per_day.
func (t *turn) proactive(ctx context.Context, r Reply) error {
	t.markProactive = true
	defer func() { t.markProactive = false }()
	return t.reply(ctx, storage.AuthorBot, nil, r)
}

// surveyAnswer handles ev when the conversation waits for a survey
// answer; it reports false for an event that is no answer, which then
// goes on as a message about the resolved ticket.
func (t *turn) surveyAnswer(ctx context.Context, ev Event) (bool, error) {
	if ev.Kind == KindButton && ev.Button == buttonSurveyStop {
		// Pressed any time after, it still holds.
		if err := t.tx.SetProactiveOptOut(ctx, t.cust.ID, true); err != nil {
			return true, err
		}
		if _, err := t.tx.SkipCustomerSurveys(ctx, t.cust.ID, "", storage.SkipOptedOut); err != nil {
			return true, err
		}
		if strings.HasPrefix(t.conv.Step, stepSurvey) {
			t.conv.Step = ""
		}
		return true, t.reply(ctx, storage.AuthorBot, nil, Reply{Text: t.text(TextSurveyStopped)})
	}
	// A score pressed twice, or on a survey's keyboard after it ended, is
	// no menu choice: say the survey is closed.
	pressed := ev.Kind == KindButton && strings.HasPrefix(ev.Button, buttonSurveyPfx)
	closed := func() (bool, error) {
		return true, t.reply(ctx, storage.AuthorBot, nil, Reply{Text: t.text(TextSurveyClosed)})
	}
	if t.conv.State != storage.StateResolved || !strings.HasPrefix(t.conv.Step, stepSurvey) {
		if pressed {
			return closed()
		}
		return false, nil
	}
	sv, err := t.tx.SurveyOf(ctx, t.conv.ID)
	if errors.Is(err, storage.ErrNotFound) {
		t.conv.Step = ""
		return false, nil
	}
	if err != nil {
		return false, err
	}
	switch t.conv.Step {
	case stepSurvey:
		score, ok := surveyScore(ev)
		if !ok || sv.State != storage.SurveySent {
			if pressed {
				return closed()
			}
			return false, nil
		}
		if _, err := t.tx.ScoreSurvey(ctx, sv.ID, score, t.now); err != nil {
			return true, err
		}
		if score <= 6 {
			if err := t.followUp(ctx, storage.FollowUpDetractor, nil, &score); err != nil {
				return true, err
			}
		}
		t.conv.Step = stepSurveyComment
		key := TextSurveyAskBetter
		if score >= 9 {
			key = TextSurveyAskLiked
		}
		return true, t.reply(ctx, storage.AuthorBot, nil, Reply{Text: t.text(key, "score", strconv.Itoa(score))})
	case stepSurveyComment:
		if pressed {
			return closed()
		}
		if ev.Kind != KindText || strings.TrimSpace(ev.Text) == "" || sv.State != storage.SurveyScored || sv.Score == nil {
			return false, nil
		}
		if err := t.labelInbound(ctx, t.e.labels.ForScore(ev.Text, *sv.Score), sv.OperatorID); err != nil {
			return true, err
		}
		if _, err := t.tx.CommentSurvey(ctx, sv.ID, t.inbound.ID, t.now); err != nil {
			return true, err
		}
		t.conv.Step = ""
		return true, t.reply(ctx, storage.AuthorBot, nil, Reply{Text: t.text(TextSurveyThanks)})
	}
	return false, nil
}

// surveyScore reads a score from a survey button or a typed 0 to 10.
func surveyScore(ev Event) (int, bool) {
	var raw string
	switch ev.Kind {
	case KindButton:
		s, ok := strings.CutPrefix(ev.Button, buttonSurveyPfx)
		if !ok {
			return 0, false
		}
		raw = s
	case KindText:
		raw = strings.TrimSpace(ev.Text)
	default:
		return 0, false
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < 0 || n > 10 {
		return 0, false
	}
	return n, true
}

// labelInbound labels the event's stored message by the rules, once it
// has its id (written now if a batch held it back), crediting the
// feedback to operator credit (if any).
func (t *turn) labelInbound(ctx context.Context, l string, credit *uint64) error {
	if t.inbound == nil || l == "" {
		return nil
	}
	if err := t.tx.Flush(ctx); err != nil {
		return err
	}
	m, err := t.tx.SetMessageLabel(ctx, t.inbound.ID, l, LabelByRules, credit)
	if err != nil {
		return err
	}
	t.inbound.Label, t.inbound.LabelSource = m.Label, m.LabelSource
	if l == label.Complaint {
		return t.followUp(ctx, storage.FollowUpComplaint, &m, nil)
	}
	return nil
}

// Who set a message's label.
const (
	LabelByRules    = "rules"
	LabelByOperator = "operator"
)

// labelAboutResolved labels what a customer wrote about their resolved
// ticket — by the rules, else as a question to answer — credited to the
// operator who resolved it, and returns the label ("" for no text).
func (t *turn) labelAboutResolved(ctx context.Context, ev Event) (string, error) {
	if ev.Kind != KindText || strings.TrimSpace(ev.Text) == "" {
		return "", nil
	}
	l := t.e.labels.Label(ev.Text)
	if l == "" {
		l = label.Question
	}
	return l, t.labelInbound(ctx, l, t.conv.OperatorID)
}
