package api_test

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/api"
	"github.com/switchboardhq/switchboard/callback/policy"
	"github.com/switchboardhq/switchboard/dialog"
	"github.com/switchboardhq/switchboard/storage"
)

type liveResponse struct {
	At                 time.Time      `json:"at"`
	Waiting            int            `json:"waiting"`
	WaitingByQueue     map[string]int `json:"waiting_by_queue"`
	WaitingByChannel   map[string]int `json:"waiting_by_channel"`
	LongestWaitSeconds float64        `json:"longest_wait_seconds"`
	LongestWaiting     []struct {
		ConversationID uint64  `json:"conversation_id"`
		Ticket         string  `json:"ticket"`
		CustomerName   string  `json:"customer_name"`
		Channel        string  `json:"channel"`
		Queue          string  `json:"queue"`
		WaitSeconds    float64 `json:"wait_seconds"`
	} `json:"longest_waiting"`
	Operators []struct {
		ID        uint64 `json:"id"`
		Name      string `json:"name"`
		Presence  string `json:"presence"`
		OpenCount int64  `json:"open_count"`
		Capacity  int    `json:"capacity"`
	} `json:"operators"`
	OperatorsByPresence  map[string]int `json:"operators_by_presence"`
	CallbacksDueNextHour int            `json:"callbacks_due_next_hour"`
	CallbacksLate        int            `json:"callbacks_late"`
	Today                struct {
		Date           string   `json:"date"`
		TimeZone       string   `json:"time_zone"`
		Responses      int      `json:"responses"`
		NPS            *float64 `json:"nps"`
		HappinessIndex *float64 `json:"happiness_index"`
	} `json:"today"`
}

// handOver has a Telegram customer named name start the bot and write, so
// their conversation waits for a person; it returns the conversation.
func (s *server) handOver(t *testing.T, externalID, name string) storage.Conversation {
	t.Helper()
	from := storage.Contact{Channel: dialog.ChannelTelegram, ExternalID: externalID, Address: externalID, Name: name, Language: "en"}
	for i, ev := range []dialog.Event{{Kind: dialog.KindCommand, Command: "start"}, {Kind: dialog.KindText, Text: "help please"}} {
		ev.From, ev.ExternalID = from, externalID+"-"+string(rune('a'+i))
		res, err := s.engine.Handle(t.Context(), ev)
		if err != nil {
			t.Fatal(err)
		}
		if i == 1 && res.State != storage.StateWaiting {
			t.Fatalf("customer %s is %q, want waiting", name, res.State)
		}
	}
	var convs []storage.Conversation
	if err := s.store.Select(t.Context(), &convs, "SELECT * FROM conversations ORDER BY id DESC LIMIT 1"); err != nil {
		t.Fatal(err)
	}
	return convs[0]
}

// placeInQueue moves conversation id to channel and queue, handed over at.
func (s *server) placeInQueue(t *testing.T, id uint64, channel, queue string, at time.Time) {
	t.Helper()
	if err := s.store.Exec(t.Context(), "UPDATE conversations SET channel = ?, queue = ?, handed_over_at = ? WHERE id = ?",
		channel, queue, at.UTC(), id); err != nil {
		t.Fatal(err)
	}
}

