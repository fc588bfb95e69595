package storage_test

import (
	"errors"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/storage"
	"github.com/switchboardhq/switchboard/storage/storagetest"
)

func TestSurveyIsSentOncePerTicket(t *testing.T) {
	s := storagetest.Open(t)
	ctx := t.Context()
	conv := newConversation(t, s, "sv1")
	due := time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)

	sv, err := s.ScheduleSurvey(ctx, conv, due, "")
	if err != nil {
		t.Fatal(err)
	}
	if sv.State != storage.SurveyScheduled || !sv.DueAt.Equal(due) {
		t.Fatalf("scheduled survey = %+v", sv)
	}
	if err := s.HoldSurvey(ctx, conv.ID); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.SurveysDue(ctx, due.Add(time.Hour)); len(got) != 0 {
		t.Fatalf("a held survey is due: %+v", got)
	}
	// Resolved again: planned afresh, the same row.
	later := due.Add(24 * time.Hour)
	again, err := s.ScheduleSurvey(ctx, conv, later, "")
	if err != nil {
		t.Fatal(err)
	}
	if again.ID != sv.ID || again.State != storage.SurveyScheduled || !again.DueAt.Equal(later) {
		t.Fatalf("rescheduled survey = %+v", again)
	}
	if got, _ := s.SurveysDue(ctx, due.Add(time.Hour)); len(got) != 0 {
		t.Fatal("the survey is due before its new time")
	}
	got, err := s.SurveysDue(ctx, later)
	if err != nil || len(got) != 1 {
		t.Fatalf("due at its time: %+v, %v", got, err)
	}
	if _, err := s.ClaimSurvey(ctx, sv.ID, later); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ClaimSurvey(ctx, sv.ID, later); !errors.Is(err, storage.ErrSurveyState) {
		t.Fatalf("second claim: %v, want ErrSurveyState", err)
	}
	// Resolved a third time after it went out: left as it was.
	third, err := s.ScheduleSurvey(ctx, conv, later.Add(48*time.Hour), "")
	if err != nil {
		t.Fatal(err)
	}
	if third.State != storage.SurveySent || !third.DueAt.Equal(later) {
		t.Fatalf("a sent survey was planned again: %+v", third)
	}
	scored, err := s.ScoreSurvey(ctx, sv.ID, 9, later.Add(time.Minute))
	if err != nil || scored.State != storage.SurveyScored || scored.Score == nil || *scored.Score != 9 {
		t.Fatalf("scored = %+v, %v", scored, err)
	}
	if _, err := s.ScoreSurvey(ctx, sv.ID, 3, later.Add(2*time.Minute)); !errors.Is(err, storage.ErrSurveyState) {
		t.Fatalf("scored twice: %v", err)
	}
	if _, err := s.ScoreSurvey(ctx, sv.ID, 11, later); err == nil {
		t.Fatal("a score of 11 was taken")
	}
}

func TestSkippedSurveyKeepsItsReason(t *testing.T) {
	s := storagetest.Open(t)
	ctx := t.Context()
	conv := newConversation(t, s, "sv2")
	sv, err := s.ScheduleSurvey(ctx, conv, time.Now(), storage.SkipOptedOut)
	if err != nil {
		t.Fatal(err)
	}
	byConv, err := s.SurveysOf(ctx, []uint64{conv.ID, 999999})
	if err != nil {
		t.Fatal(err)
	}
	if got := byConv[conv.ID]; got.ID != sv.ID || got.State != storage.SurveySkipped || got.SkipReason != storage.SkipOptedOut {
		t.Fatalf("survey = %+v", got)
	}
	if len(byConv) != 1 {
		t.Fatalf("surveys of a conversation without one: %+v", byConv)
	}
}

func TestProactiveSinceCountsEveryChannel(t *testing.T) {
	s := storagetest.Open(t)
	ctx := t.Context()
	conv := newConversation(t, s, "pr1")
	now := time.Now().UTC()
	for i, m := range []storage.Message{
		{Proactive: true, CreatedAt: now.Add(-2 * time.Hour)},
		{Proactive: true, CreatedAt: now.Add(-30 * time.Hour)},
		{Proactive: false, CreatedAt: now.Add(-time.Hour)},
	} {
		m.ConversationID, m.Direction, m.Author, m.Kind, m.Text = conv.ID, storage.Outbound, storage.AuthorSystem, "text", "x"
		if err := s.InsertMessage(ctx, &m); err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
	}
	n, err := s.ProactiveSince(ctx, conv.CustomerID, now.Add(-24*time.Hour))
	if err != nil || n != 1 {
		t.Fatalf("proactive in the last day = %d, %v; want 1", n, err)
	}
}
