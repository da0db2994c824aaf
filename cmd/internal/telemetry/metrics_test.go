package telemetry_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/require"

	"github.com/wabuilder/wab/activities"
	"github.com/wabuilder/wab/cmd/internal/telemetry"
)

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, url, nil)
	require.NoError(t, err)
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return res.StatusCode, string(body)
}

func TestServe_MetricsAndLiveness(t *testing.T) {
	t.Parallel()
	reg := telemetry.NewRegistry()
	m := telemetry.NewActivityMetrics(reg)
	m.MessageSend(activities.SendSent, "")
	m.MessageSend(activities.SendFailed, "WhatsAppThrottled")
	m.MessageSend(activities.SendFailed, "")
	m.RESTCall(activities.RESTServerError)
	handler, closer := telemetry.TemporalMetrics(reg, slog.New(slog.DiscardHandler))
	handler.WithTags(map[string]string{"operation": "PollActivityTaskQueue"}).Counter("temporal_request").Inc(2)
	require.NoError(t, closer.Close()) // reports what is pending

	ln, err := (&net.ListenConfig{}).Listen(context.Background(), "tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- telemetry.Serve(ctx, ln, reg) }()
	base := "http://" + ln.Addr().String()

	status, body := get(t, base+"/health/liveness")
	require.Equal(t, http.StatusOK, status)
	require.JSONEq(t, `{"status":"ok"}`, body)

	status, body = get(t, base+"/metrics")
	require.Equal(t, http.StatusOK, status)
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(body))
	require.NoError(t, err, body)
	values := map[string]float64{}
	for name, fam := range fams {
		for _, s := range fam.GetMetric() {
			key := name
			for _, l := range s.GetLabel() {
				key += " " + l.GetName() + "=" + l.GetValue()
			}
			values[key] = s.GetCounter().GetValue() + s.GetGauge().GetValue()
		}
	}
	require.InDelta(t, 1, values["wab_whatsapp_sends_total kind= result=sent"], 0)
	require.InDelta(t, 0, values["wab_whatsapp_sends_total kind= result=duplicate"], 0, "present before any duplicate")
	require.InDelta(t, 1, values["wab_whatsapp_sends_total kind=WhatsAppThrottled result=failed"], 0)
	require.InDelta(t, 1, values["wab_whatsapp_sends_total kind=unknown result=failed"], 0)
	require.InDelta(t, 1, values["wab_rest_calls_total outcome=server_error"], 0)
	require.InDelta(t, 0, values["wab_rest_calls_total outcome=ok"], 0)
	require.InDelta(t, 2, values["temporal_request_total operation=PollActivityTaskQueue"], 0, "the SDK's metrics, Prometheus-named")
	require.Contains(t, fams, "go_goroutines")
	require.Contains(t, fams, "process_cpu_seconds_total")

	status, _ = get(t, base+"/other")
	require.Equal(t, http.StatusNotFound, status)
	cancel()
	require.NoError(t, <-served)
}
