package deploy_test

import (
	"go/ast"
	"go/constant"
	"go/parser"
	"go/token"
	"go/types"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/wabuilder/wab/activities"
	"github.com/wabuilder/wab/api"
	"github.com/wabuilder/wab/db"
	"github.com/wabuilder/wab/workflows"
)

// The "What to watch" section of deploy/README.md names metrics and writes
// PromQL against them. These checks keep it honest: every metric it names is
// one the binary exports, under its exact name and suffix, every label value
// it matches on is one the code emits, and every wab_* metric is documented.

// histogramSuffixes are the series a Prometheus histogram adds to its name.
var histogramSuffixes = []string{"_bucket", "_sum", "_count"}

// wabMetrics are the wab_* names the code registers: the string literals of
// the packages that register them (the API's and the worker's telemetry).
func wabMetrics(t *testing.T) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	name := regexp.MustCompile(`^wab_[a-z0-9_]+$`)
	for _, dir := range []string{"api", filepath.Join("cmd", "internal", "telemetry")} {
		for _, f := range goSource(t, dir) {
			ast.Inspect(f, func(n ast.Node) bool {
				if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
					if s, err := strconv.Unquote(lit.Value); err == nil && name.MatchString(s) {
						out[s] = true
					}
				}
				return true
			})
		}
	}
	for _, m := range []string{"wab_http_requests_total", "wab_outbox_oldest_pending_seconds", "wab_whatsapp_sends_total"} {
		require.True(t, out[m], "the scan for metric names must find %s; have the metrics moved?", m)
	}
	return out
}

// sdkMetrics are the names under which the Temporal SDK's metrics reach
// Prometheus here: its metric constants (go.temporal.io/sdk's internal
// metrics package, read from the module's source), renamed the way
// telemetry.TemporalMetrics does through sdktally.NewPrometheusNamingScope:
// counters get _total, timers (histograms) _seconds. Also the SDK's
// failure_reason values.
func sdkMetrics(t *testing.T) (names map[string]bool, failureReasons []string) {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), "go", "list", "-m", "-f", "{{.Dir}}", "go.temporal.io/sdk")
	cmd.Dir = root
	out, err := cmd.Output()
	require.NoError(t, err, "go list -m go.temporal.io/sdk")
	dir := strings.TrimSpace(string(out))
	require.NotEmpty(t, dir, "the Temporal SDK's module is in the module cache")

	// The constants file has no imports: type-check it alone for its values.
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, filepath.Join(dir, "internal", "common", "metrics", "constants.go"), nil, 0)
	require.NoError(t, err)
	pkg, err := (&types.Config{}).Check("metrics", fset, []*ast.File{f}, nil)
	require.NoError(t, err)
	consts := map[string]string{}
	for _, n := range pkg.Scope().Names() {
		if c, ok := pkg.Scope().Lookup(n).(*types.Const); ok && c.Val().Kind() == constant.String {
			v := constant.StringVal(c.Val())
			consts[n] = v
			if strings.HasPrefix(n, "FailureReason") {
				failureReasons = append(failureReasons, v)
			}
		}
	}

	// How the SDK emits each: Counter, Timer or Gauge.
	use := regexp.MustCompile(`\b(Counter|Timer|Gauge)\(\s*metrics\.(\w+)\s*\)`)
	paths, err := filepath.Glob(filepath.Join(dir, "internal", "*.go"))
	require.NoError(t, err)
	names = map[string]bool{}
	for _, p := range paths {
		if strings.HasSuffix(p, "_test.go") {
			continue
		}
		src, err := os.ReadFile(p)
		require.NoError(t, err)
		for _, m := range use.FindAllStringSubmatch(string(src), -1) {
			v, ok := consts[m[2]]
			if !ok {
				continue
			}
			switch m[1] {
			case "Counter":
				names[v+"_total"] = true
			case "Timer":
				names[v+"_seconds"] = true
			case "Gauge":
				names[v] = true
			}
		}
	}
	require.True(t, names["temporal_activity_schedule_to_start_latency_seconds"], "the scan of the SDK found its timers")
	require.True(t, names["temporal_workflow_task_execution_failed_total"], "the scan of the SDK found its counters")
	require.NotEmpty(t, failureReasons)
	return names, failureReasons
}

// watchSection is the "What to watch" section, with the table's escaped
// pipes unescaped.
func watchSection(t *testing.T) string {
	t.Helper()
	_, s, ok := strings.Cut(readFile(t, "deploy/README.md"), "## What to watch")
	require.True(t, ok, "deploy/README.md has a What to watch section")
	s, _, _ = strings.Cut(s, "\n## ")
	return strings.ReplaceAll(s, `\|`, "|")
}

var (
	metricName = regexp.MustCompile(`\b(?:wab|temporal)_[a-z0-9_]+`)
	selector   = regexp.MustCompile(`\b((?:wab|temporal)_[a-z0-9_]+)\{([^}]*)\}`)
	matcher    = regexp.MustCompile(`^\s*([a-z_]+)\s*(=~|!~|!=|=)\s*"([^"]*)"\s*$`)
	plainAlt   = regexp.MustCompile(`^[\w/:.-]+(\|[\w/:.-]+)*$`)
)

// baseMetric strips a histogram's series suffix.
func baseMetric(name string, known map[string]bool) string {
	for _, suf := range histogramSuffixes {
		if b, ok := strings.CutSuffix(name, suf); ok && known[b] {
			return b
		}
	}
	return name
}

