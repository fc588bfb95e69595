package dialog_test

import (
	"errors"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/dialog"
	"github.com/switchboardhq/switchboard/feedback/label"
	"github.com/switchboardhq/switchboard/storage"
)

func (w *world) followUps(state string) []storage.FollowUp {
	w.t.Helper()
	fs, err := w.store.ListFollowUps(w.t.Context(), storage.FollowUpFilter{State: state})
	if err != nil {
		w.t.Fatal(err)
	}
	return fs
}

func TestDetractorAndComplaintGoToTheFeedbackOwnerAsOneTask(t *testing.T) {
	w := newWorld(t, parseSettings(t, berlinHours+"feedback_owner: quality@example.org\n"))
	owner := w.operator("Quality")
	ann := customer(901, "en")
	conv, olga := w.resolved(ann, "Olga")
	w.clock.Advance(24 * time.Hour)
	w.sendDue()

	w.press(ann, "sv:2")
	open := w.followUps(storage.FollowUpOpen)
	if len(open) != 1 || open[0].Kind != storage.FollowUpDetractor || *open[0].Score != 2 ||
		open[0].OwnerID == nil || *open[0].OwnerID != owner.ID || open[0].ConversationID != conv.ID {
		t.Fatalf("after a 2: follow-ups %+v, want one detractor task for the owner %d", open, owner.ID)
	}
	w.text(ann, "Nobody called me back, terrible")
	open = w.followUps(storage.FollowUpOpen)
	if len(open) != 1 || open[0].Kind != storage.FollowUpComplaint || open[0].Summary != "Nobody called me back, terrible" || *open[0].Score != 2 {
		t.Fatalf("after the complaint: %+v, want the one task, now a complaint with the score kept", open)
	}

	// Only the owner or a supervisor closes it; the customer is told.
	if _, err := w.engine.CloseFollowUp(t.Context(), open[0].ID, olga, "We will call you today."); !errors.Is(err, dialog.ErrNotFeedbackOwner) {
		t.Fatalf("closed by the ticket's operator: %v", err)
	}
	if _, err := w.engine.CloseFollowUp(t.Context(), open[0].ID, owner, "  "); !errors.Is(err, dialog.ErrEmptyDecision) {
		t.Fatalf("closed with no decision: %v", err)
	}
	closed, err := w.engine.CloseFollowUp(t.Context(), open[0].ID, owner, "We have spoken to the team; a colleague calls you today at 15:00.")
	if err != nil {
		t.Fatal(err)
	}
	if closed.State != storage.FollowUpClosed || *closed.ClosedByID != owner.ID || closed.ClosedAt == nil {
		t.Fatalf("closed = %+v", closed)
	}
	if got := w.lastReply(conv.ID).Text; got != "We have spoken to the team; a colleague calls you today at 15:00." {
		t.Fatalf("the customer was told %q", got)
	}
	if _, err := w.engine.CloseFollowUp(t.Context(), open[0].ID, owner, "again"); !errors.Is(err, storage.ErrFollowUpClosed) {
		t.Fatalf("closed twice: %v", err)
	}
}

func TestComplaintsGoToSupervisorsWithoutAnOwner(t *testing.T) {
	w := newWorld(t, parseSettings(t, berlinHours))
	ann := customer(902, "en")
	conv, _ := w.resolved(ann, "Olga")
	w.text(ann, "The app is not working again")
	open := w.followUps(storage.FollowUpOpen)
	if len(open) != 1 || open[0].OwnerID != nil || open[0].ConversationID != conv.ID {
		t.Fatalf("follow-ups = %+v, want one with no owner", open)
	}
	boss := w.operator("Boss")
	boss.Role = storage.RoleSupervisor
	if _, err := w.engine.CloseFollowUp(t.Context(), open[0].ID, boss, "Fixed in today's release."); err != nil {
		t.Fatalf("a supervisor closes an unowned follow-up: %v", err)
	}
}

func TestRelabellingAsComplaintOpensAFollowUp(t *testing.T) {
	w := newWorld(t, parseSettings(t, berlinHours+"feedback_owner: quality@example.org\n"))
	owner := w.operator("Quality")
	ann := customer(903, "en")
	conv, olga := w.resolved(ann, "Olga")
	w.text(ann, "Thanks. Shame about the wait.")
	var msg storage.Message
	for _, m := range w.messages(conv.ID) {
		if m.Text == "Thanks. Shame about the wait." {
			msg = m
		}
	}
	if msg.Label != label.Thanks || len(w.followUps("")) != 0 {
		t.Fatalf("labelled %q with %d follow-ups, want thanks and none", msg.Label, len(w.followUps("")))
	}
	m, err := w.engine.Relabel(t.Context(), msg.ID, olga, label.Complaint)
	if err != nil || m.Label != label.Complaint || m.LabelSource != dialog.LabelByOperator {
		t.Fatalf("relabelled = %+v, %v", m, err)
	}
	open := w.followUps(storage.FollowUpOpen)
	if len(open) != 1 || *open[0].OwnerID != owner.ID || *open[0].MessageID != msg.ID {
		t.Fatalf("follow-ups after relabelling = %+v", open)
	}
	if _, err := w.engine.Relabel(t.Context(), msg.ID, olga, "praise"); !errors.Is(err, dialog.ErrUnknownLabel) {
		t.Fatalf("an unknown label: %v", err)
	}
}

func TestLaterComplaintsJoinTheFirstOnesFollowUp(t *testing.T) {
	w := newWorld(t, parseSettings(t, berlinHours))
	ann := customer(904, "en")
	conv, olga := w.resolved(ann, "Olga")
	w.text(ann, "The parcel is broken") // reopens the ticket
	if _, err := w.engine.Resolve(t.Context(), conv.ID, olga); err != nil {
		t.Fatal(err)
	}
	w.text(ann, "And the courier was rude")
	open := w.followUps(storage.FollowUpOpen)
	if len(open) != 1 || open[0].Summary != "The parcel is broken · And the courier was rude" {
		t.Fatalf("follow-ups = %+v", open)
	}
	var first storage.Message
	for _, m := range w.messages(conv.ID) {
		if m.Text == "The parcel is broken" {
			first = m
		}
	}
	if open[0].MessageID == nil || *open[0].MessageID != first.ID {
		t.Fatalf("the follow-up is about message %v, want the first complaint %d", open[0].MessageID, first.ID)
	}
}

func TestTheOwnerAddedLaterClosesWhatCameBefore(t *testing.T) {
	w := newWorld(t, parseSettings(t, berlinHours+"feedback_owner: quality@example.org\n"))
	ann := customer(905, "en")
	_, olga := w.resolved(ann, "Olga")
	w.text(ann, "This is unacceptable")
	open := w.followUps(storage.FollowUpOpen)
	if len(open) != 1 || open[0].OwnerID != nil {
		t.Fatalf("before the owner exists: %+v", open)
	}
	owner := w.operator("Quality") // quality@example.org
	if _, err := w.engine.CloseFollowUp(t.Context(), open[0].ID, olga, "x"); !errors.Is(err, dialog.ErrNotFeedbackOwner) {
		t.Fatalf("closed by another operator: %v", err)
	}
	if _, err := w.engine.CloseFollowUp(t.Context(), open[0].ID, owner, "We are sorry; a new parcel goes out today."); err != nil {
		t.Fatalf("the feedback owner closes one opened before they existed: %v", err)
	}
}
