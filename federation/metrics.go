package federation

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the federation's Prometheus series. They are always
// updated; registering them is optional so tests can build many nodes.
type metrics struct {
	quorumWrites *prometheus.CounterVec
	quorumWait   prometheus.Histogram
	pushLatency  *prometheus.HistogramVec
	pending      prometheus.Gauge
	syncRows     *prometheus.CounterVec
	syncErrors   *prometheus.CounterVec
	lagRows      *prometheus.GaugeVec
	lagSeconds   *prometheus.GaugeVec
}

var latencyBuckets = []float64{.0005, .001, .002, .003, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		quorumWrites: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ai_memory_quorum_writes_total",
			Help: "Replicated writes by outcome: met, or the reason quorum was not met (timeout, unreachable, cancelled).",
		}, []string{"outcome"}),
		quorumWait: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "ai_memory_quorum_wait_seconds",
			Help:    "Time from local commit to the quorum answer.",
			Buckets: latencyBuckets,
		}),
		pushLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "ai_memory_fanout_push_seconds",
			Help:    "Duration of a batch push to one peer, retries included, by result.",
			Buckets: latencyBuckets,
		}, []string{"peer", "result"}),
		pending: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "ai_memory_fanout_pending",
			Help: "Pushes to peers still in flight, including those outliving their write's answer.",
		}),
		syncRows: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ai_memory_sync_pulled_rows_total",
			Help: "Rows read from each peer's change feed by anti-entropy.",
		}, []string{"peer"}),
		syncErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ai_memory_sync_errors_total",
			Help: "Failed anti-entropy pulls by peer.",
		}, []string{"peer"}),
		lagRows: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "ai_memory_sync_lag_rows",
			Help: "Rows of a peer's change feed known but not yet applied here.",
		}, []string{"peer"}),
		lagSeconds: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "ai_memory_sync_lag_seconds",
			Help: "Seconds since this node last held everything a peer had.",
		}, []string{"peer"}),
	}
	if reg != nil {
		reg.MustRegister(m.quorumWrites, m.quorumWait, m.pushLatency, m.pending, m.syncRows, m.syncErrors, m.lagRows, m.lagSeconds)
	}
	return m
}

func (m *metrics) quorum(met bool, reason string, took time.Duration) {
	outcome := "met"
	if !met {
		outcome = reason
	}
	m.quorumWrites.WithLabelValues(outcome).Inc()
	m.quorumWait.Observe(took.Seconds())
}

func (m *metrics) push(peer string, err error, took time.Duration) {
	result := "ok"
	if err != nil {
		result = "error"
	}
	m.pushLatency.WithLabelValues(peer, result).Observe(took.Seconds())
}
