package storage

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/switchboardhq/switchboard/feedback/label"
)

// Reports count what happened in a period [from, to): the answers to
// surveys and the labelled messages (feedback), and how fast tickets were
// answered and closed (service). The rows are selected with plain,
// portable SQL and added up here.

// Score bands of the Net Promoter Score: 9 and 10 promote, 7 and 8 are
// passive, 0 to 6 detract.
const (
	PromoterMinScore  = 9
	DetractorMaxScore = 6
)

// FeedbackCounts are the survey answers and labelled messages of a period,
// of one channel, operator or day.
type FeedbackCounts struct {
	// Responses are the surveys scored in the period; each is a promoter,
	// a passive or a detractor.
	Responses, Promoters, Passives, Detractors int
	// Thanks, Complaints and Questions are the labelled customer messages
	// written in the period.
	Thanks, Complaints, Questions int
}

// NPS is the Net Promoter Score, (promoters − detractors) / responses ×
// 100; false when there are no responses.
func (c FeedbackCounts) NPS() (float64, bool) {
	if c.Responses == 0 {
		return 0, false
	}
	return float64(c.Promoters-c.Detractors) / float64(c.Responses) * 100, true
}

// HappinessIndex is the share of positive feedback among all feedback of
// every channel, (promoters + thanks) / (responses + thanks + complaints)
// × 100; false when there is none. Questions are neither.
func (c FeedbackCounts) HappinessIndex() (float64, bool) {
	all := c.Responses + c.Thanks + c.Complaints
	if all == 0 {
		return 0, false
	}
	return float64(c.Promoters+c.Thanks) / float64(all) * 100, true
}

func (c *FeedbackCounts) addScore(score int) {
	c.Responses++
	switch {
	case score >= PromoterMinScore:
		c.Promoters++
	case score > DetractorMaxScore:
		c.Passives++
	default:
		c.Detractors++
	}
}

func (c *FeedbackCounts) addLabel(l string) {
	switch l {
	case label.Thanks:
		c.Thanks++
	case label.Complaint:
		c.Complaints++
	case label.Question:
		c.Questions++
	}
}

// ChannelFeedback is the feedback that came through one channel.
type ChannelFeedback struct {
	Channel string
	FeedbackCounts
}

// OperatorFeedback is the feedback on the tickets one operator handled;
// OperatorID 0 gathers the tickets no operator had.
type OperatorFeedback struct {
	OperatorID uint64
	FeedbackCounts
}

// DayFeedback is the feedback of one day.
type DayFeedback struct {
	// Date is the day as YYYY-MM-DD in the report's time zone.
	Date string
	FeedbackCounts
}

// FeedbackReport is the feedback of a period: in total, by channel, by
// operator and by day. Each of the three adds up to Total.
type FeedbackReport struct {
	Total FeedbackCounts
	// ByChannel is ordered by channel name, ByOperator by operator id (0
	// first); both list only those with some feedback.
	ByChannel  []ChannelFeedback
	ByOperator []OperatorFeedback
	// ByDay lists every day the period touches, in order, those without
	// feedback too.
	ByDay []DayFeedback
}

// feedbackTally adds feedback up as it is read.
type feedbackTally struct {
	report    FeedbackReport
	channels  map[string]*FeedbackCounts
	operators map[uint64]*FeedbackCounts
	days      map[string]*FeedbackCounts
	loc       *time.Location
}

func (t *feedbackTally) add(channel string, operatorID uint64, at time.Time, count func(*FeedbackCounts)) {
	count(&t.report.Total)
	if t.channels[channel] == nil {
		t.channels[channel] = &FeedbackCounts{}
	}
	count(t.channels[channel])
	if t.operators[operatorID] == nil {
		t.operators[operatorID] = &FeedbackCounts{}
	}
	count(t.operators[operatorID])
	// Every day of the period is in days; a row is never outside it.
	if d := t.days[at.In(t.loc).Format(time.DateOnly)]; d != nil {
		count(d)
	}
}

