package api

import (
	"encoding/csv"
	"fmt"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/switchboardhq/switchboard/promises"
	"github.com/switchboardhq/switchboard/storage"
)

// Report periods (docs/reports.md).
const (
	// DefaultReportDays is how many days, today included, a report covers
	// when "from" is not given.
	DefaultReportDays = 30
	// MaxReportDays is the longest period a report may cover.
	MaxReportDays = 366
)

type feedbackCountsView struct {
	Responses  int `json:"responses"`
	Promoters  int `json:"promoters"`
	Passives   int `json:"passives"`
	Detractors int `json:"detractors"`
	Thanks     int `json:"thanks"`
	Complaints int `json:"complaints"`
	Questions  int `json:"questions"`
	// NPS and HappinessIndex are percentages, null when there is nothing
	// to divide by.
	NPS            *float64 `json:"nps"`
	HappinessIndex *float64 `json:"happiness_index"`
}

func viewFeedbackCounts(c storage.FeedbackCounts) feedbackCountsView {
	v := feedbackCountsView{Responses: c.Responses, Promoters: c.Promoters, Passives: c.Passives, Detractors: c.Detractors,
		Thanks: c.Thanks, Complaints: c.Complaints, Questions: c.Questions}
	if nps, ok := c.NPS(); ok {
		v.NPS = &nps
	}
	if h, ok := c.HappinessIndex(); ok {
		v.HappinessIndex = &h
	}
	return v
}

type channelFeedbackView struct {
	Channel string `json:"channel"`
	feedbackCountsView
}

type operatorFeedbackView struct {
	// OperatorID is null for the tickets no operator had; OperatorName is
	// then "", as it is for an operator that no longer exists.
	OperatorID   *uint64 `json:"operator_id"`
	OperatorName string  `json:"operator_name"`
	feedbackCountsView
}

type dayFeedbackView struct {
	Date string `json:"date"`
	feedbackCountsView
}

type serviceView struct {
	FirstResponseCount         int      `json:"first_response_count"`
	FirstResponseMedianSeconds *float64 `json:"first_response_median_seconds"`
	FirstResponseP90Seconds    *float64 `json:"first_response_p90_seconds"`
	ResolutionCount            int      `json:"resolution_count"`
	ResolutionMedianSeconds    *float64 `json:"resolution_median_seconds"`
	ResolutionP90Seconds       *float64 `json:"resolution_p90_seconds"`
	// CallbacksDue are the callbacks promised in the period that have a
	// verdict (the promises report's callbacks_judged); CallbacksOnTime
	// those first dialled in time (its callbacks_on_time).
	CallbacksDue    int `json:"callbacks_due"`
	CallbacksOnTime int `json:"callbacks_on_time"`
}

// seconds is d in seconds, null over no cases.
func seconds(d time.Duration, count int) *float64 {
	if count == 0 {
		return nil
	}
	s := d.Seconds()
	return &s
}

// viewService is s with the callbacks of cb, judged as the promises report
// judges them.
func viewService(s storage.ServiceReport, cb promises.Counts) serviceView {
	fr, res := s.FirstResponse, s.Resolution
	return serviceView{
		FirstResponseCount: fr.Count, FirstResponseMedianSeconds: seconds(fr.Median, fr.Count), FirstResponseP90Seconds: seconds(fr.P90, fr.Count),
		ResolutionCount: res.Count, ResolutionMedianSeconds: seconds(res.Median, res.Count), ResolutionP90Seconds: seconds(res.P90, res.Count),
		CallbacksDue: cb.CallbacksJudged, CallbacksOnTime: cb.CallbacksOnTime,
	}
}

type feedbackReportView struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
	// TimeZone is the zone the days of by_day are counted in.
	TimeZone string `json:"time_zone"`
	feedbackCountsView
	ByChannel  []channelFeedbackView  `json:"by_channel"`
	ByOperator []operatorFeedbackView `json:"by_operator"`
	ByDay      []dayFeedbackView      `json:"by_day"`
	Service    serviceView            `json:"service"`
}

// reportPeriod is what a report's query asks for.
type reportPeriod struct {
	from, to time.Time
	loc      *time.Location
	csv      bool
}

