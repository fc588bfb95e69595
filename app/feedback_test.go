package app_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/app"
	"github.com/switchboardhq/switchboard/feedback"
	"github.com/switchboardhq/switchboard/internal/faketelegram"
)

// TestSurveyJourneyOnTelegram: a resolved ticket's survey reaches the
// customer a day later through the real Bot API client, buttons and all;
// their score and comment come back through the webhook and show in the
// API, and a redelivered press is handled once.
func TestSurveyJourneyOnTelegram(t *testing.T) {
	clock := &shiftedClock{start: time.Now()}
	h := start(t, withOptions(func(o *app.Options) {
		o.Clock = clock.Now
		o.Surveys = feedback.Config{Interval: 20 * time.Millisecond}
	}))
	h.send(faketelegram.CommandUpdate(1, ann, "start", ""))
	greeting := h.waitSent(1)[0]
	h.send(faketelegram.CallbackUpdate(2, ann, greeting.MessageID, "op"))
	h.waitSent(2)
	const id = 1
	token := h.claimAndResolve(id)
	h.waitSent(4)
	var conv struct {
		ResolvedAt  time.Time  `json:"resolved_at"`
		SurveyDueAt *time.Time `json:"survey_due_at"`
		Survey      struct {
			State string `json:"state"`
			Score *int   `json:"score"`
		} `json:"survey"`
		Messages []struct {
			Text  string `json:"text"`
			Label string `json:"label"`
		} `json:"messages"`
	}
	h.call(http.MethodGet, fmt.Sprintf("/api/v1/conversations/%d", id), token, nil, &conv)
	if conv.SurveyDueAt == nil || conv.SurveyDueAt.Sub(conv.ResolvedAt).Round(time.Minute) != 24*time.Hour {
		t.Fatalf("survey_due_at %v for a ticket resolved %v, want a day later", conv.SurveyDueAt, conv.ResolvedAt)
	}
	time.Sleep(100 * time.Millisecond)
	if n := len(h.tg.SentMessages()); n != 4 {
		t.Fatalf("%d messages before the survey was due, want 4", n)
	}

	clock.Skip(24 * time.Hour)
	survey := h.waitSent(5)[4]
	rows := survey.ReplyMarkup.Inline
	if !strings.Contains(survey.Text, "0 (not at all) to 10") || len(rows) != 3 || len(rows[0]) != 6 || len(rows[1]) != 5 ||
		rows[0][0].CallbackData != "sv:0" || rows[1][4].Text != "10" || rows[2][0].CallbackData != "sv:stop" {
		t.Fatalf("survey %q with keyboard %+v", survey.Text, rows)
	}
	press := faketelegram.CallbackUpdate(5, ann, survey.MessageID, "sv:9")
	h.send(press)
	if asked := h.waitSent(6)[5]; !strings.Contains(asked.Text, "What did you like most?") {
		t.Fatalf("after a 9: %q", asked.Text)
	}
	h.send(press) // Telegram redelivers
	h.send(faketelegram.TextUpdate(6, ann, "Fast and friendly, thank you"))
	if thanks := h.waitSent(7)[6]; !strings.Contains(thanks.Text, "Thank you for your feedback") {
		t.Fatalf("after the comment: %q", thanks.Text)
	}
	time.Sleep(100 * time.Millisecond)
	if n := len(h.tg.SentMessages()); n != 7 {
		t.Fatalf("%d messages sent, want 7: the redelivered press was handled twice", n)
	}
	h.call(http.MethodGet, fmt.Sprintf("/api/v1/conversations/%d", id), token, nil, &conv)
	if conv.Survey.State != "answered" || conv.Survey.Score == nil || *conv.Survey.Score != 9 {
		t.Fatalf("survey = %+v", conv.Survey)
	}
	last := conv.Messages[len(conv.Messages)-2]
	if last.Text != "Fast and friendly, thank you" || last.Label != "thanks" {
		t.Fatalf("the comment %+v, want it labelled thanks", last)
	}
	resp, err := http.Get(h.base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if !strings.Contains(string(body), `switchboard_surveys_total{outcome="sent"}`) {
		t.Error("/metrics does not count the survey sent")
	}
}

// TestSurveyBySMSAndTheFollowUpItOpens: by SMS the survey asks for a
// digit; a 4 and a complaint come back through Twilio's signed webhook,
// and the feedback owner — here the supervisor — finds one follow-up.
func TestSurveyBySMSAndTheFollowUpItOpens(t *testing.T) {
	clock := &shiftedClock{start: time.Now()}
	w := startSMS(t, withOptions(func(o *app.Options) {
		o.Clock = clock.Now
		o.Surveys = feedback.Config{Interval: 20 * time.Millisecond}
	}))
	w.text(smsAnn, "Hello")
	w.waitSMS(1)
	w.text(smsAnn, "0")
	w.waitSMS(2)
	const id = 1
	token := w.claimAndResolve(id)
	w.waitSMS(4)
	clock.Skip(24 * time.Hour)
	if survey := w.waitSMS(5)[4]; survey.To != smsAnn || !strings.Contains(survey.Body, "Reply with a number from 0 (not at all) to 10") {
		t.Fatalf("survey SMS %+v", survey)
	}
	w.text(smsAnn, "4")
	if asked := w.waitSMS(6)[5]; !strings.Contains(asked.Body, "What could we do better?") {
		t.Fatalf("after a 4: %q", asked.Body)
	}
	w.text(smsAnn, "The courier was rude")
	if thanks := w.waitSMS(7)[6]; !strings.Contains(thanks.Body, "Thank you for your feedback") {
		t.Fatalf("after the comment: %q", thanks.Body)
	}
	var list struct {
		FollowUps []struct {
			Kind    string `json:"kind"`
			Score   *int   `json:"score"`
			Summary string `json:"summary"`
			Ticket  string `json:"ticket"`
		} `json:"followups"`
	}
	w.call(http.MethodGet, "/api/v1/followups?state=open", token, nil, &list)
	if len(list.FollowUps) != 1 || list.FollowUps[0].Kind != "complaint" || *list.FollowUps[0].Score != 4 ||
		list.FollowUps[0].Summary != "The courier was rude" || list.FollowUps[0].Ticket != "SB-000001" {
		t.Fatalf("follow-ups = %+v", list.FollowUps)
	}
}

// claimAndResolve logs the first supervisor in, has them claim and resolve
// conversation id, and returns their token.
func (h *harness) claimAndResolve(id uint64) string {
	h.t.Helper()
	token := h.login(adminEmail, adminPassword)
	for _, step := range []string{"claim", "resolve"} {
		if code := h.call(http.MethodPost, fmt.Sprintf("/api/v1/conversations/%d/%s", id, step), token, nil, nil); code != http.StatusOK {
			h.t.Fatalf("%s: status %d", step, code)
		}
	}
	return token
}
