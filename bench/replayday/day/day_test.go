package day_test

import (
	"testing"

	"github.com/switchboardhq/switchboard/bench/replayday/day"
	"github.com/switchboardhq/switchboard/config"
	"github.com/switchboardhq/switchboard/storage/storagetest"
)

// TestTheLearnedEstimateKeepsItsPromiseOnAReplayedDay replays one day,
// the same customers under each rule: the learned estimate keeps at least
// 95% of its promises while telling at most twice the real wait (median),
// where the fixed rule tells more than twice.
func TestTheLearnedEstimateKeepsItsPromiseOnAReplayedDay(t *testing.T) {
	if testing.Short() {
		t.Skip("a whole day through the engine")
	}
	results := map[string]day.Result{}
	for _, rule := range []string{config.EstimateFixed, config.EstimateLearned} {
		res, err := day.Run(t.Context(), storagetest.Open(t), day.Default(1, rule))
		if err != nil {
			t.Fatalf("%s: %v", rule, err)
		}
		t.Logf("%s: %d customers, %d of %d kept (%.1f%%), told/real median %.2f", rule, res.Customers, res.Kept,
			res.Judged, 100*res.KeptShare(), res.ToldToRealMedian)
		if res.Customers < 300 || res.Judged < res.Customers {
			t.Fatalf("%s: %d customers, %d judged; want a whole day's, each judged", rule, res.Customers, res.Judged)
		}
		results[rule] = res
	}
	fixed, learned := results[config.EstimateFixed], results[config.EstimateLearned]
	if fixed.Customers != learned.Customers || fixed.RealWaitMedian != learned.RealWaitMedian {
		t.Fatalf("the two days differ: %d and %d customers, real median %s and %s", fixed.Customers, learned.Customers,
			fixed.RealWaitMedian, learned.RealWaitMedian)
	}
	if learned.KeptShare() < 0.95 || learned.ToldToRealMedian > 2 {
		t.Errorf("learned: kept %.1f%%, told/real median %.2f; want ≥ 95%% and ≤ 2", 100*learned.KeptShare(), learned.ToldToRealMedian)
	}
	if fixed.ToldToRealMedian <= 2 {
		t.Errorf("fixed: told/real median %.2f; the day was meant to show it telling over twice the real wait", fixed.ToldToRealMedian)
	}
}
