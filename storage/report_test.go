package storage_test

import (
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/feedback/label"
	"github.com/switchboardhq/switchboard/storage"
	"github.com/switchboardhq/switchboard/storage/storagetest"
)

// reportDay is the first day of the reports' test period.
var reportDay = time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)

// ticket stores a resolved conversation of a new customer through channel,
// handled by operator (nil for none).
func ticket(t *testing.T, s *storage.Storage, channel string, operator *uint64) storage.Conversation {
	t.Helper()
	n := time.Now().UnixNano()
	ext := fmt.Sprintf("r%d", n)
	id, cust, err := s.FindOrCreateIdentity(t.Context(), storage.Contact{Channel: channel, ExternalID: ext, Address: ext, Name: "C" + ext})
	if err != nil {
		t.Fatal(err)
	}
	at := reportDay.Add(-time.Hour)
	conv := storage.Conversation{CustomerID: cust.ID, IdentityID: id.ID, Channel: channel, State: storage.StateResolved,
		OperatorID: operator, CreatedAt: at, HandedOverAt: &at, ResolvedAt: &at, LastMessageAt: at}
	if err := s.CreateConversation(t.Context(), &conv); err != nil {
		t.Fatal(err)
	}
	return conv
}

// scored has the customer of conv give score to its survey at at.
func scored(t *testing.T, s *storage.Storage, conv storage.Conversation, score int, at time.Time) {
	t.Helper()
	sv, err := s.ScheduleSurvey(t.Context(), conv, at.Add(-time.Hour), "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.ClaimSurvey(t.Context(), sv.ID, at.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ScoreSurvey(t.Context(), sv.ID, score, at); err != nil {
		t.Fatal(err)
	}
}

// said stores a customer message of conv, labelled l, written at at.
func said(t *testing.T, s *storage.Storage, conv storage.Conversation, l string, at time.Time) {
	t.Helper()
	m := storage.Message{ConversationID: conv.ID, Direction: storage.Inbound, Author: storage.AuthorCustomer, Kind: "text",
		Text: l + "!", Channel: conv.Channel, Label: l, LabelSource: "rules", CreatedAt: at}
	if err := s.InsertMessage(t.Context(), &m); err != nil {
		t.Fatal(err)
	}
}

func ptr[T any](v T) *T { return &v }

