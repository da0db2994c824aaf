// Package deploy_test checks the deployment manifests under deploy/ without a
// cluster, a Docker engine or the network: Kubernetes objects decode strictly
// into their API types, probes hit routes the app really serves, secrets are
// referenced and never inlined, and the nginx config, the ECS task definitions
// and deploy/README.md agree with the code they describe.
package deploy_test

import (
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/stretchr/testify/require"

	"github.com/wabuilder/wab/api"
)

// root is the repository root, seen from this package's directory.
var root = ".."

// wabImage is the image name the manifests use for the binary (a placeholder
// the deployer replaces with a registry path and tag).
const wabImage = "whatsapp-builder"

// wabBinary is where the Dockerfile puts the binary.
const wabBinary = "/usr/local/bin/wab"

// secretVars are the variables whose values are secrets: they must come from a
// Secret (Kubernetes) or a secrets store (ECS), never from a literal.
// TestSecretVars_CoverConfig keeps the list in step with the config package.
var secretVars = map[string]bool{
	"DATABASE_URL":                  true, // carries the password
	"DB_PASSWORD":                   true,
	"ENCRYPTION_KEY":                true,
	"WHATSAPP_ACCESS_TOKEN":         true,
	"WHATSAPP_APP_SECRET":           true,
	"WHATSAPP_WEBHOOK_VERIFY_TOKEN": true,
	"SENTRY_DSN":                    true,
	"JWT_SECRET":                    true,
	"ADMIN_PASSWORD":                true,
}

// requiredSecrets must be present for `wab serve` and `wab worker` to start.
var requiredSecrets = []string{"DATABASE_URL", "ENCRYPTION_KEY"}

// runtimeVars are read by the Go runtime, not by the app's config.
var runtimeVars = map[string]bool{"GOMEMLIMIT": true}

// looksSecret catches secrets of other containers (a tunnel token, say) by name.
var looksSecret = regexp.MustCompile(`(TOKEN|SECRET|PASSWORD|PASSWD|_KEY|DSN)$`)

func isSecretVar(name string) bool { return secretVars[name] || looksSecret.MatchString(name) }

// configSource parses the non-test Go files of the config package.
func configSource(t *testing.T) []*ast.File {
	t.Helper()
	return goSource(t, filepath.Join("cmd", "internal", "config"))
}

// goSource parses the non-test Go files of one package directory of the
// repository. Packages under cmd/internal cannot be imported from here, so
// what the checks need from them is read from their source.
func goSource(t *testing.T, rel string) []*ast.File {
	t.Helper()
	dir := filepath.Join(root, rel)
	paths, err := filepath.Glob(filepath.Join(dir, "*.go"))
	require.NoError(t, err)
	fset := token.NewFileSet()
	var files []*ast.File
	for _, p := range paths {
		if strings.HasSuffix(p, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, p, nil, 0)
		require.NoError(t, err)
		files = append(files, f)
	}
	require.NotEmpty(t, files)
	return files
}

var envName = regexp.MustCompile(`^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$`)

// configVars are the environment variables the binary reads: every string
// literal of the config package that is spelled like one.
func configVars(t *testing.T) map[string]bool {
	t.Helper()
	vars := map[string]bool{}
	for _, f := range configSource(t) {
		ast.Inspect(f, func(n ast.Node) bool {
			if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
				if s, err := strconv.Unquote(lit.Value); err == nil && envName.MatchString(s) {
					vars[s] = true
				}
			}
			return true
		})
	}
	for _, v := range []string{"PORT", "DATABASE_URL", "ENCRYPTION_KEY", "TEMPORAL_ADDRESS", "SHUTDOWN_TIMEOUT"} {
		require.True(t, vars[v], "the config scan must find %s; has cmd/internal/config moved?", v)
	}
	return vars
}

// TestSecretVars_CoverConfig: every variable the config reads as a secret
// (r.secret(...)) is in secretVars, so the manifest checks below cover it.
func TestSecretVars_CoverConfig(t *testing.T) {
	t.Parallel()
	found := 0
	for _, f := range configSource(t) {
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) == 0 {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok || (sel.Sel.Name != "secret" && sel.Sel.Name != "key" && sel.Sel.Name != "sentryDSN") {
				return true
			}
			lit, ok := call.Args[0].(*ast.BasicLit)
			if !ok {
				return true
			}
			name, err := strconv.Unquote(lit.Value)
			require.NoError(t, err)
			require.True(t, secretVars[name], "config reads %s as a secret: add it to secretVars", name)
			found++
			return true
		})
	}
	require.GreaterOrEqual(t, found, 4, "the scan for r.secret(...) calls found too little")
}

// servedGETs are the GET routes of the real API app.
func servedGETs(t *testing.T) []string {
	t.Helper()
	var paths []string
	for _, r := range api.New(api.Deps{}).GetRoutes(true) {
		if r.Method == fiber.MethodGet {
			paths = append(paths, r.Path)
		}
	}
	require.Contains(t, paths, "/health/liveness")
	require.Contains(t, paths, "/health/readiness")
	return paths
}

