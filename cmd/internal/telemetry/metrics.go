package telemetry

import (
	"io"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/uber-go/tally/v4"
	tallyprom "github.com/uber-go/tally/v4/prometheus"
	"go.temporal.io/sdk/client"
	sdktally "go.temporal.io/sdk/contrib/tally"

	"github.com/wabuilder/wab/activities"
)

// NewRegistry is the process's registry, with the Go runtime's and the
// process's own collectors. One per process, passed to whoever registers:
// never Prometheus' global default, so tests build as many as they like.
func NewRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return reg
}

// temporalReportInterval is how often the SDK's metrics reach the registry.
const temporalReportInterval = time.Second

// TemporalMetrics is the Temporal SDK's metrics handler for client.Options,
// reporting into reg through tally's Prometheus reporter, with Prometheus
// naming (temporal_request_total, temporal_activity_execution_latency_seconds,
// ...). Close the returned closer at shutdown to flush the last values.
func TemporalMetrics(reg *prometheus.Registry, log *slog.Logger) (client.MetricsHandler, io.Closer) {
	reporter := tallyprom.NewReporter(tallyprom.Options{
		Registerer:       reg,
		DefaultTimerType: tallyprom.HistogramTimerType,
		// The default panics; a metric the SDK emits with a second set of
		// tags must not take the process down.
		OnRegisterError: func(err error) { log.Warn("a Temporal SDK metric could not be registered", "err", err) },
	})
	scope, closer := tally.NewRootScope(tally.ScopeOptions{
		CachedReporter:  reporter,
		Separator:       tallyprom.DefaultSeparator,
		SanitizeOptions: &sdktally.PrometheusSanitizeOptions,
	}, temporalReportInterval)
	return sdktally.NewMetricsHandler(sdktally.NewPrometheusNamingScope(scope)), closer
}

// ActivityMetrics counts the activities' sends and REST calls
// (activities.Metrics) in Prometheus.
type ActivityMetrics struct {
	sends *prometheus.CounterVec
	rest  *prometheus.CounterVec
}

var _ activities.Metrics = (*ActivityMetrics)(nil)

// NewActivityMetrics registers the counters in reg.
func NewActivityMetrics(reg prometheus.Registerer) *ActivityMetrics {
	m := &ActivityMetrics{
		sends: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wab_whatsapp_sends_total",
			Help: "Outbound WhatsApp messages by result (sent, failed, duplicate: an earlier attempt had sent it) and, for failures, the error kind (WhatsAppThrottled, WhatsAppWindowClosed, ...). Every attempt counts.",
		}, []string{"result", "kind"}),
		rest: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wab_rest_calls_total",
			Help: "rest_api node calls by outcome (ok, client_error, server_error, no_answer). Every attempt counts.",
		}, []string{"outcome"}),
	}
	reg.MustRegister(m.sends, m.rest)
	// Present from the first scrape, so rate() and alerts work before any traffic.
	m.sends.WithLabelValues(activities.SendSent, "")
	m.sends.WithLabelValues(activities.SendDuplicate, "")
	for _, o := range []string{activities.RESTOK, activities.RESTClientError, activities.RESTServerError, activities.RESTNoAnswer} {
		m.rest.WithLabelValues(o)
	}
	return m
}

// MessageSend implements activities.Metrics.
func (m *ActivityMetrics) MessageSend(result, kind string) {
	if result == activities.SendFailed && kind == "" {
		kind = "unknown"
	}
	m.sends.WithLabelValues(result, kind).Inc()
}

// RESTCall implements activities.Metrics.
func (m *ActivityMetrics) RESTCall(outcome string) { m.rest.WithLabelValues(outcome).Inc() }
