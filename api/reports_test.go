package api_test

import (
	"encoding/csv"
	"fmt"
	"math"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/feedback/label"
	"github.com/switchboardhq/switchboard/storage"
)

type countsJSON struct {
	Responses      int      `json:"responses"`
	Promoters      int      `json:"promoters"`
	Passives       int      `json:"passives"`
	Detractors     int      `json:"detractors"`
	Thanks         int      `json:"thanks"`
	Complaints     int      `json:"complaints"`
	Questions      int      `json:"questions"`
	NPS            *float64 `json:"nps"`
	HappinessIndex *float64 `json:"happiness_index"`
}

type feedbackReportJSON struct {
	From     time.Time `json:"from"`
	To       time.Time `json:"to"`
	TimeZone string    `json:"time_zone"`
	countsJSON
	ByChannel []struct {
		Channel string `json:"channel"`
		countsJSON
	} `json:"by_channel"`
	ByOperator []struct {
		OperatorID   *uint64 `json:"operator_id"`
		OperatorName string  `json:"operator_name"`
		countsJSON
	} `json:"by_operator"`
	ByDay []struct {
		Date string `json:"date"`
		countsJSON
	} `json:"by_day"`
	Service map[string]*float64 `json:"service"`
}

// feedbackSeed stores, for the reports, the tickets of customers through
// channel handled by operator (nil for none).
type feedbackSeed struct {
	t     *testing.T
	store *storage.Storage
	n     int
}

func (f *feedbackSeed) ticket(channel string, operator *uint64) storage.Conversation {
	f.t.Helper()
	f.n++
	ext := fmt.Sprintf("report-%d", f.n)
	id, cust, err := f.store.FindOrCreateIdentity(f.t.Context(), storage.Contact{Channel: channel, ExternalID: ext, Address: ext, Name: ext})
	if err != nil {
		f.t.Fatal(err)
	}
	at := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	conv := storage.Conversation{CustomerID: cust.ID, IdentityID: id.ID, Channel: channel, State: storage.StateResolved,
		OperatorID: operator, CreatedAt: at, ResolvedAt: &at, LastMessageAt: at}
	if err := f.store.CreateConversation(f.t.Context(), &conv); err != nil {
		f.t.Fatal(err)
	}
	return conv
}

// score has a new customer of channel score operator's ticket at at.
func (f *feedbackSeed) score(channel string, operator *uint64, score int, at time.Time) {
	f.t.Helper()
	ctx := f.t.Context()
	sv, err := f.store.ScheduleSurvey(ctx, f.ticket(channel, operator), at.Add(-time.Hour), "")
	if err == nil {
		_, err = f.store.ClaimSurvey(ctx, sv.ID, at.Add(-time.Hour))
	}
	if err == nil {
		_, err = f.store.ScoreSurvey(ctx, sv.ID, score, at)
	}
	if err != nil {
		f.t.Fatal(err)
	}
}

// say stores a message labelled l in a new ticket of channel at at.
func (f *feedbackSeed) say(channel string, operator *uint64, l string, at time.Time) {
	f.t.Helper()
	conv := f.ticket(channel, operator)
	m := storage.Message{ConversationID: conv.ID, Direction: storage.Inbound, Author: storage.AuthorCustomer, Kind: "text",
		Text: l, Channel: channel, Label: l, LabelSource: "rules", CreatedAt: at}
	if err := f.store.InsertMessage(f.t.Context(), &m); err != nil {
		f.t.Fatal(err)
	}
}

// seedWorkedExample stores the example of docs/reports.md: 10 answers (5
// promoters, 2 passives, 3 detractors), 3 thanks, 1 complaint and 1
// question from 2 to 4 March 2026, and one of each just outside.
func seedWorkedExample(t *testing.T, s *server, ann, bob uint64) {
	t.Helper()
	f := &feedbackSeed{t: t, store: s.store}
	day := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	for i, score := range []int{10, 9, 9, 7, 0} {
		f.score("telegram", &ann, score, day.Add(time.Duration(i)*time.Minute))
	}
	for i, score := range []int{10, 9, 8, 3, 6} {
		f.score("sms", &bob, score, day.AddDate(0, 0, 1).Add(time.Duration(i)*time.Minute))
	}
	last := time.Date(2026, 3, 4, 23, 59, 0, 0, time.UTC)
	f.say("telegram", &ann, label.Thanks, last)
	f.say("telegram", &ann, label.Thanks, day)
	f.say("sms", nil, label.Thanks, day)
	f.say("sms", nil, label.Complaint, day)
	f.say("sms", &bob, label.Question, day)
	f.score("telegram", &ann, 0, time.Date(2026, 3, 5, 0, 0, 0, 0, time.UTC))
	f.score("telegram", &ann, 0, time.Date(2026, 3, 1, 23, 59, 0, 0, time.UTC))
	f.say("telegram", &ann, label.Complaint, time.Date(2026, 3, 5, 0, 0, 0, 0, time.UTC))
}

