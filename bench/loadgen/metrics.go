package main

import (
	"fmt"

	"github.com/switchboardhq/switchboard/metrics"
)

// commitSummary reads switchboard's own group-commit metrics (in-process
// runs only): how many commits, how many events each carried on average,
// and the mean time from Submit to commit.
func commitSummary() string {
	families, err := metrics.Registry.Gather()
	if err != nil {
		return "metrics: " + err.Error()
	}
	var commits, events uint64
	var batchSum, waitSum float64
	for _, f := range families {
		for _, m := range f.GetMetric() {
			h := m.GetHistogram()
			if h == nil {
				continue
			}
			switch f.GetName() {
			case "switchboard_commit_batch_size":
				commits += h.GetSampleCount()
				batchSum += h.GetSampleSum()
			case "switchboard_inbound_commit_seconds":
				events += h.GetSampleCount()
				waitSum += h.GetSampleSum()
			}
		}
	}
	if commits == 0 || events == 0 {
		return "no commits"
	}
	return fmt.Sprintf("%d commits of %.1f events on average; %.1f ms mean from Submit to commit",
		commits, batchSum/float64(commits), waitSum/float64(events)*1000)
}
