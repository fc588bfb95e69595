// Package metrics defines switchboard's Prometheus metrics in one place, so
// every package counts the same things under the same names.
package metrics

import (
	"github.com/prometheus/client_golang/prometheus"
)

// Registry holds switchboard's metrics plus the Go and process collectors.
var Registry = prometheus.NewRegistry()

var (
	// WebhookUpdates counts inbound channel events by channel and outcome
	// (handled, duplicate, rejected, error).
	WebhookUpdates = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "switchboard_inbound_events_total",
		Help: "Inbound channel events by channel and outcome.",
	}, []string{"channel", "outcome"})

	// InboundLatency measures from receiving an event to its commit.
	InboundLatency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "switchboard_inbound_commit_seconds",
		Help:    "Time from receiving an inbound event to its durable commit.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
	}, []string{"channel"})

	// CommitBatchSize observes how many events share one commit.
	CommitBatchSize = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "switchboard_commit_batch_size",
		Help:    "Inbound events committed together in one transaction.",
		Buckets: []float64{1, 2, 4, 8, 16, 32, 64, 128},
	})

	// Deliveries counts outbound delivery attempts by channel and result
	// (sent, retry, failed, unreachable).
	Deliveries = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "switchboard_outbox_deliveries_total",
		Help: "Outbound delivery attempts by channel and result.",
	}, []string{"channel", "result"})

	// EventsDropped counts live events a slow event stream missed (it
	// reloads on the gap in ids).
	EventsDropped = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "switchboard_events_dropped_total",
		Help: "Live events not delivered to a subscriber that fell behind.",
	})

	// Surveys counts what became of surveys as they fell due: sent,
	// postponed (quiet hours), held (the ticket was reopened) or
	// "skipped: <reason>".
	Surveys = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "switchboard_surveys_total",
		Help: "Surveys as they fell due, by outcome (sent, postponed, held, skipped: reason).",
	}, []string{"outcome"})

	// EventStreams counts the console event streams (GET
	// /api/v1/events) open on this process; sum over processes for the
	// service.
	EventStreams = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "switchboard_event_streams_open",
		Help: "Console event streams open on this process.",
	})

	// DeliveryLatency measures from queuing a reply to the channel
	// accepting it.
	DeliveryLatency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "switchboard_outbox_delivery_seconds",
		Help:    "Time from queuing a reply to the channel accepting it.",
		Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60},
	}, []string{"channel"})
)

func init() {
	Registry.MustRegister(WebhookUpdates, EventsDropped, EventStreams, Surveys, InboundLatency, CommitBatchSize, Deliveries, DeliveryLatency,
		prometheus.NewGoCollector(), prometheus.NewProcessCollector(prometheus.ProcessCollectorOpts{}))
}
