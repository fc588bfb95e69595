package api_test

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/api"
	"github.com/switchboardhq/switchboard/hours"
	"github.com/switchboardhq/switchboard/storage"
)

// promisesCounts are one scope of the promises report as a client reads it.
type promisesCounts struct {
	WaitEstimates        int      `json:"wait_estimates"`
	WaitsJudged          int      `json:"waits_judged"`
	WaitsKept            int      `json:"waits_kept"`
	WaitsKeptShare       *float64 `json:"waits_kept_share"`
	WaitsLeft            int      `json:"waits_left"`
	WaitsOverdue         int      `json:"waits_overdue"`
	WaitsBot             int      `json:"waits_bot"`
	WaitsPending         int      `json:"waits_pending"`
	WaitsOnHold          int      `json:"waits_on_hold"`
	WaitToldToRealMedian *float64 `json:"wait_told_to_real_median"`
	CallbacksPromised    int      `json:"callbacks_promised"`
	CallbacksJudged      int      `json:"callbacks_judged"`
	CallbacksOnTime      int      `json:"callbacks_on_time"`
	CallbacksOnTimeShare *float64 `json:"callbacks_on_time_share"`
	CallbacksWithdrawn   int      `json:"callbacks_withdrawn"`
}

// promisesView is the promises report as a client reads it.
type promisesView struct {
	TimeZone string `json:"time_zone"`
	promisesCounts
	ByChannel []struct {
		Channel string `json:"channel"`
		promisesCounts
	} `json:"by_channel"`
	ByDay []struct {
		Date string `json:"date"`
		promisesCounts
	} `json:"by_day"`
}

// at is 2026-03-02 (a Monday) plus day days at hh:mm:ss UTC.
func at(day, hh, mm, ss int) time.Time {
	return time.Date(2026, 3, 2+day, hh, mm, ss, 0, time.UTC)
}

