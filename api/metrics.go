package api

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/wabuilder/wab/db"
)

// MetricsPath is where Prometheus scrapes the API. It serves Deps.Metrics:
// the API's own series below and whatever else the process registered there
// (the Temporal SDK's client metrics, Go runtime).
const MetricsPath = "/metrics"

// metricsScrapeTimeout bounds the database reads of one scrape: a slow
// database must not hang Prometheus (its own timeout is usually 10 s).
const metricsScrapeTimeout = 2 * time.Second

func (h *handlers) metricsRoutes() []route {
	serve := adaptor.HTTPHandler(promhttp.HandlerFor(h.d.Metrics, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError}))
	return []route{
		{method: fiber.MethodGet, path: MetricsPath, tag: "ops", summary: "Prometheus metrics: HTTP, webhook ingest, sessions, outbox backlog, Temporal SDK", handler: serve},
	}
}

// apiMetrics are the API's series.
type apiMetrics struct {
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	inFlight prometheus.Gauge

	webhookMessages   *prometheus.CounterVec
	webhookStatuses   *prometheus.CounterVec
	signatureFailures prometheus.Counter
}

func newAPIMetrics(reg prometheus.Registerer) *apiMetrics {
	m := &apiMetrics{
		requests: register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wab_http_requests_total",
			Help: "HTTP requests by method, route pattern and status. Requests refused by middleware before routing carry the middleware's prefix (/api, /ws) as route, unmatched ones \"/\".",
		}, []string{"method", "route", "status"})),
		latency: register(reg, prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "wab_http_request_duration_seconds",
			Help:    "HTTP request latency by method and route pattern.",
			Buckets: prometheus.DefBuckets,
		}, []string{"method", "route"})),
		inFlight: register(reg, prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "wab_http_requests_in_flight",
			Help: "HTTP requests being served.",
		})),
		webhookMessages: register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wab_webhook_messages_total",
			Help: "Messages in Meta's webhooks: stored (new), or duplicate (redelivered, nothing changed).",
		}, []string{"result"})),
		webhookStatuses: register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wab_webhook_statuses_total",
			Help: "Delivery statuses in Meta's webhooks: applied (moved a message forward), or ignored (stale, repeated or for an unknown message).",
		}, []string{"result"})),
		signatureFailures: register(reg, prometheus.NewCounter(prometheus.CounterOpts{
			Name: "wab_webhook_signature_failures_total",
			Help: "Webhook POSTs refused for a missing or wrong X-Hub-Signature-256 (a burst means an app secret no longer matches Meta's).",
		})),
	}
	// Present from the first scrape, so rate() and alerts work before any traffic.
	for _, r := range []string{"stored", "duplicate"} {
		m.webhookMessages.WithLabelValues(r)
	}
	for _, r := range []string{"applied", "ignored"} {
		m.webhookStatuses.WithLabelValues(r)
	}
	return m
}

// register registers c, or returns the collector already registered under
// the same description (a second app on the same registry shares it).
func register[C prometheus.Collector](reg prometheus.Registerer, c C) C {
	var already prometheus.AlreadyRegisteredError
	if err := reg.Register(c); errors.As(err, &already) {
		if existing, ok := already.ExistingCollector.(C); ok {
			return existing
		}
	} else if err != nil {
		panic(err) // a programming error: two series with one name
	}
	return c
}

// observe counts and times every request. The route label is the matched
// route's pattern (never the raw path), so the series stay bounded.
func (m *apiMetrics) observe(c *fiber.Ctx) error {
	start := time.Now()
	m.inFlight.Inc()
	defer m.inFlight.Dec()
	err := respond(c, c.Next())
	// The route's strings are the router's own; c.Method() points into a
	// buffer fasthttp reuses, and a label keeps the string it is given.
	method, route, status := c.Route().Method, c.Route().Path, c.Response().StatusCode()
	m.requests.WithLabelValues(method, route, strconv.Itoa(status)).Inc()
	m.latency.WithLabelValues(method, route).Observe(time.Since(start).Seconds())
	if route == WebhookPath && method == fiber.MethodPost && status == fiber.StatusUnauthorized {
		m.signatureFailures.Inc()
	}
	return err
}