// workerGETs are the GET paths of the worker's HTTP server (METRICS_PORT):
// every pattern cmd/internal/telemetry registers on its mux, "GET /path" or a
// bare "/path". That package is internal to cmd/, so its source is read.
func workerGETs(t *testing.T) []string {
	t.Helper()
	var paths []string
	for _, f := range goSource(t, filepath.Join("cmd", "internal", "telemetry")) {
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) == 0 {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok || (sel.Sel.Name != "Handle" && sel.Sel.Name != "HandleFunc") {
				return true
			}
			lit, ok := call.Args[0].(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			pattern, err := strconv.Unquote(lit.Value)
			require.NoError(t, err)
			method, path, found := strings.Cut(pattern, " ")
			if !found {
				method, path = fiber.MethodGet, pattern
			}
			if method == fiber.MethodGet {
				paths = append(paths, strings.TrimSpace(path))
			}
			return true
		})
	}
	require.Contains(t, paths, api.MetricsPath, "the scan of cmd/internal/telemetry's mux found no /metrics; has its Handler moved?")
	return paths
}

// roleRoutes are the GET paths `wab <role>` serves: the API's for serve, the
// telemetry server's for worker, none for the others.
func roleRoutes(t *testing.T, role string) []string {
	t.Helper()
	switch role {
	case "serve":
		return servedGETs(t)
	case "worker":
		return workerGETs(t)
	}
	return nil
}

// rolePort is the variable whose port `wab <role>` listens on ("" for a
// role that listens on none).
func rolePort(role string) string {
	switch role {
	case "serve":
		return "PORT"
	case "worker":
		return "METRICS_PORT"
	}
	return ""
}

// privatePaths are routes of the API that must never be reachable from the
// internet: Prometheus scrapes them on the private network.
var privatePaths = []string{api.MetricsPath}

var routeParam = regexp.MustCompile(`:[A-Za-z]+`)

// publicPaths are a request path for every route of api.New (any method)
// but the private ones, with a sample value for each parameter.
func publicPaths(t *testing.T) []string {
	t.Helper()
	var out []string
	for _, r := range api.New(api.Deps{}).GetRoutes(true) {
		p := routeParam.ReplaceAllString(r.Path, "1")
		if !slices.Contains(privatePaths, r.Path) && !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	require.Contains(t, out, api.WebhookPath)
	require.Contains(t, out, api.WebSocketPath)
	return out
}

// unroutedPaths must not reach the API from outside: the private routes, the
// root, and a route added later that nobody has made public on purpose.
func unroutedPaths(t *testing.T) []string {
	t.Helper()
	require.Contains(t, servedGETs(t), api.MetricsPath, "the API serves /metrics, so it must be kept private")
	return append(slices.Clone(privatePaths), "/", "/debug/pprof/")
}

// healthcheckURL is the URL `wab healthcheck` GETs with these arguments (the
// ones after "healthcheck") when PORT is port: cmd/wab/healthcheck.go's flags.
func healthcheckURL(args []string, port string) (string, error) {
	if port == "" {
		port = "3000" // the binary's default
	}
	fs := flag.NewFlagSet("healthcheck", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	u := fs.String("url", "http://127.0.0.1:"+port+"/health/liveness", "")
	fs.Duration("timeout", 3*time.Second, "")
	if err := fs.Parse(args); err != nil {
		return "", err
	}
	if fs.NArg() > 0 {
		return "", fmt.Errorf("unexpected arguments %v", fs.Args())
	}
	return *u, nil
}

// requireHealthcheck: cmd runs `wab healthcheck` against a GET route that
// `wab <role>` serves, on the loopback and the port it listens on.
func requireHealthcheck(t *testing.T, where, role string, cmd []string, env map[string]string) {
	t.Helper()
	require.GreaterOrEqual(t, len(cmd), 2, where)
	require.Equal(t, []string{wabBinary, "healthcheck"}, cmd[:2], "%s: the image has no shell or curl: the binary checks itself", where)
	raw, err := healthcheckURL(cmd[2:], env["PORT"])
	require.NoError(t, err, "%s: `wab healthcheck` arguments %v", where, cmd[2:])
	u, err := url.Parse(raw)
	require.NoError(t, err, where)
	require.Contains(t, []string{"127.0.0.1", "localhost"}, u.Hostname(), "%s: the check asks its own container", where)
	v := rolePort(role)
	require.NotEmpty(t, v, "%s: `wab %s` serves no HTTP for `wab healthcheck` to ask", where, role)
	require.NotEmpty(t, env[v], "%s: %s is set", where, v)
	require.Equal(t, env[v], u.Port(), "%s: `wab %s` listens on %s", where, role, v)
	require.Contains(t, roleRoutes(t, role), u.Path, "%s: %s is not a GET route of `wab %s`", where, u.Path, role)
}

// parseGoMemLimit parses GOMEMLIMIT's syntax: a byte count with an optional
// B, KiB, MiB, GiB or TiB suffix.
func parseGoMemLimit(t *testing.T, s string) int64 {
	t.Helper()
	units := []struct {
		suffix string
		mult   int64
	}{{"TiB", 1 << 40}, {"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"B", 1}}
	mult := int64(1)
	for _, u := range units {
		if n, ok := strings.CutSuffix(s, u.suffix); ok {
			s, mult = n, u.mult
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	require.NoError(t, err, "GOMEMLIMIT %q", s)
	return n * mult
}

// readFile reads a file relative to the repository root.
func readFile(t *testing.T, rel string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, rel))
	require.NoError(t, err)
	return string(b)
}

// filesUnder lists the files under a directory of the repository, relative to
// the repository root, with one of the given extensions.
func filesUnder(t *testing.T, rel string, exts ...string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(filepath.Join(root, rel), func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && slices.Contains(exts, filepath.Ext(p)) {
			r, err := filepath.Rel(root, p)
			if err != nil {
				return err
			}
			out = append(out, filepath.ToSlash(r))
		}
		return nil
	})
	require.NoError(t, err)
	require.NotEmpty(t, out, "no %v files under %s", exts, rel)
	return out
}