// promisesServer is a server open 09:00–17:00 UTC on weekdays, holding a
// known set of waits told and callbacks promised on 2026-03-02 and 03:
//
//	waits (minutes told → what happened):
//	  telegram 5 at 10:00, answered 10:03            kept, 5/3
//	  telegram 5 at 10:00, answered 10:08            not kept, 5/8
//	  sms 10 at 11:00, left 11:02                    not kept (left)
//	  sms 5 at 12:00, answered 12:00:20              kept, 5/1 (a wait under a minute counts as one)
//	  voice on hold at 12:00                         no number: on hold only
//	  telegram 5 at 12:00, resolved by the bot       not judged
//	  telegram 5 at 12:30, still open                not kept (overdue)
//	  sms 3 at 23:30 (00:30 on the 3rd in Berlin), answered 23:31   kept, 3/1
//	callbacks (promised → first dial):
//	  telegram 10:00 → 10:00:30                      on time
//	  sms 11:00 → 11:05                              late
//	  telegram 03:00 on the 3rd (closed) → 09:00:45  on time (opening + 45 s)
//	  telegram 14:00 → never                         late
//	  telegram 15:00, cancelled at 14:00             withdrawn
func promisesServer(t *testing.T) (*server, string) {
	t.Helper()
	weekdays := map[string]string{"mon": "09:00-17:00", "tue": "09:00-17:00", "wed": "09:00-17:00", "thu": "09:00-17:00", "fri": "09:00-17:00"}
	business, err := hours.Parse("UTC", weekdays, nil)
	if err != nil {
		t.Fatal(err)
	}
	s := newServerWith(t, api.Options{BusinessHours: business})
	_, token := s.addOperator(t, "ann@example.com", storage.RoleOperator)
	ctx := t.Context()
	conv := uint64(9000)
	wait := func(channel string, minutes int, told time.Time, outcome string, settled time.Time) {
		conv++
		w := storage.WaitEstimate{ConversationID: conv, Channel: channel, Position: 1, ToldAt: told}
		if minutes > 0 {
			w.Minutes = &minutes
		}
		if err := s.store.RecordWaitEstimate(ctx, &w); err != nil {
			t.Fatal(err)
		}
		if outcome != storage.OutcomeOpen {
			if n, err := s.store.SettleWaitEstimates(ctx, conv, outcome, settled); err != nil || n != 1 {
				t.Fatalf("settle = %d, %v", n, err)
			}
		}
	}
	wait("telegram", 5, at(0, 10, 0, 0), storage.OutcomeAnswered, at(0, 10, 3, 0))
	wait("telegram", 5, at(0, 10, 0, 0), storage.OutcomeAnswered, at(0, 10, 8, 0))
	wait("sms", 10, at(0, 11, 0, 0), storage.OutcomeLeft, at(0, 11, 2, 0))
	wait("sms", 5, at(0, 12, 0, 0), storage.OutcomeAnswered, at(0, 12, 0, 20))
	wait("voice", 0, at(0, 12, 0, 0), storage.OutcomeAnswered, at(0, 12, 1, 0))
	wait("telegram", 5, at(0, 12, 0, 0), storage.OutcomeBot, at(0, 12, 1, 0))
	wait("telegram", 5, at(0, 12, 30, 0), storage.OutcomeOpen, time.Time{})
	wait("sms", 3, at(0, 23, 30, 0), storage.OutcomeAnswered, at(0, 23, 31, 0))

	n := 0
	callback := func(channel string, promised time.Time) storage.Callback {
		n++
		ident, cust, err := s.store.FindOrCreateIdentity(ctx, storage.Contact{Channel: channel, ExternalID: fmt.Sprintf("promise-%d", n), Name: "Ann"})
		if err != nil {
			t.Fatal(err)
		}
		cb := storage.Callback{CustomerID: cust.ID, IdentityID: &ident.ID, Phone: "+447911123456", RequestedAt: promised.Add(-time.Hour), DueAt: promised}
		if err := s.store.CreateCallback(ctx, &cb); err != nil {
			t.Fatal(err)
		}
		return cb
	}
	dial := func(cb storage.Callback, when time.Time) {
		got, err := s.store.ClaimDueCallbacks(ctx, when, "dialer", time.Minute, 10)
		if err != nil || len(got) != 1 || got[0].ID != cb.ID {
			t.Fatalf("claim at %s = %v, %v; want callback %d", when, got, err, cb.ID)
		}
		if _, err := s.store.RecordDial(ctx, cb.ID, "dialer", fmt.Sprintf("CA%d", cb.ID), when); err != nil {
			t.Fatal(err)
		}
	}
	dial(callback("telegram", at(0, 10, 0, 0)), at(0, 10, 0, 30))
	dial(callback("sms", at(0, 11, 0, 0)), at(0, 11, 5, 0))
	late := callback("telegram", at(0, 14, 0, 0))
	withdrawn := callback("telegram", at(0, 15, 0, 0))
	if _, err := s.store.CancelCallback(ctx, withdrawn.ID, at(0, 14, 0, 0)); err != nil {
		t.Fatal(err)
	}
	// The late one is left dialing under another lease so that it is not
	// claimed with the next; it was never dialled.
	if got, err := s.store.ClaimDueCallbacks(ctx, at(0, 14, 0, 0), "stuck", time.Minute, 10); err != nil || len(got) != 1 || got[0].ID != late.ID {
		t.Fatalf("claim the late one = %v, %v", got, err)
	}
	dial(callback("telegram", at(1, 3, 0, 0)), at(1, 9, 0, 45))
	return s, token
}