// FeedbackReport counts the surveys scored and the labelled messages
// written in [from, to), with days in loc (UTC when nil). A survey counts
// for the channel and operator of its ticket, a message for its own
// channel and its conversation's operator.
func (s *Storage) FeedbackReport(ctx context.Context, from, to time.Time, loc *time.Location) (FeedbackReport, error) {
	if loc == nil {
		loc = time.UTC
	}
	from, to = from.UTC(), to.UTC()
	t := &feedbackTally{channels: map[string]*FeedbackCounts{}, operators: map[uint64]*FeedbackCounts{},
		days: map[string]*FeedbackCounts{}, loc: loc}
	for _, day := range daysOf(from, to, loc) {
		t.report.ByDay = append(t.report.ByDay, DayFeedback{Date: day})
	}
	for i := range t.report.ByDay {
		t.days[t.report.ByDay[i].Date] = &t.report.ByDay[i].FeedbackCounts
	}

	scores := s.q(ctx).Model(&Survey{}).Select("channel, operator_id, score, scored_at").
		Where("score IS NOT NULL AND scored_at >= ? AND scored_at < ?", from, to)
	err := eachRow(scores, func(rows *sql.Rows) error {
		var channel string
		var operatorID sql.NullInt64
		var score int
		var at time.Time
		if err := rows.Scan(&channel, &operatorID, &score, &at); err != nil {
			return err
		}
		t.add(channel, uint64(operatorID.Int64), at, func(c *FeedbackCounts) { c.addScore(score) })
		return nil
	})
	if err != nil {
		return FeedbackReport{}, fmt.Errorf("count survey scores from %s to %s: %w", from.Format(time.RFC3339), to.Format(time.RFC3339), err)
	}

	labelled := s.q(ctx).Table("messages").
		Select("messages.label, messages.channel, conversations.channel, COALESCE(messages.operator_id, conversations.operator_id), messages.created_at").
		Joins("JOIN conversations ON conversations.id = messages.conversation_id").
		Where("messages.label IN ? AND messages.created_at >= ? AND messages.created_at < ?", label.All, from, to)
	err = eachRow(labelled, func(rows *sql.Rows) error {
		var l, channel, convChannel string
		var operatorID sql.NullInt64
		var at time.Time
		if err := rows.Scan(&l, &channel, &convChannel, &operatorID, &at); err != nil {
			return err
		}
		if channel == "" {
			channel = convChannel
		}
		t.add(channel, uint64(operatorID.Int64), at, func(c *FeedbackCounts) { c.addLabel(l) })
		return nil
	})
	if err != nil {
		return FeedbackReport{}, fmt.Errorf("count labelled messages from %s to %s: %w", from.Format(time.RFC3339), to.Format(time.RFC3339), err)
	}

	for _, ch := range sortedKeys(t.channels) {
		t.report.ByChannel = append(t.report.ByChannel, ChannelFeedback{Channel: ch, FeedbackCounts: *t.channels[ch]})
	}
	for _, id := range sortedKeys(t.operators) {
		t.report.ByOperator = append(t.report.ByOperator, OperatorFeedback{OperatorID: id, FeedbackCounts: *t.operators[id]})
	}
	return t.report, nil
}

// daysOf lists, as YYYY-MM-DD in loc, every day that [from, to) touches.
func daysOf(from, to time.Time, loc *time.Location) []string {
	var out []string
	f := from.In(loc)
	for day := time.Date(f.Year(), f.Month(), f.Day(), 0, 0, 0, 0, loc); day.Before(to); day = day.AddDate(0, 0, 1) {
		out = append(out, day.Format(time.DateOnly))
	}
	return out
}