// countingIngest counts what each webhook stored.
type countingIngest struct {
	IngestStore
	m *apiMetrics
}

func (c countingIngest) Ingest(ctx context.Context, b db.IngestBatch) (db.IngestResult, error) {
	res, err := c.IngestStore.Ingest(ctx, b)
	if err != nil {
		return res, err
	}
	c.m.webhookMessages.WithLabelValues("stored").Add(float64(len(res.Stored)))
	c.m.webhookMessages.WithLabelValues("duplicate").Add(float64(len(b.Messages) - len(res.Stored)))
	applied := appliedStatuses(res)
	c.m.webhookStatuses.WithLabelValues("applied").Add(float64(applied))
	c.m.webhookStatuses.WithLabelValues("ignored").Add(float64(max(0, len(b.Statuses)-applied)))
	return res, nil
}

// appliedStatuses counts the messages the statuses changed: those they
// moved forward, and those they gave a wamid without moving them further.
func appliedStatuses(res db.IngestResult) int {
	n := len(res.Advanced)
	for _, f := range res.Filled {
		if !slices.ContainsFunc(res.Advanced, func(a db.AdvancedStatus) bool { return a.MessageID == f.MessageID }) {
			n++
		}
	}
	return n
}

// statsSource is what the scrape reads from the database; *db.Store
// implements it.
type statsSource interface {
	LiveSessionCounts(ctx context.Context) (map[db.SessionStatus]int64, error)
	OutboxBacklog(ctx context.Context) (db.OutboxBacklog, error)
}

// dbCollector reads the gauges that live in the database at scrape time,
// so every API process reports the same truth and nothing drifts.
type dbCollector struct {
	src                                statsSource
	log                                *slog.Logger
	sessions, pending, oldest, scraped *prometheus.Desc
}

func newDBCollector(src statsSource, log *slog.Logger) *dbCollector {
	return &dbCollector{
		src: src, log: log,
		sessions: prometheus.NewDesc("wab_sessions_live", "Chatbot sessions that have not ended, by status.", []string{"status"}, nil),
		pending:  prometheus.NewDesc("wab_outbox_pending", "Stored inbound messages the relays have not yet handed to Temporal.", nil, nil),
		oldest:   prometheus.NewDesc("wab_outbox_oldest_pending_seconds", "How long the oldest pending outbox row has waited (0 when none).", nil, nil),
		scraped:  prometheus.NewDesc("wab_database_metrics_up", "1 if the last scrape read the database gauges, 0 if it failed or timed out.", nil, nil),
	}
}

func (d *dbCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- d.sessions
	ch <- d.pending
	ch <- d.oldest
	ch <- d.scraped
}

func (d *dbCollector) Collect(ch chan<- prometheus.Metric) {
	// Collect has no context: the scrape's request is not passed down.
	ctx, cancel := context.WithTimeout(context.Background(), metricsScrapeTimeout)
	defer cancel()
	up := 1.0
	counts, err := d.src.LiveSessionCounts(ctx)
	if err == nil {
		for _, st := range db.LiveSessionStatuses {
			ch <- prometheus.MustNewConstMetric(d.sessions, prometheus.GaugeValue, float64(counts[st]), string(st))
		}
	}
	backlog, err2 := d.src.OutboxBacklog(ctx)
	if err2 == nil {
		ch <- prometheus.MustNewConstMetric(d.pending, prometheus.GaugeValue, float64(backlog.Pending))
		ch <- prometheus.MustNewConstMetric(d.oldest, prometheus.GaugeValue, backlog.OldestAge.Seconds())
	}
	if err := errors.Join(err, err2); err != nil {
		up = 0
		d.log.Warn("metrics: database gauges unavailable", "err", err)
	}
	ch <- prometheus.MustNewConstMetric(d.scraped, prometheus.GaugeValue, up)
}
