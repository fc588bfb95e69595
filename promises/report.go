package promises

import (
	"context"
	"slices"
	"time"

	"github.com/switchboardhq/switchboard/callback/policy"
	"github.com/switchboardhq/switchboard/hours"
	"github.com/switchboardhq/switchboard/storage"
)

// CallbackGrace is how late after its promised moment (or business hours'
// next opening) a callback's first dial may be and still be on time.
const CallbackGrace = 60 * time.Second

// Counts are the promises of one scope of a report (docs/reports.md,
// "The promises report").
type Counts struct {
	// WaitEstimates are the estimates with a number of minutes told in the
	// period; WaitsOnHold those with none (callers put on hold), which
	// count nowhere else.
	WaitEstimates int
	WaitsOnHold   int
	// WaitsJudged are the estimates that have a verdict: answered, left,
	// or still open past the minutes told. WaitsKept were answered within
	// them; WaitsLeft were left unanswered; WaitsOverdue are open past them.
	WaitsJudged  int
	WaitsKept    int
	WaitsLeft    int
	WaitsOverdue int
	// WaitsBot were settled by the bot; WaitsPending are open and within
	// the minutes told. Neither is judged.
	WaitsBot     int
	WaitsPending int
	// ratios are minutes told / real minutes of the answered estimates.
	ratios []float64

	// CallbacksPromised are the callbacks promised for a moment in the
	// period; CallbacksJudged those with a verdict, CallbacksOnTime those
	// first dialled in time. CallbacksPending are not dialled and not yet
	// late; CallbacksWithdrawn were cancelled before they were late;
	// CallbacksUnknown were dialled before first dials were recorded. None
	// of those three is judged.
	CallbacksPromised  int
	CallbacksJudged    int
	CallbacksOnTime    int
	CallbacksPending   int
	CallbacksWithdrawn int
	CallbacksUnknown   int
}

// WaitsKeptShare is WaitsKept / WaitsJudged, from 0 to 1; ok is false
// when nothing was judged.
func (c Counts) WaitsKeptShare() (float64, bool) {
	return share(c.WaitsKept, c.WaitsJudged)
}

// CallbacksOnTimeShare is CallbacksOnTime / CallbacksJudged, from 0 to 1;
// ok is false when no callback was judged.
func (c Counts) CallbacksOnTimeShare() (float64, bool) {
	return share(c.CallbacksOnTime, c.CallbacksJudged)
}

// ToldToRealMedian is the median of minutes told / real minutes over the
// answered estimates (the real wait counted as at least a minute); ok is
// false when none was answered.
func (c Counts) ToldToRealMedian() (float64, bool) {
	if len(c.ratios) == 0 {
		return 0, false
	}
	r := slices.Clone(c.ratios)
	slices.Sort(r)
	mid := len(r) / 2
	if len(r)%2 == 1 {
		return r[mid], true
	}
	return (r[mid-1] + r[mid]) / 2, true
}

func share(n, of int) (float64, bool) {
	if of == 0 {
		return 0, false
	}
	return float64(n) / float64(of), true
}

// ChannelCounts are the counts of one channel.
type ChannelCounts struct {
	Channel string
	Counts
}

// DayCounts are the counts of one day (YYYY-MM-DD in the report's zone).
type DayCounts struct {
	Date string
	Counts
}

// Report is the promises report of a period: every wait told and callback
// promised in it, judged at Now.
type Report struct {
	Now       time.Time
	Total     Counts
	ByChannel []ChannelCounts
	ByDay     []DayCounts
}

// WaitVerdict is what became of a wait estimate by a moment.
type WaitVerdict int

// Wait verdicts.
const (
	// OnHold: no number was told; not a wait estimate.
	OnHold WaitVerdict = iota
	// WaitKept: answered within the minutes told.
	WaitKept
	// WaitLeft: the customer left unanswered.
	WaitLeft
	// WaitOverdue: still open, and the minutes told have passed.
	WaitOverdue
	// WaitLate: answered after the minutes told.
	WaitLate
	// WaitByBot: settled by the bot; not judged.
	WaitByBot
	// WaitPending: still open within the minutes told; not judged yet.
	WaitPending
)

// JudgeWait says what became of w by now. An estimate still open once its
// minutes have passed is not kept whatever happens later: the promise is
// already broken.
func JudgeWait(w storage.WaitEstimate, now time.Time) WaitVerdict {
	if w.Minutes == nil {
		return OnHold
	}
	told := time.Duration(*w.Minutes) * time.Minute
	switch w.Outcome {
	case storage.OutcomeAnswered:
		if kept, _ := Kept(w); kept {
			return WaitKept
		}
		return WaitLate
	case storage.OutcomeLeft:
		return WaitLeft
	case storage.OutcomeBot:
		return WaitByBot
	}
	if now.Sub(w.ToldAt) > told {
		return WaitOverdue
	}
	return WaitPending
}

// ToldToReal is minutes told / real minutes of an answered estimate, the
// real wait counted as at least one minute (the unit waits are told in),
// so an answer within the first minute gives the minutes told; ok is false
// unless w was answered and had minutes.
func ToldToReal(w storage.WaitEstimate) (float64, bool) {
	real, ok := RealWait(w)
	if !ok || w.Minutes == nil {
		return 0, false
	}
	return float64(*w.Minutes) / max(real.Minutes(), 1), true
}

// CallbackVerdict is what became of a promised callback by a moment.
type CallbackVerdict int

