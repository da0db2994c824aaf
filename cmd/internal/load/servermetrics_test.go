package load

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// scrape builds a Temporal /metrics page in the dev server's own format
// (names, labels, histogram series) from the values a test varies.
func scrape(stateMisses, currentMisses, updates, updateSecs, historyCalls, historySecs, signals, signalSecs, polls, upserts, upsertSecs float64) string {
	var b strings.Builder
	w := func(format string, args ...any) {
		b.WriteString(strings.TrimSpace(fmt.Sprintf(format, args...)) + "\n")
	}
	w(`# HELP cache_miss cache_miss counter`)
	w(`# TYPE cache_miss counter`)
	w(`cache_miss{cache_type="mutablestate",namespace_id="01a2",operation="HistoryCacheGetOrCreate",service_name="history"} %g`, stateMisses)
	w(`cache_miss{cache_type="mutablestate",namespace_id="01a2",operation="HistoryCacheGetOrCreateCurrent",service_name="history"} %g`, currentMisses)
	w(`# HELP persistence_latency persistence_latency histogram`)
	w(`# TYPE persistence_latency histogram`)
	w(`persistence_latency_bucket{namespace="default",operation="UpdateWorkflowExecution",service_name="history",le="0.001"} 0`)
	w(`persistence_latency_bucket{namespace="default",operation="UpdateWorkflowExecution",service_name="history",le="+Inf"} %g`, updates)
	w(`persistence_latency_sum{namespace="default",operation="UpdateWorkflowExecution",service_name="history"} %g`, updateSecs)
	w(`persistence_latency_count{namespace="default",operation="UpdateWorkflowExecution",service_name="history"} %g`, updates)
	w(`persistence_latency_bucket{namespace="temporal_system",operation="UpdateWorkflowExecution",service_name="history",le="+Inf"} 50`)
	w(`persistence_latency_sum{namespace="temporal_system",operation="UpdateWorkflowExecution",service_name="history"} %g`, updateSecs*7)
	w(`persistence_latency_count{namespace="temporal_system",operation="UpdateWorkflowExecution",service_name="history"} %g`, updates*7)
	w(`# HELP service_latency service_latency histogram`)
	w(`# TYPE service_latency histogram`)
	for _, svc := range []string{"frontend", "history"} {
		w(`service_latency_bucket{namespace="default",operation="SignalWithStartWorkflowExecution",service_name="%s",le="+Inf"} %g`, svc, signals)
		w(`service_latency_sum{namespace="default",operation="SignalWithStartWorkflowExecution",service_name="%s"} %g`, svc, signalSecs)
		w(`service_latency_count{namespace="default",operation="SignalWithStartWorkflowExecution",service_name="%s"} %g`, svc, signals)
	}
	w(`service_latency_bucket{namespace="default",operation="GetWorkflowExecutionHistory",service_name="frontend",le="+Inf"} %g`, historyCalls)
	w(`service_latency_sum{namespace="default",operation="GetWorkflowExecutionHistory",service_name="frontend"} %g`, historySecs)
	w(`service_latency_count{namespace="default",operation="GetWorkflowExecutionHistory",service_name="frontend"} %g`, historyCalls)
	w(`service_latency_bucket{namespace="default",operation="PollWorkflowTaskQueue",service_name="frontend",le="+Inf"} %g`, polls)
	w(`service_latency_sum{namespace="default",operation="PollWorkflowTaskQueue",service_name="frontend"} %g`, polls*30)
	w(`service_latency_count{namespace="default",operation="PollWorkflowTaskQueue",service_name="frontend"} %g`, polls)
	w(`# HELP visibility_persistence_latency visibility_persistence_latency histogram`)
	w(`# TYPE visibility_persistence_latency histogram`)
	w(`visibility_persistence_latency_bucket{operation="UpsertWorkflowExecution",service_name="history",visibility_plugin_name="sqlite",le="+Inf"} %g`, upserts)
	w(`visibility_persistence_latency_sum{operation="UpsertWorkflowExecution",service_name="history",visibility_plugin_name="sqlite"} %g`, upsertSecs)
	w(`visibility_persistence_latency_count{operation="UpsertWorkflowExecution",service_name="history",visibility_plugin_name="sqlite"} %g`, upserts)
	return b.String()
}

func TestServerMetrics_PerTurn(t *testing.T) {
	t.Parallel()
	before := scrape(100, 40, 300, 0.3, 10, 0.02, 100, 0.3, 50, 100, 1.0)
	after := scrape(150, 90, 600, 0.9, 210, 1.22, 200, 1.3, 250, 150, 2.5)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("n") == "1" {
			_, _ = w.Write([]byte(after))
			return
		}
		_, _ = w.Write([]byte(before))
	}))
	t.Cleanup(srv.Close)
	ctx := context.Background()
	b, err := ScrapeServer(ctx, srv.URL)
	require.NoError(t, err)
	a, err := ScrapeServer(ctx, srv.URL+"?n=1")
	require.NoError(t, err)

	m := a.Since(b, 100)
	require.Equal(t, 100, m.Turns)
	require.InDelta(t, 0.5, m.StateLoadsPerTurn, 1e-9, "only misses that load a run's state, not the current-run lookups")
	require.Len(t, m.Frontend, 2, "long polls are waiting, not work, and are left out")
	require.Equal(t, "GetWorkflowExecutionHistory", m.Frontend[0].Name, "most time per turn first")
	require.InDelta(t, 2.0, m.Frontend[0].PerTurn, 1e-9)
	require.InDelta(t, 6.0, m.Frontend[0].MeanMS, 1e-9)
	require.Equal(t, "SignalWithStartWorkflowExecution", m.Frontend[1].Name)
	require.InDelta(t, 10.0, m.Frontend[1].MeanMS, 1e-9, "the frontend's own latency, not summed with the history service's")

	require.Len(t, m.Persistence, 2)
	require.Equal(t, ServerOp{Name: "visibility UpsertWorkflowExecution", PerTurn: 0.5, MeanMS: 30}, round(m.Persistence[0]))
	require.Equal(t, ServerOp{Name: "UpdateWorkflowExecution", PerTurn: 3, MeanMS: 2}, round(m.Persistence[1]),
		"the server's own temporal_system workflows are left out")

	var out bytes.Buffer
	Report{Server: m}.Table(&out)
	require.Contains(t, out.String(), "0.50 state loads")
	require.Contains(t, out.String(), "GetWorkflowExecutionHistory 2.00× 6.0 ms, SignalWithStartWorkflowExecution 1.00× 10.0 ms")
}

func TestServerMetrics_Errors(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/garbage" {
			_, _ = w.Write([]byte("cache_miss{ 12\n"))
			return
		}
		http.NotFound(w, r)
	}))
	t.Cleanup(srv.Close)
	_, err := ScrapeServer(context.Background(), srv.URL+"/metrics")
	require.ErrorContains(t, err, "404")
	_, err = ScrapeServer(context.Background(), srv.URL+"/garbage")
	require.ErrorContains(t, err, "parse Temporal metrics")
	require.Nil(t, ServerSnapshot{}.Since(ServerSnapshot{}, 0), "no turns, nothing per turn")
}

func round(op ServerOp) ServerOp {
	r := func(v float64) float64 { return float64(int(v*1000+0.5)) / 1000 }
	return ServerOp{Name: op.Name, PerTurn: r(op.PerTurn), MeanMS: r(op.MeanMS)}
}
