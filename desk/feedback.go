package desk

import (
	"context"
	"time"

	"github.com/switchboardhq/switchboard/storage"
)

// Today counts the feedback of the day so far — from midnight in loc (UTC
// when nil) to now — as the feedback report counts it, so NPS and the
// happiness index read alike in both.
func Today(ctx context.Context, store *storage.Storage, now time.Time, loc *time.Location) (storage.FeedbackCounts, error) {
	if loc == nil {
		loc = time.UTC
	}
	local := now.In(loc)
	midnight := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, loc)
	// [midnight, now] — a survey scored this very instant counts.
	r, err := store.FeedbackReport(ctx, midnight, now.Add(time.Nanosecond), loc)
	if err != nil {
		return storage.FeedbackCounts{}, err
	}
	return r.Total, nil
}