// Callback verdicts.
const (
	// CallbackOnTime: first dialled no later than CallbackGrace after the
	// moment it was due.
	CallbackOnTime CallbackVerdict = iota
	// CallbackLate: dialled later, or not dialled and already late.
	CallbackLate
	// CallbackPending: not dialled, not late yet.
	CallbackPending
	// CallbackWithdrawn: cancelled, undialled, before it was late.
	CallbackWithdrawn
	// CallbackUnknown: dialled before first dials were recorded.
	CallbackUnknown
)

// CallbackDue is when a callback promised for promised is due: that moment
// when business hours are open then, else their next opening (promised
// itself when they never open again within NextOpen's horizon).
func CallbackDue(business *hours.Schedule, promised time.Time) time.Time {
	if open, ok := business.NextOpen(promised); ok {
		return open
	}
	return promised
}

// JudgeCallback says what became of cb by now under business hours.
func JudgeCallback(cb storage.PromisedCallback, business *hours.Schedule, now time.Time) CallbackVerdict {
	deadline := CallbackDue(business, cb.PromisedAt).Add(CallbackGrace)
	switch {
	case cb.FirstDialedAt != nil && !cb.FirstDialedAt.After(deadline):
		return CallbackOnTime
	case cb.FirstDialedAt != nil:
		return CallbackLate
	case cb.Attempts > 0:
		return CallbackUnknown
	case cb.State == string(policy.Cancelled) && (cb.CancelledAt == nil || !cb.CancelledAt.After(deadline)):
		return CallbackWithdrawn
	case now.After(deadline):
		return CallbackLate
	}
	return CallbackPending
}

// Build reads the wait estimates told and the callbacks promised in
// [from, to) and judges them at now, callbacks under business hours (nil:
// always open). Rows are streamed and tallied; only the told/real ratios of
// answered estimates are held, for the medians. Days are counted in loc.
func Build(ctx context.Context, store *storage.Storage, from, to time.Time, loc *time.Location,
	business *hours.Schedule, now time.Time) (Report, error) {
	if loc == nil {
		loc = time.UTC
	}
	r := Report{Now: now}
	days := map[string]*Counts{}
	f := from.In(loc)
	for day := time.Date(f.Year(), f.Month(), f.Day(), 0, 0, 0, 0, loc); day.Before(to); day = day.AddDate(0, 0, 1) {
		r.ByDay = append(r.ByDay, DayCounts{Date: day.Format(time.DateOnly)})
	}
	for i := range r.ByDay {
		days[r.ByDay[i].Date] = &r.ByDay[i].Counts
	}
	channels := map[string]*Counts{}
	scopes := func(channel string, at time.Time) []*Counts {
		ch := channels[channel]
		if ch == nil {
			ch = &Counts{}
			channels[channel] = ch
		}
		out := []*Counts{&r.Total, ch}
		if d := days[at.In(loc).Format(time.DateOnly)]; d != nil {
			out = append(out, d)
		}
		return out
	}
	err := store.EachWaitEstimate(ctx, from, to, func(w storage.WaitEstimate) error {
		v := JudgeWait(w, now)
		ratio, answered := ToldToReal(w)
		for _, c := range scopes(w.Channel, w.ToldAt) {
			c.addWait(v)
			if answered {
				c.ratios = append(c.ratios, ratio)
			}
		}
		return nil
	})
	if err != nil {
		return Report{}, err
	}
	err = store.EachPromisedCallback(ctx, from, to, func(cb storage.PromisedCallback) error {
		v := JudgeCallback(cb, business, now)
		for _, c := range scopes(cb.Channel, cb.PromisedAt) {
			c.addCallback(v)
		}
		return nil
	})
	if err != nil {
		return Report{}, err
	}
	keys := make([]string, 0, len(channels))
	for k := range channels {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		r.ByChannel = append(r.ByChannel, ChannelCounts{Channel: k, Counts: *channels[k]})
	}
	return r, nil
}

// Callbacks counts the callbacks promised for a moment in [from, to),
// judged at now under business hours (nil: always open): the callback
// counts of Build's Total, without reading the wait estimates. The
// feedback report's service figures take theirs from it, so both reports
// say the same for the same period.
func Callbacks(ctx context.Context, store *storage.Storage, from, to time.Time, business *hours.Schedule,
	now time.Time) (Counts, error) {
	var c Counts
	err := store.EachPromisedCallback(ctx, from, to, func(cb storage.PromisedCallback) error {
		c.addCallback(JudgeCallback(cb, business, now))
		return nil
	})
	if err != nil {
		return Counts{}, err
	}
	return c, nil
}

func (c *Counts) addWait(v WaitVerdict) {
	if v == OnHold {
		c.WaitsOnHold++
		return
	}
	c.WaitEstimates++
	switch v {
	case WaitKept:
		c.WaitsJudged++
		c.WaitsKept++
	case WaitLate:
		c.WaitsJudged++
	case WaitLeft:
		c.WaitsJudged++
		c.WaitsLeft++
	case WaitOverdue:
		c.WaitsJudged++
		c.WaitsOverdue++
	case WaitByBot:
		c.WaitsBot++
	case WaitPending:
		c.WaitsPending++
	}
}

func (c *Counts) addCallback(v CallbackVerdict) {
	c.CallbacksPromised++
	switch v {
	case CallbackOnTime:
		c.CallbacksJudged++
		c.CallbacksOnTime++
	case CallbackLate:
		c.CallbacksJudged++
	case CallbackPending:
		c.CallbacksPending++
	case CallbackWithdrawn:
		c.CallbacksWithdrawn++
	case CallbackUnknown:
		c.CallbacksUnknown++
	}
}