func TestLiveDesk(t *testing.T) {
	// 23:30 UTC: already tomorrow in Berlin.
	now := time.Date(2030, 5, 10, 23, 30, 0, 0, time.UTC)
	s := newServerWith(t, api.Options{Desk: api.DeskOptions{Clock: func() time.Time { return now }}})
	ctx := t.Context()
	_, boss := s.addOperator(t, "boss@example.com", storage.RoleSupervisor)
	ann, annToken := s.addOperator(t, "ann@example.com", storage.RoleOperator)
	bob, _ := s.addOperator(t, "bob@example.com", storage.RoleOperator)
	if err := s.store.Exec(ctx, "UPDATE operators SET capacity = 3 WHERE id = ?", ann.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.engine.SetPresence(ctx, ann.ID, storage.PresenceOnline); err != nil {
		t.Fatal(err)
	}
	if _, err := s.engine.SetPresence(ctx, bob.ID, storage.PresenceAway); err != nil {
		t.Fatal(err)
	}

	first := s.handOver(t, "101", "<script>alert(1)</script>")
	second := s.handOver(t, "102", "Second")
	third := s.handOver(t, "103", "Third")
	taken := s.handOver(t, "104", "Taken")
	s.placeInQueue(t, first.ID, dialog.ChannelTelegram, "", now.Add(-300*time.Second))
	s.placeInQueue(t, second.ID, dialog.ChannelSMS, "billing", now.Add(-90*time.Second))
	s.placeInQueue(t, third.ID, dialog.ChannelTelegram, "billing", now.Add(-30*time.Second))
	s.mustDo(t, http.MethodPost, "/api/v1/conversations/"+itoa(taken.ID)+"/claim", annToken, "", http.StatusOK, nil)

	for i, c := range []struct {
		next  time.Duration
		state policy.State
	}{
		{30 * time.Minute, policy.Scheduled},  // due within the hour
		{-5 * time.Minute, policy.Scheduled},  // due a moment ago, not late yet
		{-20 * time.Minute, policy.Scheduled}, // late (late_after is 10 minutes)
		{2 * time.Hour, policy.Scheduled},     // later
		{-time.Hour, policy.Completed},        // done
		{-time.Hour, policy.Dialing},          // being dialled
	} {
		at := now.Add(c.next)
		cb := storage.Callback{CustomerID: first.CustomerID, Phone: "+441632960" + itoa(uint64(100+i)), State: c.state,
			RequestedAt: at.Add(-time.Hour), DueAt: at, NextAttemptAt: at, MaxAttempts: 1}
		if err := s.store.CreateCallback(ctx, &cb); err != nil {
			t.Fatal(err)
		}
		if err := s.store.Exec(ctx, "UPDATE callbacks SET state = ? WHERE id = ?", c.state, cb.ID); err != nil {
			t.Fatal(err)
		}
	}

	for _, sv := range []struct {
		conv  uint64
		score int
		at    time.Time
	}{
		{first.ID, 10, now.Add(-30 * time.Minute)},  // today in UTC and in Berlin
		{second.ID, 5, now.Add(-150 * time.Minute)}, // 21:00 UTC: today in UTC only
		{third.ID, 0, now.Add(-36 * time.Hour)},     // yesterday
	} {
		if err := s.store.Exec(ctx, `INSERT INTO surveys (conversation_id, customer_id, channel, state, due_at, score, scored_at, created_at, updated_at)
			VALUES (?, ?, 'telegram', ?, ?, ?, ?, ?, ?)`, sv.conv, first.CustomerID, storage.SurveyScored, sv.at, sv.score, sv.at, sv.at, sv.at); err != nil {
			t.Fatal(err)
		}
	}

	status, raw := s.do(t, http.MethodGet, "/api/v1/live", annToken, "")
	wantError(t, status, raw, http.StatusForbidden, "supervisor")

	var v liveResponse
	s.mustDo(t, http.MethodGet, "/api/v1/live", boss, "", http.StatusOK, &v)
	if v.Waiting != 3 {
		t.Errorf("waiting = %d, want 3", v.Waiting)
	}
	if want := map[string]int{"": 1, "billing": 2}; !sameCounts(v.WaitingByQueue, want) {
		t.Errorf("waiting_by_queue = %v, want %v", v.WaitingByQueue, want)
	}
	if want := map[string]int{"telegram": 2, "sms": 1}; !sameCounts(v.WaitingByChannel, want) {
		t.Errorf("waiting_by_channel = %v, want %v", v.WaitingByChannel, want)
	}
	if v.LongestWaitSeconds != 300 {
		t.Errorf("longest_wait_seconds = %v, want 300", v.LongestWaitSeconds)
	}
	if len(v.LongestWaiting) != 3 || v.LongestWaiting[0].ConversationID != first.ID ||
		v.LongestWaiting[0].CustomerName != "<script>alert(1)</script>" || v.LongestWaiting[1].WaitSeconds != 90 ||
		v.LongestWaiting[1].Channel != dialog.ChannelSMS || v.LongestWaiting[2].Queue != "billing" {
		t.Errorf("longest_waiting = %+v, want the three waiting, longest first", v.LongestWaiting)
	}
	byName := map[string]int{}
	for i, op := range v.Operators {
		byName[op.Name] = i
	}
	if len(v.Operators) != 3 {
		t.Fatalf("operators = %+v, want boss, ann and bob", v.Operators)
	}
	if a := v.Operators[byName["ann"]]; a.Presence != storage.PresenceOnline || a.OpenCount != 1 || a.Capacity != 3 {
		t.Errorf("ann = %+v, want online with 1 open of 3", a)
	}
	if b := v.Operators[byName["bob"]]; b.Presence != storage.PresenceAway || b.OpenCount != 0 || b.Capacity != storage.DefaultCapacity {
		t.Errorf("bob = %+v, want away with 0 open", b)
	}
	if want := map[string]int{"online": 1, "away": 1, "offline": 1}; !sameCounts(v.OperatorsByPresence, want) {
		t.Errorf("operators_by_presence = %v, want %v", v.OperatorsByPresence, want)
	}
	if v.CallbacksDueNextHour != 2 || v.CallbacksLate != 1 {
		t.Errorf("callbacks due %d, late %d; want 2 and 1", v.CallbacksDueNextHour, v.CallbacksLate)
	}
	if v.Today.Date != "2030-05-10" || v.Today.TimeZone != "UTC" || v.Today.Responses != 2 || v.Today.NPS == nil || *v.Today.NPS != 0 {
		t.Errorf("today = %+v, want 2030-05-10 in UTC with 2 responses and NPS 0", v.Today)
	}

	var berlin liveResponse
	s.mustDo(t, http.MethodGet, "/api/v1/live?tz=Europe/Berlin", boss, "", http.StatusOK, &berlin)
	if berlin.Today.Date != "2030-05-11" || berlin.Today.Responses != 1 || berlin.Today.NPS == nil || *berlin.Today.NPS != 100 ||
		berlin.Today.HappinessIndex == nil || *berlin.Today.HappinessIndex != 100 {
		t.Errorf("today in Berlin = %+v, want 2030-05-11 with one promoter", berlin.Today)
	}
	status, raw = s.do(t, http.MethodGet, "/api/v1/live?tz=Mars/Olympus", boss, "")
	wantError(t, status, raw, http.StatusBadRequest, "tz")
}

func TestLiveDeskEmpty(t *testing.T) {
	s := newServer(t)
	_, boss := s.addOperator(t, "boss@example.com", storage.RoleSupervisor)
	var v liveResponse
	s.mustDo(t, http.MethodGet, "/api/v1/live", boss, "", http.StatusOK, &v)
	if v.Waiting != 0 || v.LongestWaitSeconds != 0 || len(v.LongestWaiting) != 0 || v.Today.NPS != nil || len(v.Operators) != 1 {
		t.Errorf("empty desk = %+v", v)
	}
	if status, _ := s.do(t, http.MethodGet, "/api/v1/live", "", ""); status != http.StatusUnauthorized {
		t.Errorf("without a token: %d, want 401", status)
	}
}

func sameCounts(got, want map[string]int) bool {
	if len(got) != len(want) {
		return false
	}
	for k, v := range want {
		if got[k] != v {
			return false
		}
	}
	return true
}

func itoa(n uint64) string { return strconv.FormatUint(n, 10) }