// The worked example of docs/reports.md: 10 answers (5 promoters, 2
// passives, 3 detractors) give an NPS of 20; with 3 thanks and 1 complaint
// the happiness index is (5+3)/(10+3+1).
func TestFeedbackReportCountsNPSAndHappinessAsWorkedByHand(t *testing.T) {
	s := storagetest.Open(t)
	ctx := t.Context()
	ann, bob := ptr(uint64(7)), ptr(uint64(9))
	from, to := reportDay, reportDay.AddDate(0, 0, 3)

	// Telegram, Ann: 10 9 9 7 0; SMS, Bob: 10 9 8 3 6.
	for i, score := range []int{10, 9, 9, 7, 0} {
		scored(t, s, ticket(t, s, "telegram", ann), score, from.Add(time.Duration(i)*time.Hour))
	}
	for i, score := range []int{10, 9, 8, 3, 6} {
		scored(t, s, ticket(t, s, "sms", bob), score, from.Add(25*time.Hour+time.Duration(i)*time.Minute))
	}
	tg := ticket(t, s, "telegram", ann)
	said(t, s, tg, label.Thanks, from.Add(2*time.Hour))
	said(t, s, tg, label.Thanks, from.Add(49*time.Hour))
	said(t, s, tg, label.Question, from.Add(49*time.Hour))
	none := ticket(t, s, "voice", nil)
	said(t, s, none, label.Thanks, from.Add(50*time.Hour))
	said(t, s, none, label.Complaint, from.Add(50*time.Hour))
	said(t, s, none, label.Question, from.Add(51*time.Hour))

	// Outside the period, or not feedback: none of these count.
	scored(t, s, ticket(t, s, "telegram", ann), 10, from.Add(-time.Second))
	scored(t, s, ticket(t, s, "telegram", ann), 0, to)
	said(t, s, tg, label.Complaint, to.Add(time.Minute))
	said(t, s, tg, "", from.Add(time.Hour))
	unscored := ticket(t, s, "telegram", ann)
	sv, err := s.ScheduleSurvey(ctx, unscored, from, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.ClaimSurvey(ctx, sv.ID, from.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}

	r, err := s.FeedbackReport(ctx, from, to, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	want := storage.FeedbackCounts{Responses: 10, Promoters: 5, Passives: 2, Detractors: 3, Thanks: 3, Complaints: 1, Questions: 2}
	if r.Total != want {
		t.Fatalf("total = %+v, want %+v", r.Total, want)
	}
	if nps, ok := r.Total.NPS(); !ok || nps != 20 {
		t.Errorf("NPS = %v, %v; want 20", nps, ok)
	}
	if h, ok := r.Total.HappinessIndex(); !ok || math.Abs(h-800.0/14) > 1e-9 {
		t.Errorf("happiness = %v, %v; want 57.142857…", h, ok)
	}

	wantChannels := []storage.ChannelFeedback{
		{"sms", storage.FeedbackCounts{Responses: 5, Promoters: 2, Passives: 1, Detractors: 2}},
		{"telegram", storage.FeedbackCounts{Responses: 5, Promoters: 3, Passives: 1, Detractors: 1, Thanks: 2, Questions: 1}},
		{"voice", storage.FeedbackCounts{Thanks: 1, Complaints: 1, Questions: 1}},
	}
	if fmt.Sprint(r.ByChannel) != fmt.Sprint(wantChannels) {
		t.Errorf("by channel = %+v\nwant %+v", r.ByChannel, wantChannels)
	}
	wantOperators := []storage.OperatorFeedback{
		{0, storage.FeedbackCounts{Thanks: 1, Complaints: 1, Questions: 1}},
		{7, storage.FeedbackCounts{Responses: 5, Promoters: 3, Passives: 1, Detractors: 1, Thanks: 2, Questions: 1}},
		{9, storage.FeedbackCounts{Responses: 5, Promoters: 2, Passives: 1, Detractors: 2}},
	}
	if fmt.Sprint(r.ByOperator) != fmt.Sprint(wantOperators) {
		t.Errorf("by operator = %+v\nwant %+v", r.ByOperator, wantOperators)
	}
	wantDays := []storage.DayFeedback{
		{"2026-03-02", storage.FeedbackCounts{Responses: 5, Promoters: 3, Passives: 1, Detractors: 1, Thanks: 1}},
		{"2026-03-03", storage.FeedbackCounts{Responses: 5, Promoters: 2, Passives: 1, Detractors: 2}},
		{"2026-03-04", storage.FeedbackCounts{Thanks: 2, Complaints: 1, Questions: 2}},
	}
	if fmt.Sprint(r.ByDay) != fmt.Sprint(wantDays) {
		t.Errorf("by day = %+v\nwant %+v", r.ByDay, wantDays)
	}
	if nps, _ := r.ByDay[1].NPS(); nps != 0 {
		t.Errorf("NPS of 2026-03-03 = %v, want 0 (2 promoters, 2 detractors)", nps)
	}
}

func TestFeedbackReportOfAQuietPeriodHasNoScoresButEveryDay(t *testing.T) {
	s := storagetest.Open(t)
	r, err := s.FeedbackReport(t.Context(), reportDay, reportDay.AddDate(0, 0, 2).Add(time.Hour), nil)
	if err != nil {
		t.Fatal(err)
	}
	if r.Total != (storage.FeedbackCounts{}) || len(r.ByChannel) != 0 || len(r.ByOperator) != 0 {
		t.Fatalf("report of nothing = %+v", r)
	}
	if _, ok := r.Total.NPS(); ok {
		t.Error("an NPS without responses")
	}
	if _, ok := r.Total.HappinessIndex(); ok {
		t.Error("a happiness index without feedback")
	}
	var days []string
	for _, d := range r.ByDay {
		days = append(days, d.Date)
	}
	if fmt.Sprint(days) != "[2026-03-02 2026-03-03 2026-03-04]" {
		t.Errorf("days = %v", days)
	}
}

func TestFeedbackReportCountsDaysInTheGivenZone(t *testing.T) {
	s := storagetest.Open(t)
	moscow := time.FixedZone("MSK", 3*60*60)
	conv := ticket(t, s, "telegram", nil)
	// 22:30 UTC on the 2nd is 01:30 on the 3rd in Moscow.
	scored(t, s, conv, 10, reportDay.Add(22*time.Hour+30*time.Minute))
	from := time.Date(2026, 3, 2, 0, 0, 0, 0, moscow)
	r, err := s.FeedbackReport(t.Context(), from, from.AddDate(0, 0, 2), moscow)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.ByDay) != 2 || r.ByDay[0].Responses != 0 || r.ByDay[1].Date != "2026-03-03" || r.ByDay[1].Promoters != 1 {
		t.Fatalf("days in Moscow = %+v", r.ByDay)
	}
}

func TestServiceReportMeasuresResponsesAndResolutions(t *testing.T) {
	s := storagetest.Open(t)
	ctx := t.Context()
	from, to := reportDay, reportDay.AddDate(0, 0, 1)

	// Handed over at 10:00 and answered 1, 2, 3 and 5 minutes later; the
	// last was answered once before, when it was first handed over.
	handed := from.Add(10 * time.Hour)
	for i, wait := range []time.Duration{time.Minute, 2 * time.Minute, 3 * time.Minute, 5 * time.Minute} {
		conv := ticket(t, s, "telegram", ptr(uint64(7)))
		conv.CreatedAt = handed.Add(-time.Duration(i+1) * 10 * time.Minute)
		conv.HandedOverAt = ptr(handed)
		conv.ResolvedAt = ptr(handed.Add(time.Hour))
		if err := s.SaveConversation(ctx, &conv); err != nil {
			t.Fatal(err)
		}
		replied(t, s, conv, handed.Add(wait))
		replied(t, s, conv, handed.Add(wait+time.Minute))
		if i == 3 {
			replied(t, s, conv, handed.Add(-2*time.Hour))
		}
	}
	// Handed over and never answered; handed over the day before; closed
	// by the menu with no person involved: in no figure.
	waiting := ticket(t, s, "telegram", nil)
	waiting.State, waiting.HandedOverAt, waiting.ResolvedAt = storage.StateWaiting, ptr(handed), nil
	before := ticket(t, s, "telegram", ptr(uint64(7)))
	before.HandedOverAt, before.ResolvedAt = ptr(from.Add(-time.Minute)), ptr(from.Add(-time.Second))
	selfServed := ticket(t, s, "telegram", nil)
	selfServed.HandedOverAt, selfServed.ResolvedAt = nil, ptr(handed)
	for _, c := range []*storage.Conversation{&waiting, &before, &selfServed} {
		if err := s.SaveConversation(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	replied(t, s, before, from.Add(time.Minute))

	r, err := s.ServiceReport(ctx, from, to)
	if err != nil {
		t.Fatal(err)
	}
	want := storage.ServiceReport{
		// 1, 2, 3, 5 minutes: the median is halfway between 2 and 3; the
		// 90th percentile 70% of the way from 3 to 5.
		FirstResponse: storage.DurationStats{Count: 4, Median: 150 * time.Second, P90: 264 * time.Second},
		// Created 10, 20, 30 and 40 minutes before 10:00, resolved at 11:00.
		Resolution: storage.DurationStats{Count: 4, Median: 85 * time.Minute, P90: 97 * time.Minute},
	}
	if r != want {
		t.Fatalf("service = %+v\nwant      %+v", r, want)
	}

	empty, err := s.ServiceReport(ctx, to.AddDate(0, 0, 1), to.AddDate(0, 0, 2))
	if err != nil || empty != (storage.ServiceReport{}) {
		t.Fatalf("service of a quiet day = %+v, %v", empty, err)
	}
}

// replied stores an operator's reply in conv at at.
func replied(t *testing.T, s *storage.Storage, conv storage.Conversation, at time.Time) {
	t.Helper()
	m := storage.Message{ConversationID: conv.ID, Direction: storage.Outbound, Author: storage.AuthorOperator, OperatorID: conv.OperatorID,
		Kind: "text", Text: "on it", Channel: conv.Channel, CreatedAt: at}
	if err := s.InsertMessage(t.Context(), &m); err != nil {
		t.Fatal(err)
	}
}

// TestFeedbackCountsForTheOperatorCreditedOnTheMessage: a complaint that
// reopened the ticket (its operator cleared, or another one now) still
// counts for the operator credited on the message; an uncredited one for
// the conversation's operator.
func TestFeedbackCountsForTheOperatorCreditedOnTheMessage(t *testing.T) {
	s := storagetest.Open(t)
	ctx := t.Context()
	at := reportDay.Add(2 * time.Hour)
	reopened := ticket(t, s, "telegram", nil) // its operator was cleared when it reopened
	credited := storage.Message{ConversationID: reopened.ID, Direction: storage.Inbound, Author: storage.AuthorCustomer,
		Kind: "text", Text: "awful", Channel: "telegram", Label: label.Complaint, LabelSource: "rules", OperatorID: ptr[uint64](7), CreatedAt: at}
	if err := s.InsertMessage(ctx, &credited); err != nil {
		t.Fatal(err)
	}
	said(t, s, ticket(t, s, "telegram", ptr[uint64](9)), label.Thanks, at)
	r, err := s.FeedbackReport(ctx, reportDay, reportDay.AddDate(0, 0, 1), nil)
	if err != nil {
		t.Fatal(err)
	}
	byOperator := map[uint64]storage.FeedbackCounts{}
	for _, o := range r.ByOperator {
		byOperator[o.OperatorID] = o.FeedbackCounts
	}
	if byOperator[7].Complaints != 1 || byOperator[9].Thanks != 1 || byOperator[0] != (storage.FeedbackCounts{}) {
		t.Fatalf("by operator = %+v, want the complaint for 7 and the thanks for 9", byOperator)
	}
}