// parseReportPeriod reads ?from=&to=&tz=&format= (and Accept: text/csv)
// as docs/reports.md describes them.
func parseReportPeriod(c echo.Context, now time.Time) (reportPeriod, error) {
	p := reportPeriod{loc: time.UTC}
	if tz := c.QueryParam("tz"); tz != "" {
		loc, err := time.LoadLocation(tz)
		if err != nil || tz == "Local" {
			return p, badRequest(`"tz" %q is not an IANA time zone such as Europe/Berlin`, tz)
		}
		p.loc = loc
	}
	switch format := strings.ToLower(c.QueryParam("format")); format {
	case "":
		p.csv = acceptsCSV(c.Request().Header.Get(echo.HeaderAccept))
	case "csv", "json":
		p.csv = format == "csv"
	default:
		return p, badRequest(`"format" %q is not json or csv`, format)
	}
	var err error
	if p.to, err = parseReportTime(c, "to", p.loc); err != nil {
		return p, err
	}
	if p.to.IsZero() {
		p.to = now
	}
	if p.from, err = parseReportTime(c, "from", p.loc); err != nil {
		return p, err
	}
	if p.from.IsZero() {
		last := p.to.Add(-time.Nanosecond).In(p.loc)
		p.from = time.Date(last.Year(), last.Month(), last.Day()-(DefaultReportDays-1), 0, 0, 0, 0, p.loc)
	}
	if !p.from.Before(p.to) {
		return p, badRequest(`"from" (%s) is not before "to" (%s): the period is empty`,
			queryOr(c, "from", p.from), queryOr(c, "to", p.to))
	}
	if p.to.Sub(p.from) > MaxReportDays*24*time.Hour {
		return p, badRequest(`"from" and "to" are more than %d days apart`, MaxReportDays)
	}
	p.from, p.to = p.from.UTC(), p.to.UTC()
	return p, nil
}

// parseReportTime reads query parameter name as an RFC 3339 time or a date
// in loc: the start of that day for "from", the end of it for "to". It is
// the zero time when the parameter is absent.
func parseReportTime(c echo.Context, name string, loc *time.Location) (time.Time, error) {
	raw := c.QueryParam(name)
	if raw == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, raw); err == nil {
		return t, nil
	}
	day, err := time.ParseInLocation(time.DateOnly, raw, loc)
	if err != nil {
		return time.Time{}, badRequest(`%q %q is neither a date (2026-03-01) nor an RFC 3339 time (2026-03-01T09:00:00Z)`, name, raw)
	}
	if name == "to" {
		day = day.AddDate(0, 0, 1)
	}
	return day, nil
}

// queryOr is query parameter name as it was given, or t when it was not.
func queryOr(c echo.Context, name string, t time.Time) string {
	if raw := c.QueryParam(name); raw != "" {
		return raw
	}
	return t.UTC().Format(time.RFC3339)
}

// acceptsCSV reports whether an Accept header names text/csv.
func acceptsCSV(accept string) bool {
	for _, part := range strings.Split(accept, ",") {
		if mt, _, err := mime.ParseMediaType(strings.TrimSpace(part)); err == nil && mt == "text/csv" {
			return true
		}
	}
	return false
}