// workedExampleServer is a server holding the worked example, with Ann's
// login token and Bob renamed bobName.
func workedExampleServer(t *testing.T, bobName string) (s *server, ann, bob storage.Operator, token string) {
	t.Helper()
	s = newServer(t)
	ann, token = s.addOperator(t, "ann@example.com", storage.RoleOperator)
	bob, _ = s.addOperator(t, "bob@example.com", storage.RoleOperator)
	bob, err := s.store.UpdateOperator(t.Context(), bob.ID, storage.OperatorChanges{Name: &bobName})
	if err != nil {
		t.Fatal(err)
	}
	seedWorkedExample(t, s, ann.ID, bob.ID)
	return s, ann, bob, token
}

func near(got *float64, want float64) bool { return got != nil && math.Abs(*got-want) < 1e-9 }

func TestFeedbackReportAnswersNPSHappinessAndTheirBreakdowns(t *testing.T) {
	s, ann, bob, token := workedExampleServer(t, "<script>alert(1)</script>")

	var r feedbackReportJSON
	s.mustDo(t, http.MethodGet, "/api/v1/reports/feedback?from=2026-03-02&to=2026-03-04", token, "", http.StatusOK, &r)
	if !r.From.Equal(time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)) || !r.To.Equal(time.Date(2026, 3, 5, 0, 0, 0, 0, time.UTC)) || r.TimeZone != "UTC" {
		t.Errorf("period = %s to %s in %s; a date to is inclusive of its day", r.From, r.To, r.TimeZone)
	}
	want := countsJSON{Responses: 10, Promoters: 5, Passives: 2, Detractors: 3, Thanks: 3, Complaints: 1, Questions: 1}
	got := r.countsJSON
	got.NPS, got.HappinessIndex = nil, nil
	if got != want {
		t.Errorf("counts = %+v, want %+v", got, want)
	}
	if !near(r.NPS, 20) || !near(r.HappinessIndex, 800.0/14) {
		t.Errorf("nps = %v, happiness = %v; want 20 and 57.14…", deref(r.NPS), deref(r.HappinessIndex))
	}

	if len(r.ByChannel) != 2 || r.ByChannel[0].Channel != "sms" || r.ByChannel[1].Channel != "telegram" {
		t.Fatalf("by channel = %+v", r.ByChannel)
	}
	// SMS: 10 9 8 3 6, a thanks, a complaint: NPS 0, happiness 3/7.
	if sms := r.ByChannel[0]; sms.Responses != 5 || !near(sms.NPS, 0) || !near(sms.HappinessIndex, 300.0/7) {
		t.Errorf("sms = %+v", sms)
	}

	if len(r.ByOperator) != 3 || r.ByOperator[0].OperatorID != nil || r.ByOperator[0].OperatorName != "" {
		t.Fatalf("by operator = %+v", r.ByOperator)
	}
	named := map[uint64]string{}
	for _, o := range r.ByOperator[1:] {
		named[*o.OperatorID] = o.OperatorName
	}
	if named[ann.ID] != "ann" || named[bob.ID] != "<script>alert(1)</script>" {
		t.Errorf("operator names = %v", named)
	}
	if none := r.ByOperator[0]; none.Thanks != 1 || none.Complaints != 1 || none.NPS != nil || !near(none.HappinessIndex, 50) {
		t.Errorf("tickets of no operator = %+v", none)
	}

	var days []string
	for _, d := range r.ByDay {
		days = append(days, fmt.Sprintf("%s:%d/%d", d.Date, d.Responses, d.Thanks))
	}
	if fmt.Sprint(days) != "[2026-03-02:5/2 2026-03-03:5/0 2026-03-04:0/1]" {
		t.Errorf("days (responses/thanks) = %v", days)
	}

	for _, key := range []string{"first_response_median_seconds", "first_response_p90_seconds", "resolution_median_seconds",
		"resolution_p90_seconds", "callbacks_due", "callbacks_on_time"} {
		if _, ok := r.Service[key]; !ok {
			t.Errorf("service has no %s: %v", key, r.Service)
		}
	}
	if r.Service["first_response_median_seconds"] != nil || *r.Service["callbacks_due"] != 0 {
		t.Errorf("service of a period without tickets = %v", r.Service)
	}
}