func sortedKeys[K string | uint64, V any](m map[K]V) []K {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// DurationStats sums up how long something took, over Count cases; the
// median and 90th percentile are zero when Count is.
type DurationStats struct {
	Count       int
	Median, P90 time.Duration
}

// ServiceReport is how the team served customers in a period.
type ServiceReport struct {
	// FirstResponse runs from a ticket's hand-over to a person to the first
	// operator reply after it, over the tickets handed over in the period
	// and answered (whenever that was).
	FirstResponse DurationStats
	// Resolution runs from a ticket's start to its resolution, over the
	// tickets resolved in the period that were handed over to a person
	// (those the self-service menu closed are left out).
	Resolution DurationStats
}

// ServiceReport measures first response and resolution times in
// [from, to). Callbacks kept on time are the promises report's to count
// (promises.Callbacks), so that both reports agree.
func (s *Storage) ServiceReport(ctx context.Context, from, to time.Time) (ServiceReport, error) {
	from, to = from.UTC(), to.UTC()
	period := fmt.Sprintf("from %s to %s", from.Format(time.RFC3339), to.Format(time.RFC3339))
	var out ServiceReport

	// Every state is named so that the (state, handed_over_at) index
	// serves the range.
	handedOver := map[uint64]time.Time{}
	firstReply := map[uint64]time.Time{}
	replies := s.q(ctx).Table("conversations").
		Select("conversations.id, conversations.handed_over_at, messages.created_at").
		Joins("JOIN messages ON messages.conversation_id = conversations.id").
		Where("conversations.state IN ? AND conversations.handed_over_at >= ? AND conversations.handed_over_at < ?",
			[]string{StateBot, StateWaiting, StateOpen, StateResolved}, from, to).
		Where("messages.direction = ? AND messages.author = ?", Outbound, AuthorOperator)
	err := eachRow(replies, func(rows *sql.Rows) error {
		var id uint64
		var handed, at time.Time
		if err := rows.Scan(&id, &handed, &at); err != nil {
			return err
		}
		if at.Before(handed) {
			return nil // a reply before the ticket was last handed over
		}
		if first, ok := firstReply[id]; !ok || at.Before(first) {
			handedOver[id], firstReply[id] = handed, at
		}
		return nil
	})
	if err != nil {
		return out, fmt.Errorf("measure first responses %s: %w", period, err)
	}
	var waits []time.Duration
	for id, at := range firstReply {
		waits = append(waits, at.Sub(handedOver[id]))
	}
	out.FirstResponse = durationStats(waits)

	var spans []time.Duration
	resolved := s.q(ctx).Model(&Conversation{}).Select("created_at, resolved_at").
		Where("resolved_at >= ? AND resolved_at < ? AND handed_over_at IS NOT NULL", from, to)
	err = eachRow(resolved, func(rows *sql.Rows) error {
		var created, done time.Time
		if err := rows.Scan(&created, &done); err != nil {
			return err
		}
		spans = append(spans, max(done.Sub(created), 0))
		return nil
	})
	if err != nil {
		return out, fmt.Errorf("measure resolutions %s: %w", period, err)
	}
	out.Resolution = durationStats(spans)
	return out, nil
}

// durationStats is the count, median and 90th percentile of ds, which it
// sorts.
func durationStats(ds []time.Duration) DurationStats {
	slices.Sort(ds)
	return DurationStats{Count: len(ds), Median: percentile(ds, 0.5), P90: percentile(ds, 0.9)}
}

// percentile is the p-th quantile of sorted, interpolated linearly between
// the two nearest values (as PostgreSQL's percentile_cont): the median of
// 1, 2, 3, 4 is 2.5. It is zero for no values.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := p * float64(len(sorted)-1)
	lo, hi := int(math.Floor(rank)), int(math.Ceil(rank))
	return sorted[lo] + time.Duration((rank-float64(lo))*float64(sorted[hi]-sorted[lo]))
}

// eachRow runs q and calls scan on each row it returns, so a long period
// is added up without holding every row.
func eachRow(q interface{ Rows() (*sql.Rows, error) }, scan func(*sql.Rows) error) error {
	rows, err := q.Rows()
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}
