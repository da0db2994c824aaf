// Package deploy_test checks the deployment manifests under deploy/ without a
// cluster, a Docker engine or the network: Kubernetes objects decode strictly
// into their API types, probes hit routes the app really serves, secrets are
// referenced and never inlined, and the nginx config, the ECS task definitions
// and deploy/README.md agree with the code they describe.
package deploy_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

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
	dir := filepath.Join(root, "cmd", "internal", "config")
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