// TestFeedbackReportCountsCallbacksAsThePromisesReportDoes: the feedback
// report's callbacks_due and callbacks_on_time are the promises report's
// callbacks_judged and callbacks_on_time for the same period and zone: a
// callback is on time when first dialled within 60 s of its promise (or of
// business hours' opening), so one dialled 5 minutes late is late even
// though its customer was never sent a late notice.
func TestFeedbackReportCountsCallbacksAsThePromisesReportDoes(t *testing.T) {
	s, token := promisesServer(t)
	// None of the dialled callbacks had a late notice, the one promised for
	// 11:00 and dialled at 11:05 included: counting "dialled and never told
	// it runs late" would put all three on time.
	var dialled []struct {
		Attempts     int
		LateNoticeAt *time.Time
	}
	if err := s.store.Select(t.Context(), &dialled, "SELECT attempts, late_notice_at FROM callbacks WHERE first_dialed_at IS NOT NULL"); err != nil {
		t.Fatal(err)
	}
	if len(dialled) != 3 {
		t.Fatalf("%d callbacks dialled, want 3", len(dialled))
	}
	for _, d := range dialled {
		if d.Attempts == 0 || d.LateNoticeAt != nil {
			t.Fatalf("a dialled callback has %d attempts, late notice %v; want attempts and no notice", d.Attempts, d.LateNoticeAt)
		}
	}

	for _, c := range []struct {
		query          string
		judged, onTime int
	}{
		// 10:00 dialled at 10:00:30: on time. 11:00 dialled at 11:05: late.
		// 14:00 never dialled: late. 15:00 withdrawn: not judged. 03:00 on
		// the 3rd, outside business hours, dialled 45 s after the 09:00
		// opening: on time.
		{"from=2026-03-02&to=2026-03-03", 4, 2},
		{"from=2026-03-02&to=2026-03-02", 3, 1},
		// Berlin's 3 March starts at 23:00 UTC on the 2nd: the 03:00 one only.
		{"from=2026-03-03&to=2026-03-03&tz=Europe/Berlin", 1, 1},
	} {
		var fb feedbackReportJSON
		var pr promisesView
		s.mustDo(t, http.MethodGet, "/api/v1/reports/feedback?"+c.query, token, "", http.StatusOK, &fb)
		s.mustDo(t, http.MethodGet, "/api/v1/reports/promises?"+c.query, token, "", http.StatusOK, &pr)
		if pr.CallbacksJudged != c.judged || pr.CallbacksOnTime != c.onTime {
			t.Errorf("%s: promises report has %d of %d callbacks on time, want %d of %d",
				c.query, pr.CallbacksOnTime, pr.CallbacksJudged, c.onTime, c.judged)
		}
		due, onTime := fb.Service["callbacks_due"], fb.Service["callbacks_on_time"]
		if due == nil || onTime == nil || *due != float64(pr.CallbacksJudged) || *onTime != float64(pr.CallbacksOnTime) {
			t.Errorf("%s: feedback report has %v of %v callbacks on time; the promises report %d of %d",
				c.query, deref(onTime), deref(due), pr.CallbacksOnTime, pr.CallbacksJudged)
		}
	}
}

func deref(f *float64) any {
	if f == nil {
		return nil
	}
	return *f
}

func TestFeedbackReportCountsDaysInTheAskedZone(t *testing.T) {
	s := newServer(t)
	_, token := s.addOperator(t, "lead@example.com", storage.RoleSupervisor)
	f := &feedbackSeed{t: t, store: s.store}
	// 22:30 UTC on the 1st is half past one on the 2nd in Moscow.
	f.score("telegram", nil, 10, time.Date(2026, 3, 1, 22, 30, 0, 0, time.UTC))

	var r feedbackReportJSON
	s.mustDo(t, http.MethodGet, "/api/v1/reports/feedback?from=2026-03-02&to=2026-03-02&tz=Europe/Moscow", token, "", http.StatusOK, &r)
	if !r.From.Equal(time.Date(2026, 3, 1, 21, 0, 0, 0, time.UTC)) || r.TimeZone != "Europe/Moscow" {
		t.Errorf("from = %s in %s, want Moscow's midnight", r.From, r.TimeZone)
	}
	if r.Promoters != 1 || len(r.ByDay) != 1 || r.ByDay[0].Date != "2026-03-02" || r.ByDay[0].Promoters != 1 {
		t.Errorf("report = %+v", r)
	}
	// RFC 3339 times are taken as they are.
	s.mustDo(t, http.MethodGet, "/api/v1/reports/feedback?from=2026-03-01T22:00:00Z&to=2026-03-01T23:00:00%2B00:00", token, "", http.StatusOK, &r)
	if r.Promoters != 1 || !r.To.Equal(time.Date(2026, 3, 1, 23, 0, 0, 0, time.UTC)) {
		t.Errorf("report of an hour = %+v", r)
	}
}