// feedbackReport answers GET /reports/feedback: NPS, happiness index and
// the counts behind them, by channel, operator and day, with the service
// figures of the same period (its callbacks judged as the promises report
// judges them); as JSON, or CSV for a download.
func (a *API) feedbackReport(c echo.Context) error {
	now := time.Now()
	p, err := parseReportPeriod(c, now)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	fb, err := a.store.FeedbackReport(ctx, p.from, p.to, p.loc)
	if err != nil {
		return err
	}
	svc, err := a.store.ServiceReport(ctx, p.from, p.to)
	if err != nil {
		return err
	}
	callbacks, err := promises.Callbacks(ctx, a.store, p.from, p.to, a.hours, now)
	if err != nil {
		return err
	}
	ids := make([]uint64, 0, len(fb.ByOperator))
	for _, o := range fb.ByOperator {
		ids = append(ids, o.OperatorID)
	}
	ops, err := a.store.OperatorsByID(ctx, ids)
	if err != nil {
		return err
	}
	v := feedbackReportView{From: p.from, To: p.to, TimeZone: p.loc.String(), feedbackCountsView: viewFeedbackCounts(fb.Total),
		ByChannel: make([]channelFeedbackView, 0, len(fb.ByChannel)), ByOperator: make([]operatorFeedbackView, 0, len(fb.ByOperator)),
		ByDay: make([]dayFeedbackView, 0, len(fb.ByDay)), Service: viewService(svc, callbacks)}
	for _, ch := range fb.ByChannel {
		v.ByChannel = append(v.ByChannel, channelFeedbackView{Channel: ch.Channel, feedbackCountsView: viewFeedbackCounts(ch.FeedbackCounts)})
	}
	for _, o := range fb.ByOperator {
		ov := operatorFeedbackView{feedbackCountsView: viewFeedbackCounts(o.FeedbackCounts)}
		if o.OperatorID != 0 {
			id := o.OperatorID
			ov.OperatorID, ov.OperatorName = &id, ops[id].Name
		}
		v.ByOperator = append(v.ByOperator, ov)
	}
	for _, d := range fb.ByDay {
		v.ByDay = append(v.ByDay, dayFeedbackView{Date: d.Date, feedbackCountsView: viewFeedbackCounts(d.FeedbackCounts)})
	}
	if p.csv {
		return writeFeedbackCSV(c, v, p)
	}
	return c.JSON(http.StatusOK, v)
}

// startCSV answers 200 with a CSV attachment named for report and the
// period's days in its zone, and returns the writer of its rows.
func startCSV(c echo.Context, report string, p reportPeriod) *csv.Writer {
	name := fmt.Sprintf("switchboard-%s-%s-%s.csv", report, p.from.In(p.loc).Format(time.DateOnly),
		p.to.Add(-time.Nanosecond).In(p.loc).Format(time.DateOnly))
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	h.Set(echo.HeaderContentDisposition, mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	c.Response().WriteHeader(http.StatusOK)
	return csv.NewWriter(c.Response())
}

// feedbackCSVHeader is the CSV download's first row.
var feedbackCSVHeader = []string{"scope", "key", "name", "responses", "promoters", "passives", "detractors",
	"thanks", "complaints", "questions", "nps", "happiness_index"}

// writeFeedbackCSV answers with v as a CSV attachment: one row for the
// total, then one per day, per channel and per operator.
func writeFeedbackCSV(c echo.Context, v feedbackReportView, p reportPeriod) error {
	w := startCSV(c, "feedback", p)
	row := func(scope, key, name string, f feedbackCountsView) {
		_ = w.Write(append([]string{scope, spreadsheetText(key), spreadsheetText(name)},
			strconv.Itoa(f.Responses), strconv.Itoa(f.Promoters), strconv.Itoa(f.Passives), strconv.Itoa(f.Detractors),
			strconv.Itoa(f.Thanks), strconv.Itoa(f.Complaints), strconv.Itoa(f.Questions), decimals(f.NPS, 2), decimals(f.HappinessIndex, 2)))
	}
	_ = w.Write(feedbackCSVHeader)
	row("total", "", "", v.feedbackCountsView)
	for _, d := range v.ByDay {
		row("day", d.Date, "", d.feedbackCountsView)
	}
	for _, ch := range v.ByChannel {
		row("channel", ch.Channel, "", ch.feedbackCountsView)
	}
	for _, o := range v.ByOperator {
		key := ""
		if o.OperatorID != nil {
			key = strconv.FormatUint(*o.OperatorID, 10)
		}
		row("operator", key, o.OperatorName, o.feedbackCountsView)
	}
	w.Flush()
	return w.Error()
}

// decimals is v with places decimals for a CSV cell, "" for none:
// percentages take two, shares and ratios four.
func decimals(v *float64, places int) string {
	if v == nil {
		return ""
	}
	return strconv.FormatFloat(*v, 'f', places, 64)
}

// spreadsheetText keeps a text cell from being taken for a formula by a
// spreadsheet (an operator named "=HYPERLINK(…)"): such cells get a
// leading apostrophe.
func spreadsheetText(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
