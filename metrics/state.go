package metrics

import (
	"context"
	"sort"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// State is what the database says at scrape time.
type State struct {
	ConversationsByState map[string]int64
	OutboxPending        int64
	// WaitingByChannel counts the customers waiting for a person.
	WaitingByChannel map[string]int64
	// LongestWait is how long the first in the queue has waited.
	LongestWait time.Duration
	// OperatorsByPresence counts active operators by presence.
	OperatorsByPresence map[string]int64
	// CallbacksDue are scheduled callbacks to be dialled within the next
	// hour, not late yet; CallbacksLate those running late.
	CallbacksDue, CallbacksLate int64
}

// StateSource reads State; it is given a context with a short deadline.
type StateSource func(ctx context.Context) (State, error)

// Channels and presences always exported, at zero when none; others are
// added as they appear.
var (
	baseChannels  = []string{"telegram", "sms", "voice"}
	basePresences = []string{"online", "away", "offline"}
)

var (
	conversationsDesc  = prometheus.NewDesc("switchboard_conversations", "Conversations by state.", []string{"state"}, nil)
	outboxPendingDesc  = prometheus.NewDesc("switchboard_outbox_pending", "Replies waiting to be delivered.", nil, nil)
	waitingDesc        = prometheus.NewDesc("switchboard_waiting_customers", "Customers waiting for a person, by channel.", []string{"channel"}, nil)
	longestWaitDesc    = prometheus.NewDesc("switchboard_longest_wait_seconds", "How long the first customer in the queue has waited (0 when nobody waits).", nil, nil)
	operatorsDesc      = prometheus.NewDesc("switchboard_operators", "Active operators by presence.", []string{"presence"}, nil)
	callbacksDueDesc   = prometheus.NewDesc("switchboard_callbacks_due", "Scheduled callbacks to be dialled within the next hour, not running late.", nil, nil)
	callbacksLateDesc  = prometheus.NewDesc("switchboard_callbacks_late", "Scheduled callbacks not dialled callbacks.late_after past their time.", nil, nil)
	stateMu            sync.Mutex
	stateSource        StateSource
	stateSourceTimeout = 2 * time.Second
)

// SetStateSource tells the metrics where to read database gauges from.
func SetStateSource(src StateSource) {
	stateMu.Lock()
	stateSource = src
	stateMu.Unlock()
}

type stateCollector struct{}

func (stateCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{conversationsDesc, outboxPendingDesc, waitingDesc, longestWaitDesc, operatorsDesc,
		callbacksDueDesc, callbacksLateDesc} {
		ch <- d
	}
}

func (stateCollector) Collect(ch chan<- prometheus.Metric) {
	stateMu.Lock()
	src := stateSource
	stateMu.Unlock()
	if src == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), stateSourceTimeout)
	defer cancel()
	st, err := src(ctx)
	if err != nil {
		return
	}
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	for _, s := range []string{"bot", "waiting", "open", "resolved"} {
		gauge(conversationsDesc, float64(st.ConversationsByState[s]), s)
	}
	gauge(outboxPendingDesc, float64(st.OutboxPending))
	for _, c := range withBase(baseChannels, st.WaitingByChannel) {
		gauge(waitingDesc, float64(st.WaitingByChannel[c]), c)
	}
	gauge(longestWaitDesc, st.LongestWait.Seconds())
	for _, p := range withBase(basePresences, st.OperatorsByPresence) {
		gauge(operatorsDesc, float64(st.OperatorsByPresence[p]), p)
	}
	gauge(callbacksDueDesc, float64(st.CallbacksDue))
	gauge(callbacksLateDesc, float64(st.CallbacksLate))
}

// withBase is base followed by m's other keys, sorted.
func withBase(base []string, m map[string]int64) []string {
	out := append([]string(nil), base...)
	var more []string
	for k := range m {
		if !contains(base, k) {
			more = append(more, k)
		}
	}
	sort.Strings(more)
	return append(out, more...)
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func init() { Registry.MustRegister(stateCollector{}) }
