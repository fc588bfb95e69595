package metrics

import (
	"context"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// State is what the database says at scrape time.
type State struct {
	ConversationsByState map[string]int64
	OutboxPending        int64
}

// StateSource reads State; it is given a context with a short deadline.
type StateSource func(ctx context.Context) (State, error)

var (
	conversationsDesc = prometheus.NewDesc("switchboard_conversations", "Conversations by state.", []string{"state"}, nil)
	outboxPendingDesc = prometheus.NewDesc("switchboard_outbox_pending", "Replies waiting to be delivered.", nil, nil)
	stateMu           sync.Mutex
	stateSource       StateSource
)

// SetStateSource tells the metrics where to read database gauges from.
func SetStateSource(src StateSource) {
	stateMu.Lock()
	stateSource = src
	stateMu.Unlock()
}

type stateCollector struct{}

func (stateCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- conversationsDesc
	ch <- outboxPendingDesc
}

func (stateCollector) Collect(ch chan<- prometheus.Metric) {
	stateMu.Lock()
	src := stateSource
	stateMu.Unlock()
	if src == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	st, err := src(ctx)
	if err != nil {
		return
	}
	for _, s := range []string{"bot", "waiting", "open", "resolved"} {
		ch <- prometheus.MustNewConstMetric(conversationsDesc, prometheus.GaugeValue, float64(st.ConversationsByState[s]), s)
	}
	ch <- prometheus.MustNewConstMetric(outboxPendingDesc, prometheus.GaugeValue, float64(st.OutboxPending))
}

func init() { Registry.MustRegister(stateCollector{}) }
