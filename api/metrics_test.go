package api_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/require"

	"github.com/wabuilder/wab/api"
	"github.com/wabuilder/wab/api/webhook"
	"github.com/wabuilder/wab/db"
	"github.com/wabuilder/wab/db/dbtest"
)

// metricFamilies is a parsed scrape.
type metricFamilies map[string]*dto.MetricFamily

func scrape(t *testing.T, app *fiber.App) metricFamilies {
	t.Helper()
	resp, err := app.Test(httptest.NewRequestWithContext(context.Background(), http.MethodGet, api.MetricsPath, nil), -1)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(bytes.NewReader(body))
	require.NoError(t, err, "%s", body)
	return fams
}

// value is the value of the series of name whose labels include want; a
// histogram gives its sample count.
func (f metricFamilies) value(t *testing.T, name string, want map[string]string) float64 {
	t.Helper()
	fam, ok := f[name]
	require.True(t, ok, "no series %s", name)
	for _, m := range fam.GetMetric() {
		if hasLabels(m, want) {
			switch {
			case m.GetCounter() != nil:
				return m.GetCounter().GetValue()
			case m.GetGauge() != nil:
				return m.GetGauge().GetValue()
			case m.GetHistogram() != nil:
				return float64(m.GetHistogram().GetSampleCount())
			}
		}
	}
	t.Fatalf("no %s series with labels %v in %v", name, want, fam.GetMetric())
	return 0
}

func hasLabels(m *dto.Metric, want map[string]string) bool {
	got := map[string]string{}
	for _, l := range m.GetLabel() {
		got[l.GetName()] = l.GetValue()
	}
	for k, v := range want {
		if got[k] != v {
			return false
		}
	}
	return true
}

func TestMetrics_ExposesHTTPIngestAndDatabaseSeries(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	e := newAPI(t, func(d *api.Deps) { d.Metrics, d.Log = reg, quiet })
	acc := dbtest.Account(e.ctx, t, e.store, nil)
	dbtest.Session(e.ctx, t, e.store, nil)

	require.Equal(t, http.StatusOK, e.call(http.MethodGet, "/api/users/"+e.agent.ID.String(), nil, e.adminToken).Status)
	require.Equal(t, http.StatusBadRequest, e.call(http.MethodGet, "/api/users/not-an-id", nil, e.adminToken).Status)
	require.Equal(t, http.StatusUnauthorized, e.call(http.MethodGet, "/api/users", nil, "not-a-token").Status)

	body := hookBody(t, change{PhoneNumberID: acc.PhoneNumberID, Messages: []map[string]any{textMsg("905551112233", "wamid.M"+dbtest.Unique(), "hi")}})
	sig := webhook.Sign(body, testSecret)
	for range 2 { // Meta redelivers
		status, out := post(t, e.app, body, sig)
		require.Equal(t, http.StatusOK, status, out)
	}
	status, _ := post(t, e.app, body, webhook.Sign(body, "wrong-secret"))
	require.Equal(t, http.StatusUnauthorized, status)
	statuses := hookBody(t, change{PhoneNumberID: acc.PhoneNumberID, Statuses: []map[string]any{statusOf("wamid.unknown", "read")}})
	status, _ = post(t, e.app, statuses, webhook.Sign(statuses, testSecret))
	require.Equal(t, http.StatusOK, status)

	m := scrape(t, e.app)
	userRoute := map[string]string{"method": "GET", "route": "/api/users/:id"}
	require.InDelta(t, 1, m.value(t, "wab_http_requests_total", with(userRoute, "status", "200")), 0)
	require.InDelta(t, 1, m.value(t, "wab_http_requests_total", with(userRoute, "status", "400")), 0, "a bad id is a 400, counted under the pattern")
	require.InDelta(t, 2, m.value(t, "wab_http_request_duration_seconds", userRoute), 0)
	require.InDelta(t, 1, m.value(t, "wab_http_requests_total", map[string]string{"method": "GET", "route": "/api", "status": "401"}), 0,
		"refused by authenticate before routing: the middleware's prefix")
	require.InDelta(t, 3, m.value(t, "wab_http_requests_total", map[string]string{"method": "POST", "route": api.WebhookPath, "status": "200"}), 0)
	for _, s := range m["wab_http_requests_total"].GetMetric() {
		for _, l := range s.GetLabel() {
			require.NotContains(t, l.GetValue(), e.agent.ID.String(), "raw paths never become labels")
		}
	}

	require.InDelta(t, 1, m.value(t, "wab_webhook_messages_total", map[string]string{"result": "stored"}), 0)
	require.InDelta(t, 1, m.value(t, "wab_webhook_messages_total", map[string]string{"result": "duplicate"}), 0)
	require.InDelta(t, 1, m.value(t, "wab_webhook_statuses_total", map[string]string{"result": "ignored"}), 0)
	require.InDelta(t, 0, m.value(t, "wab_webhook_statuses_total", map[string]string{"result": "applied"}), 0)
	require.InDelta(t, 1, m.value(t, "wab_webhook_signature_failures_total", nil), 0)

	require.InDelta(t, 1, m.value(t, "wab_database_metrics_up", nil), 0)
	require.GreaterOrEqual(t, m.value(t, "wab_sessions_live", map[string]string{"status": "running"}), 1.0)
	require.GreaterOrEqual(t, m.value(t, "wab_outbox_pending", nil), 1.0, "the stored message waits for a relay")
	m.value(t, "wab_outbox_oldest_pending_seconds", nil)
	m.value(t, "wab_http_requests_in_flight", nil)
}

func TestMetrics_DatabaseDownStillScrapes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tx := dbtest.Tx(ctx, t)
	require.NoError(t, tx.Rollback(ctx)) // every query on it now fails
	app := api.New(api.Deps{Log: quiet, Store: db.New(tx, dbtest.Box(t))})
	m := scrape(t, app)
	require.InDelta(t, 0, m.value(t, "wab_database_metrics_up", nil), 0)
	_, ok := m["wab_sessions_live"]
	require.False(t, ok, "no stale or made-up gauges")
}

func with(labels map[string]string, k, v string) map[string]string {
	out := map[string]string{k: v}
	for lk, lv := range labels {
		out[lk] = lv
	}
	return out
}
