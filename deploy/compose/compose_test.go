// Package compose_test checks the root docker-compose.yml and Dockerfile
// without a Docker engine: the compose file is loaded with compose-spec's own
// loader, as `docker compose` would.
package compose_test

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
	"github.com/stretchr/testify/require"
	"golang.org/x/mod/modfile"

	"github.com/wabuilder/wab/deploy/localstack"
)

var root = filepath.Join("..", "..")

func load(t *testing.T, env map[string]string, profiles ...string) (*types.Project, error) {
	t.Helper()
	var kv []string
	for k, v := range env {
		kv = append(kv, k+"="+v)
	}
	opts, err := cli.NewProjectOptions([]string{filepath.Join(root, "docker-compose.yml")},
		cli.WithEnv(kv), cli.WithProfiles(profiles), cli.WithName("whatsapp-builder"), cli.WithWorkingDirectory(root))
	require.NoError(t, err)
	return opts.LoadProject(context.Background())
}

var required = map[string]string{"POSTGRES_PASSWORD": "pw", "ENCRYPTION_KEY": "key"}

func TestCompose_Services(t *testing.T) {
	t.Parallel()
	p, err := load(t, required)
	require.NoError(t, err)
	names := p.ServiceNames()
	slices.Sort(names)
	require.Equal(t, []string{"api", "migrate", "postgres", "temporal", "worker"}, names, "profiles are off by default")

	pg := p.Services["postgres"]
	require.NotNil(t, pg.HealthCheck)
	require.Contains(t, strings.Join(pg.HealthCheck.Test, " "), "pg_isready")
	require.Equal(t, "pgdata", pg.Volumes[0].Source, "a named volume")

	tmp := p.Services["temporal"]
	require.True(t, strings.HasPrefix(tmp.Image, "temporalio/temporal:"), "the official Temporal CLI image")
	require.Equal(t, []string{"server", "start-dev"}, []string(tmp.Command[:2]))
	require.Contains(t, strings.Join(tmp.Command, " "), "--db-filename=/data/temporal.db")
	for _, flag := range slices.Concat(localstack.DevServerTuning, localstack.SQLiteTuning) {
		require.Contains(t, []string(tmp.Command), flag, "tuned as the dev servers wab bench measures")
	}
	require.Equal(t, "temporaldata", tmp.Volumes[0].Source)
	require.Equal(t, "8233", tmp.Ports[0].Published)
	require.NotNil(t, tmp.HealthCheck)

	require.Equal(t, []string{"migrate"}, []string(p.Services["migrate"].Command))
	require.Equal(t, types.ServiceConditionHealthy, p.Services["migrate"].DependsOn["postgres"].Condition)
	for _, name := range []string{"api", "worker"} {
		s := p.Services[name]
		require.Equal(t, types.ServiceConditionHealthy, s.DependsOn["postgres"].Condition, name)
		require.Equal(t, types.ServiceConditionHealthy, s.DependsOn["temporal"].Condition, name)
		require.Equal(t, types.ServiceConditionCompletedSuccessfully, s.DependsOn["migrate"].Condition, name)
		require.Equal(t, "temporal:7233", *s.Environment["TEMPORAL_ADDRESS"], name)
		require.Contains(t, *s.Environment["DATABASE_URL"], "@postgres:5432/", name)
	}
	require.Equal(t, []string{"serve"}, []string(p.Services["api"].Command))
	require.Equal(t, []string{"/usr/local/bin/wab", "healthcheck"}, []string(p.Services["api"].HealthCheck.Test[1:]))
	require.Equal(t, []string{"worker"}, []string(p.Services["worker"].Command))

	// The worker serves /metrics and /health/liveness on METRICS_PORT, inside
	// the compose network only, and checks itself there.
	w := p.Services["worker"]
	port := w.Environment["METRICS_PORT"]
	require.NotNil(t, port, "the worker's METRICS_PORT is pinned, so .env cannot move it away from its health check")
	require.Equal(t, []string{*port}, []string(w.Expose), "the worker exposes its metrics port to the compose network")
	require.Empty(t, w.Ports, "the worker's metrics are not published on the host")
	require.NotNil(t, w.HealthCheck)
	require.False(t, w.HealthCheck.Disable)
	require.Equal(t, []string{"CMD", "/usr/local/bin/wab", "healthcheck", "-url", "http://127.0.0.1:" + *port + "/health/liveness"},
		[]string(w.HealthCheck.Test))
}

func TestCompose_Profiles(t *testing.T) {
	t.Parallel()
	p, err := load(t, required, "sandbox", "tunnel")
	require.NoError(t, err)
	require.Contains(t, p.ServiceNames(), "sandbox")
	require.Contains(t, p.ServiceNames(), "tunnel")
	require.Equal(t, "sandbox", []string(p.Services["sandbox"].Command)[0])
	require.Contains(t, strings.Join(p.Services["sandbox"].Command, " "), "http://api:3000/api/webhooks/whatsapp")
	require.Contains(t, p.Services["tunnel"].Image, "cloudflared")
	require.Equal(t, types.ServiceConditionHealthy, p.Services["tunnel"].DependsOn["api"].Condition)
}

func TestCompose_RequiredSecretsSayWhatIsMissing(t *testing.T) {
	t.Parallel()
	for name := range required {
		env := map[string]string{}
		for k, v := range required {
			if k != name {
				env[k] = v
			}
		}
		_, err := load(t, env)
		require.Error(t, err, name)
		require.Contains(t, err.Error(), "set "+name+" in .env")
	}
}

// Every variable the app reads (README's configuration table) is in .env.example.
func TestEnvExample_DocumentsEveryVariable(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	require.NoError(t, err)
	example, err := os.ReadFile(filepath.Join(root, ".env.example"))
	require.NoError(t, err)
	_, section, found := strings.Cut(string(readme), "## Configuration")
	require.True(t, found, "README has a Configuration section")
	section, _, _ = strings.Cut(section, "\n## ")
	vars := regexp.MustCompile("`([A-Z][A-Z0-9_]+)`").FindAllStringSubmatch(section, -1)
	require.NotEmpty(t, vars)
	for _, v := range vars {
		require.Regexp(t, `(?m)^#? ?`+v[1]+`=`, string(example), "%s is not in .env.example", v[1])
	}
}

func TestDockerfile_GoVersionMatchesGoMod(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(filepath.Join(root, "go.mod"))
	require.NoError(t, err)
	mod, err := modfile.Parse("go.mod", data, nil)
	require.NoError(t, err)
	docker, err := os.ReadFile(filepath.Join(root, "Dockerfile"))
	require.NoError(t, err)
	m := regexp.MustCompile(`(?m)^FROM golang:([0-9.]+)`).FindStringSubmatch(string(docker))
	require.NotNil(t, m, "the build stage uses the golang image")
	require.Equal(t, mod.Go.Version, m[1])
	require.Contains(t, string(docker), `HEALTHCHECK`)
	require.Contains(t, string(docker), `"/usr/local/bin/wab", "healthcheck"`)
	require.Regexp(t, `(?m)^EXPOSE 3000 9464$`, string(docker), "the API's PORT and the worker's METRICS_PORT, by default")
	require.Regexp(t, `(?m)^USER nonroot`, string(docker))
}