func TestFeedbackReportDefaultsToTheLast30Days(t *testing.T) {
	s := newServer(t)
	_, token := s.addOperator(t, "ann@example.com", storage.RoleOperator)
	before := time.Now()
	var r feedbackReportJSON
	s.mustDo(t, http.MethodGet, "/api/v1/reports/feedback", token, "", http.StatusOK, &r)
	if r.To.Before(before.Add(-time.Second)) || r.To.After(time.Now()) {
		t.Errorf("to = %s, want now", r.To)
	}
	today := r.To.UTC().Truncate(24 * time.Hour)
	if !r.From.Equal(today.AddDate(0, 0, -29)) || len(r.ByDay) != 30 {
		t.Errorf("from = %s with %d days, want %s and 30", r.From, len(r.ByDay), today.AddDate(0, 0, -29))
	}
	if r.NPS != nil || r.HappinessIndex != nil || r.ByChannel == nil || r.ByOperator == nil {
		t.Errorf("an empty report = %+v; want null scores and empty lists", r)
	}
}

func TestFeedbackReportRefusesWhatItCannotRead(t *testing.T) {
	s := newServer(t)
	_, token := s.addOperator(t, "ann@example.com", storage.RoleOperator)
	for _, c := range []struct{ query, want string }{
		{"from=yesterday", `"from" "yesterday"`},
		{"to=2026-02-30", `"to" "2026-02-30"`},
		{"from=2026-03-05&to=2026-03-04", `"from" (2026-03-05) is not before "to" (2026-03-04)`},
		{"from=2026-03-05T10:00:00Z&to=2026-03-05T09:00:00Z", `"from" (2026-03-05T10:00:00Z) is not before "to"`},
		{"from=2026-03-05T10:00:00Z&to=2026-03-05T10:00:00Z", `"from" (2026-03-05T10:00:00Z) is not before "to"`},
		{"from=2099-01-01", `"from" (2099-01-01) is not before "to" (`},
		{"from=2024-01-01&to=2026-01-01", "366 days"},
		{"tz=Mars/Olympus_Mons", `"tz"`},
		{"tz=Local", `"tz"`},
		{"format=xlsx", `"format"`},
	} {
		status, raw := s.do(t, http.MethodGet, "/api/v1/reports/feedback?"+c.query, token, "")
		wantError(t, status, raw, http.StatusBadRequest, c.want)
	}
	status, raw := s.do(t, http.MethodGet, "/api/v1/reports/feedback", "", "")
	wantError(t, status, raw, http.StatusUnauthorized, "")
}

func TestFeedbackReportDownloadsCSV(t *testing.T) {
	s, ann, bob, token := workedExampleServer(t, "=HYPERLINK(\"x\")")

	for _, ask := range []func(*http.Request){
		func(r *http.Request) { r.URL.RawQuery += "&format=csv" },
		func(r *http.Request) { r.Header.Set("Accept", "text/csv, */*;q=0.1") },
	} {
		res, raw := s.sendWith(t, http.MethodGet, "/api/v1/reports/feedback?from=2026-03-02&to=2026-03-04", "", func(r *http.Request) {
			r.Header.Set("Authorization", "Bearer "+token)
			ask(r)
		})
		if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "text/csv; charset=utf-8" {
			t.Fatalf("CSV answer = %d %s: %s", res.StatusCode, res.Header.Get("Content-Type"), raw)
		}
		if cd := res.Header.Get("Content-Disposition"); cd != `attachment; filename=switchboard-feedback-2026-03-02-2026-03-04.csv` {
			t.Errorf("Content-Disposition = %q", cd)
		}
		rows, err := csv.NewReader(strings.NewReader(string(raw))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, row := range rows {
			got = append(got, strings.Join(row, ","))
		}
		want := []string{
			"scope,key,name,responses,promoters,passives,detractors,thanks,complaints,questions,nps,happiness_index",
			"total,,,10,5,2,3,3,1,1,20.00,57.14",
			"day,2026-03-02,,5,3,1,1,2,1,1,40.00,62.50",
			"day,2026-03-03,,5,2,1,2,0,0,0,0.00,40.00",
			"day,2026-03-04,,0,0,0,0,1,0,0,,100.00",
			"channel,sms,,5,2,1,2,1,1,1,0.00,42.86",
			"channel,telegram,,5,3,1,1,2,0,0,40.00,71.43",
			"operator,,,0,0,0,0,1,1,0,,50.00",
			fmt.Sprintf("operator,%d,ann,5,3,1,1,2,0,0,40.00,71.43", ann.ID),
			fmt.Sprintf(`operator,%d,'=HYPERLINK("x"),5,2,1,2,0,0,1,0.00,40.00`, bob.ID),
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("CSV =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}
}