func TestPromisesReportCountsKeptWaitsAndCallbacks(t *testing.T) {
	s, token := promisesServer(t)
	var r promisesView
	s.mustDo(t, http.MethodGet, "/api/v1/reports/promises?from=2026-03-02&to=2026-03-03", token, "", http.StatusOK, &r)

	total := r.promisesCounts
	if total.WaitEstimates != 7 || total.WaitsOnHold != 1 || total.WaitsJudged != 6 || total.WaitsKept != 3 ||
		total.WaitsLeft != 1 || total.WaitsOverdue != 1 || total.WaitsBot != 1 || total.WaitsPending != 0 {
		t.Errorf("wait counts = %+v; want 7 told with minutes, 1 on hold, 6 judged, 3 kept, 1 left, 1 overdue, 1 by the bot", total)
	}
	if !near(total.WaitsKeptShare, 0.5) {
		t.Errorf("waits_kept_share = %v, want 0.5", show(total.WaitsKeptShare))
	}
	// Ratios 5/8, 5/3, 3/1, 5/1: the median is (5/3 + 3) / 2.
	if !near(total.WaitToldToRealMedian, (5.0/3+3)/2) {
		t.Errorf("wait_told_to_real_median = %v, want %v", show(total.WaitToldToRealMedian), (5.0/3+3)/2)
	}
	if total.CallbacksPromised != 5 || total.CallbacksJudged != 4 || total.CallbacksOnTime != 2 || total.CallbacksWithdrawn != 1 {
		t.Errorf("callback counts = %+v; want 5 promised, 4 judged, 2 on time, 1 withdrawn", total)
	}
	if !near(total.CallbacksOnTimeShare, 0.5) {
		t.Errorf("callbacks_on_time_share = %v, want 0.5", show(total.CallbacksOnTimeShare))
	}

	channels := map[string]promisesCounts{}
	for _, ch := range r.ByChannel {
		channels[ch.Channel] = ch.promisesCounts
	}
	if len(r.ByChannel) != 3 || r.ByChannel[0].Channel != "sms" || r.ByChannel[1].Channel != "telegram" || r.ByChannel[2].Channel != "voice" {
		t.Errorf("by_channel = %+v; want sms, telegram, voice", r.ByChannel)
	}
	tg, sms, voice := channels["telegram"], channels["sms"], channels["voice"]
	if tg.WaitEstimates != 4 || tg.WaitsJudged != 3 || tg.WaitsKept != 1 || tg.CallbacksPromised != 4 || tg.CallbacksJudged != 3 || tg.CallbacksOnTime != 2 {
		t.Errorf("telegram = %+v", tg)
	}
	if sms.WaitEstimates != 3 || sms.WaitsJudged != 3 || sms.WaitsKept != 2 || sms.CallbacksJudged != 1 || sms.CallbacksOnTime != 0 || !near(sms.CallbacksOnTimeShare, 0) {
		t.Errorf("sms = %+v", sms)
	}
	if voice.WaitEstimates != 0 || voice.WaitsOnHold != 1 || voice.WaitsKeptShare != nil || voice.WaitToldToRealMedian != nil {
		t.Errorf("voice = %+v; want one caller on hold and no shares", voice)
	}

	if len(r.ByDay) != 2 || r.ByDay[0].Date != "2026-03-02" || r.ByDay[1].Date != "2026-03-03" {
		t.Fatalf("by_day = %+v", r.ByDay)
	}
	if d := r.ByDay[0]; d.WaitEstimates != 7 || d.WaitsKept != 3 || d.CallbacksJudged != 3 || d.CallbacksOnTime != 1 {
		t.Errorf("2026-03-02 in UTC = %+v", d)
	}
	// The callback promised at 03:00, while closed, dialled 45 s after the
	// 09:00 opening, is on time.
	if d := r.ByDay[1]; d.WaitEstimates != 0 || d.CallbacksJudged != 1 || d.CallbacksOnTime != 1 {
		t.Errorf("2026-03-03 in UTC = %+v; want the 03:00 callback, on time", d)
	}
}

