package load

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// ServerMetrics is the Temporal server's own account of a run: the
// difference of its Prometheus /metrics before and after, per turn.
type ServerMetrics struct {
	Turns int `json:"turns"`
	// StateLoadsPerTurn counts misses of the history service's
	// mutable-state cache: each one reads a workflow's state from the
	// database before the server can touch it.
	StateLoadsPerTurn float64 `json:"state_loads_per_turn"`
	// Frontend is the server's API as the SDKs call it (long polls left
	// out: their latency is waiting), most time per turn first.
	Frontend []ServerOp `json:"frontend"`
	// Persistence is every database operation, most time per turn first.
	Persistence []ServerOp `json:"persistence"`
}

// ServerOp is one operation's calls per turn and mean latency.
type ServerOp struct {
	Name    string  `json:"operation"`
	PerTurn float64 `json:"calls_per_turn"`
	MeanMS  float64 `json:"mean_ms"`
}

// The series a snapshot keeps: sums and counts by operation.
const (
	seriesStateLoads  = "state loads"
	seriesFrontend    = "frontend"
	seriesPersistence = "persistence"
)

type seriesKey struct{ series, operation, field string }

// ServerSnapshot is one scrape of the server's metrics.
type ServerSnapshot map[seriesKey]float64

// ScrapeServer reads the Temporal server's Prometheus endpoint.
func ScrapeServer(ctx context.Context, url string) (ServerSnapshot, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return parseServerMetrics(resp.Body)
}

func parseServerMetrics(r io.Reader) (ServerSnapshot, error) {
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(r)
	if err != nil {
		return nil, fmt.Errorf("parse Temporal metrics: %w", err)
	}
	snap := ServerSnapshot{}
	for name, f := range families {
		for _, m := range f.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			op := labels["operation"]
			if labels["namespace"] == "temporal_system" { // the server's own background workflows
				continue
			}
			switch {
			case name == "cache_miss" && labels["cache_type"] == "mutablestate" && op == "HistoryCacheGetOrCreate":
				snap[seriesKey{seriesStateLoads, "", "count"}] += m.GetCounter().GetValue()
			case name == "service_latency" && labels["service_name"] == "frontend" && !strings.HasPrefix(op, "Poll"):
				snap.addHistogram(seriesFrontend, op, m.GetHistogram())
			case name == "persistence_latency":
				snap.addHistogram(seriesPersistence, op, m.GetHistogram())
			case name == "visibility_persistence_latency":
				snap.addHistogram(seriesPersistence, "visibility "+op, m.GetHistogram())
			}
		}
	}
	return snap, nil
}

func (s ServerSnapshot) addHistogram(series, op string, h *dto.Histogram) {
	s[seriesKey{series, op, "count"}] += float64(h.GetSampleCount())
	s[seriesKey{series, op, "sum"}] += h.GetSampleSum() // seconds
}

// Since is what happened between before and s, spread over turns.
func (s ServerSnapshot) Since(before ServerSnapshot, turns int) *ServerMetrics {
	if turns <= 0 {
		return nil
	}
	per := func(v float64) float64 { return v / float64(turns) }
	ops := func(series string) []ServerOp {
		var out []ServerOp
		for k, count := range s {
			if k.series != series || k.field != "count" {
				continue
			}
			n := count - before[k]
			if n <= 0 {
				continue
			}
			sum := s[seriesKey{series, k.operation, "sum"}] - before[seriesKey{series, k.operation, "sum"}]
			out = append(out, ServerOp{Name: k.operation, PerTurn: per(n), MeanMS: sum / n * 1000})
		}
		// Most time per turn first: calls per turn × mean.
		slices.SortFunc(out, func(a, b ServerOp) int {
			return cmp.Or(cmp.Compare(b.PerTurn*b.MeanMS, a.PerTurn*a.MeanMS), strings.Compare(a.Name, b.Name))
		})
		return out
	}
	loads := seriesKey{seriesStateLoads, "", "count"}
	return &ServerMetrics{
		Turns:             turns,
		StateLoadsPerTurn: per(s[loads] - before[loads]),
		Frontend:          ops(seriesFrontend),
		Persistence:       ops(seriesPersistence),
	}
}

// summary names the n operations that took most time per turn.
func summary(ops []ServerOp, n int) string {
	parts := make([]string, 0, n)
	for _, op := range ops[:min(n, len(ops))] {
		parts = append(parts, fmt.Sprintf("%s %.2f× %.1f ms", op.Name, op.PerTurn, op.MeanMS))
	}
	return strings.Join(parts, ", ")
}