// TestReadme_MetricsAreReal: every wab_* and temporal_* name under "What to
// watch" is exported by the binary, and every wab_* metric the code registers
// is documented there.
func TestReadme_MetricsAreReal(t *testing.T) {
	t.Parallel()
	section := watchSection(t)
	wab := wabMetrics(t)
	sdk, _ := sdkMetrics(t)
	for _, name := range metricName.FindAllString(section, -1) {
		switch {
		case strings.HasPrefix(name, "wab_"):
			require.True(t, wab[baseMetric(name, wab)], "deploy/README.md names %s, which the code does not export", name)
		default:
			require.True(t, sdk[baseMetric(name, sdk)], "deploy/README.md names %s, which the Temporal SDK does not export under that name (counters end in _total, timers in _seconds)", name)
		}
	}
	for name := range wab {
		require.Contains(t, section, "`"+name, "deploy/README.md's What to watch documents %s", name)
	}
}

// TestReadme_PromQLSelectors: every label matcher of the PromQL under "What
// to watch" uses a label the metric has, with values the code emits.
func TestReadme_PromQLSelectors(t *testing.T) {
	t.Parallel()
	section := watchSection(t)
	wab := wabMetrics(t)
	sdk, reasons := sdkMetrics(t)
	ns := configData(t, loadK8s(t))["TEMPORAL_NAMESPACE"]

	var routes, methods []string
	for _, r := range api.New(api.Deps{}).GetRoutes(true) {
		routes = append(routes, r.Path)
		methods = append(methods, r.Method)
	}
	var live []string
	for _, s := range db.LiveSessionStatuses {
		live = append(live, string(s))
	}
	httpLabels := map[string][]string{"method": methods, "route": routes, "status": nil, "le": nil}
	// nil allows any value (and regular expressions).
	labelValues := map[string]map[string][]string{
		"wab_http_requests_total":           httpLabels,
		"wab_http_request_duration_seconds": httpLabels,
		// The API's webhook counters (api/metrics.go, unexported there).
		"wab_webhook_messages_total": {"result": {"stored", "duplicate"}},
		"wab_webhook_statuses_total": {"result": {"applied", "ignored"}},
		"wab_sessions_live":          {"status": live},
		"wab_whatsapp_sends_total": {
			"result": {activities.SendSent, activities.SendFailed, activities.SendDuplicate},
			"kind":   append(whatsAppErrKinds(t), "unknown", ""),
		},
		"wab_rest_calls_total": {"outcome": {activities.RESTOK, activities.RESTClientError, activities.RESTServerError, activities.RESTNoAnswer}},
	}
	temporalLabels := map[string][]string{
		"namespace": {ns}, "task_queue": {workflows.TaskQueue}, "failure_reason": reasons,
		"workflow_type": nil, "activity_type": nil, "worker_type": nil, "poller_type": nil, "le": nil,
	}

	sels := selector.FindAllStringSubmatch(section, -1)
	require.GreaterOrEqual(t, len(sels), 10, "the PromQL under What to watch has selectors")
	for _, sel := range sels {
		name := sel[1]
		var allowed map[string][]string
		if strings.HasPrefix(name, "wab_") {
			allowed = labelValues[baseMetric(name, wab)]
		} else {
			require.True(t, sdk[baseMetric(name, sdk)], name)
			allowed = temporalLabels
		}
		require.NotNil(t, allowed, "%s: a selector on a metric these checks know no labels of; add them here", name)
		if !strings.Contains(sel[2], "=") { // name{label,label}: the table of metrics lists the labels
			for _, label := range strings.Split(sel[2], ",") {
				require.Contains(t, allowed, strings.TrimSpace(label), "%s has no label %s", name, label)
			}
			continue
		}
		for _, part := range strings.Split(sel[2], ",") {
			m := matcher.FindStringSubmatch(part)
			require.NotNil(t, m, "%s{%s}: %q is not a label matcher", name, sel[2], part)
			label, op, value := m[1], m[2], m[3]
			values, ok := allowed[label]
			require.True(t, ok, "%s has no label %s", name, label)
			if values == nil {
				continue
			}
			want := []string{value}
			if op == "=~" || op == "!~" {
				require.Regexp(t, plainAlt, value, "%s{%s}: match %s on listed values (a|b), not a pattern", name, sel[2], label)
				want = strings.Split(value, "|")
			}
			for _, v := range want {
				require.Contains(t, values, v, "%s{%s}: %s=%q is not a value the code emits", name, sel[2], label, v)
			}
		}
	}
	require.Contains(t, section, `route="`+api.WebhookPath+`"`, "the webhook signals select the webhook's route")
}

// whatsAppErrKinds are the values of the whatsapp package's ErrKind*
// constants: the kinds a failed send is counted under.
func whatsAppErrKinds(t *testing.T) []string {
	t.Helper()
	var kinds []string
	for _, f := range goSource(t, filepath.Join("activities", "whatsapp")) {
		for _, d := range f.Decls {
			gd, ok := d.(*ast.GenDecl)
			if !ok || gd.Tok != token.CONST {
				continue
			}
			for _, spec := range gd.Specs {
				vs := spec.(*ast.ValueSpec)
				for i, n := range vs.Names {
					if !strings.HasPrefix(n.Name, "ErrKind") || i >= len(vs.Values) {
						continue
					}
					if lit, ok := vs.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
						v, err := strconv.Unquote(lit.Value)
						require.NoError(t, err)
						kinds = append(kinds, v)
					}
				}
			}
		}
	}
	require.Contains(t, kinds, "WhatsAppThrottled", "the scan of activities/whatsapp found its error kinds")
	return kinds
}
