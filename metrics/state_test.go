package metrics_test

import (
	"context"
	"io"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/switchboardhq/switchboard/metrics"
)

// TestStateGauges: the state source's figures come out under their names
// and labels, with the usual channels and presences at zero when absent.
func TestStateGauges(t *testing.T) {
	metrics.SetStateSource(func(context.Context) (metrics.State, error) {
		return metrics.State{
			ConversationsByState: map[string]int64{"waiting": 3},
			WaitingByChannel:     map[string]int64{"telegram": 2, "sms": 1},
			LongestWait:          95 * time.Second,
			OperatorsByPresence:  map[string]int64{"online": 2, "away": 1},
			CallbacksDue:         4, CallbacksLate: 1,
		}, nil
	})
	t.Cleanup(func() { metrics.SetStateSource(nil) })
	rec := httptest.NewRecorder()
	promhttp.HandlerFor(metrics.Registry, promhttp.HandlerOpts{}).ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	raw, _ := io.ReadAll(rec.Body)
	got := map[string]float64{}
	for _, line := range strings.Split(string(raw), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		sample, value, _ := strings.Cut(line, " ")
		if v, err := strconv.ParseFloat(value, 64); err == nil {
			got[sample] = v
		}
	}
	for sample, want := range map[string]float64{
		`switchboard_waiting_customers{channel="telegram"}`: 2,
		`switchboard_waiting_customers{channel="sms"}`:      1,
		`switchboard_waiting_customers{channel="voice"}`:    0,
		`switchboard_longest_wait_seconds`:                  95,
		`switchboard_operators{presence="online"}`:          2,
		`switchboard_operators{presence="away"}`:            1,
		`switchboard_operators{presence="offline"}`:         0,
		`switchboard_callbacks_due`:                         4,
		`switchboard_callbacks_late`:                        1,
		`switchboard_event_streams_open`:                    0,
		`switchboard_conversations{state="waiting"}`:        3,
	} {
		if v, ok := got[sample]; !ok || v != want {
			t.Errorf("%s = %v (present %v), want %v", sample, v, ok, want)
		}
	}
}
