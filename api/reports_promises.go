package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/switchboardhq/switchboard/promises"
)

// promiseCountsView is one scope of the promises report (docs/reports.md,
// "The promises report"). Shares are from 0 to 1 and the median a ratio,
// null when there is nothing to divide by.
type promiseCountsView struct {
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
	CallbacksPending     int      `json:"callbacks_pending"`
	CallbacksWithdrawn   int      `json:"callbacks_withdrawn"`
	CallbacksUnknown     int      `json:"callbacks_unknown"`
}

func optional(v float64, ok bool) *float64 {
	if !ok {
		return nil
	}
	return &v
}

func viewPromiseCounts(c promises.Counts) promiseCountsView {
	return promiseCountsView{
		WaitEstimates: c.WaitEstimates, WaitsJudged: c.WaitsJudged, WaitsKept: c.WaitsKept,
		WaitsKeptShare: optional(c.WaitsKeptShare()), WaitsLeft: c.WaitsLeft, WaitsOverdue: c.WaitsOverdue,
		WaitsBot: c.WaitsBot, WaitsPending: c.WaitsPending, WaitsOnHold: c.WaitsOnHold,
		WaitToldToRealMedian: optional(c.ToldToRealMedian()),
		CallbacksPromised:    c.CallbacksPromised, CallbacksJudged: c.CallbacksJudged, CallbacksOnTime: c.CallbacksOnTime,
		CallbacksOnTimeShare: optional(c.CallbacksOnTimeShare()), CallbacksPending: c.CallbacksPending,
		CallbacksWithdrawn: c.CallbacksWithdrawn, CallbacksUnknown: c.CallbacksUnknown,
	}
}

type channelPromisesView struct {
	Channel string `json:"channel"`
	promiseCountsView
}

type dayPromisesView struct {
	Date string `json:"date"`
	promiseCountsView
}

type promisesReportView struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
	// TimeZone is the zone the days of by_day are counted in.
	TimeZone string `json:"time_zone"`
	// JudgedAt is the moment open promises were judged at (now).
	JudgedAt time.Time `json:"judged_at"`
	promiseCountsView
	ByChannel []channelPromisesView `json:"by_channel"`
	ByDay     []dayPromisesView     `json:"by_day"`
}

// promisesReport answers GET /reports/promises: the waits told and the
// callbacks promised in a period, and how many were kept, in total, by
// channel and by day; as JSON, or CSV for a download.
func (a *API) promisesReport(c echo.Context) error {
	now := time.Now()
	p, err := parseReportPeriod(c, now)
	if err != nil {
		return err
	}
	r, err := promises.Build(c.Request().Context(), a.store, p.from, p.to, p.loc, a.hours, now)
	if err != nil {
		return err
	}
	v := promisesReportView{From: p.from, To: p.to, TimeZone: p.loc.String(), JudgedAt: now.UTC(),
		promiseCountsView: viewPromiseCounts(r.Total),
		ByChannel:         make([]channelPromisesView, 0, len(r.ByChannel)), ByDay: make([]dayPromisesView, 0, len(r.ByDay))}
	for _, ch := range r.ByChannel {
		v.ByChannel = append(v.ByChannel, channelPromisesView{Channel: ch.Channel, promiseCountsView: viewPromiseCounts(ch.Counts)})
	}
	for _, d := range r.ByDay {
		v.ByDay = append(v.ByDay, dayPromisesView{Date: d.Date, promiseCountsView: viewPromiseCounts(d.Counts)})
	}
	if p.csv {
		return writePromisesCSV(c, v, p)
	}
	return c.JSON(http.StatusOK, v)
}

// promisesCSVHeader is the promises CSV download's first row.
var promisesCSVHeader = []string{"scope", "key", "wait_estimates", "waits_judged", "waits_kept", "waits_kept_share",
	"waits_left", "waits_overdue", "waits_bot", "waits_pending", "waits_on_hold", "wait_told_to_real_median",
	"callbacks_promised", "callbacks_judged", "callbacks_on_time", "callbacks_on_time_share",
	"callbacks_pending", "callbacks_withdrawn", "callbacks_unknown"}

// writePromisesCSV answers with v as a CSV attachment: one row for the
// total, then one per day and per channel.
func writePromisesCSV(c echo.Context, v promisesReportView, p reportPeriod) error {
	w := startCSV(c, "promises", p)
	n := strconv.Itoa
	row := func(scope, key string, f promiseCountsView) {
		_ = w.Write([]string{scope, spreadsheetText(key),
			n(f.WaitEstimates), n(f.WaitsJudged), n(f.WaitsKept), decimals(f.WaitsKeptShare, 4),
			n(f.WaitsLeft), n(f.WaitsOverdue), n(f.WaitsBot), n(f.WaitsPending), n(f.WaitsOnHold), decimals(f.WaitToldToRealMedian, 4),
			n(f.CallbacksPromised), n(f.CallbacksJudged), n(f.CallbacksOnTime), decimals(f.CallbacksOnTimeShare, 4),
			n(f.CallbacksPending), n(f.CallbacksWithdrawn), n(f.CallbacksUnknown)})
	}
	_ = w.Write(promisesCSVHeader)
	row("total", "", v.promiseCountsView)
	for _, d := range v.ByDay {
		row("day", d.Date, d.promiseCountsView)
	}
	for _, ch := range v.ByChannel {
		row("channel", ch.Channel, ch.promiseCountsView)
	}
	w.Flush()
	return w.Error()
}