func TestPromisesReportCountsDaysInTheZoneAsked(t *testing.T) {
	s, token := promisesServer(t)
	var r promisesView
	s.mustDo(t, http.MethodGet, "/api/v1/reports/promises?from=2026-03-02&to=2026-03-03&tz=Europe/Berlin", token, "", http.StatusOK, &r)
	if r.TimeZone != "Europe/Berlin" || len(r.ByDay) != 2 {
		t.Fatalf("time_zone %q, by_day %+v", r.TimeZone, r.ByDay)
	}
	// The sms wait told at 23:30 UTC is told at 00:30 on the 3rd in Berlin.
	if d := r.ByDay[0]; d.WaitEstimates != 6 || d.WaitsKept != 2 {
		t.Errorf("2026-03-02 in Berlin = %+v; want 6 waits, 2 kept", d)
	}
	if d := r.ByDay[1]; d.WaitEstimates != 1 || d.WaitsKept != 1 || !near(d.WaitsKeptShare, 1) || d.CallbacksOnTime != 1 {
		t.Errorf("2026-03-03 in Berlin = %+v; want the 23:30 UTC wait, kept, and the 03:00 callback", d)
	}
	if r.WaitEstimates != 7 || r.CallbacksPromised != 5 {
		t.Errorf("the total moved with the zone: %+v", r.promisesCounts)
	}
}

func TestPromisesReportDownloadsCSV(t *testing.T) {
	s, token := promisesServer(t)
	res, raw := s.sendWith(t, http.MethodGet, "/api/v1/reports/promises?from=2026-03-02&to=2026-03-03&format=csv", "", func(r *http.Request) {
		r.Header.Set("Authorization", "Bearer "+token)
	})
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "text/csv; charset=utf-8" {
		t.Fatalf("CSV answer = %d %s: %s", res.StatusCode, res.Header.Get("Content-Type"), raw)
	}
	if cd := res.Header.Get("Content-Disposition"); cd != `attachment; filename=switchboard-promises-2026-03-02-2026-03-03.csv` {
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
		"scope,key,wait_estimates,waits_judged,waits_kept,waits_kept_share,waits_left,waits_overdue,waits_bot,waits_pending,waits_on_hold,wait_told_to_real_median," +
			"callbacks_promised,callbacks_judged,callbacks_on_time,callbacks_on_time_share,callbacks_pending,callbacks_withdrawn,callbacks_unknown",
		"total,,7,6,3,0.5000,1,1,1,0,1,2.3333,5,4,2,0.5000,0,1,0",
		"day,2026-03-02,7,6,3,0.5000,1,1,1,0,1,2.3333,4,3,1,0.3333,0,1,0",
		"day,2026-03-03,0,0,0,,0,0,0,0,0,,1,1,1,1.0000,0,0,0",
		"channel,sms,3,3,2,0.6667,1,0,0,0,0,4.0000,1,1,0,0.0000,0,0,0",
		"channel,telegram,4,3,1,0.3333,0,1,1,0,0,1.1458,4,3,2,0.6667,0,1,0",
		"channel,voice,0,0,0,,0,0,0,0,1,,0,0,0,,0,0,0",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("CSV =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestPromisesReportRefusesWhatItCannotRead(t *testing.T) {
	s := newServer(t)
	_, token := s.addOperator(t, "ann@example.com", storage.RoleOperator)
	for _, c := range []struct{ query, want string }{
		{"from=yesterday", `"from" "yesterday"`},
		{"to=2026-02-30", `"to" "2026-02-30"`},
		{"from=2026-03-05&to=2026-03-04", `"from" (2026-03-05) is not before "to" (2026-03-04)`},
		{"tz=Mars/Olympus_Mons", `"tz"`},
		{"format=xlsx", `"format"`},
	} {
		status, raw := s.do(t, http.MethodGet, "/api/v1/reports/promises?"+c.query, token, "")
		wantError(t, status, raw, http.StatusBadRequest, c.want)
	}
	status, raw := s.do(t, http.MethodGet, "/api/v1/reports/promises", "", "")
	wantError(t, status, raw, http.StatusUnauthorized, "")
}

func show(v *float64) any {
	if v == nil {
		return nil
	}
	return *v
}
