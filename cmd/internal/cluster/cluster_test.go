package cluster_test

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/wabuilder/wab/cmd/internal/cluster"
)

// TestCluster starts the stack as processes, kills and restarts each kind,
// and checks that every process is accounted for.
func TestCluster(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	bin, err := cluster.Build(ctx, t.TempDir())
	require.NoError(t, err)
	dir := t.TempDir()
	c, err := cluster.New(ctx, cluster.Options{Binary: bin, Dir: dir, APIs: 2, Workers: 1, PostgresFast: true})
	require.NoError(t, err)
	t.Cleanup(func() {
		c.Stop()
		if t.Failed() {
			dumpLogs(t, dir)
		}
	})
	require.NoError(t, c.Start(ctx, map[string]string{"LOG_LEVEL": "warn"}))

	for _, role := range []cluster.Role{cluster.API, cluster.Worker, cluster.Temporal} {
		require.NoError(t, c.Kill(role, 0), role)
		require.NoError(t, c.Restart(ctx, role, 0), role)
	}
	for _, u := range c.APIURLs() {
		resp, err := http.Get(u + "/health/readiness") //nolint:noctx // test probe
		require.NoError(t, err)
		_ = resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode)
	}
	time.Sleep(600 * time.Millisecond) // one sampler tick at least
	stats := c.Stats()
	require.Len(t, stats, 5)
	for _, s := range stats {
		t.Logf("%-10s pid %-7d starts %d cpu %.2fs peak %.1f MiB", s.Name(), s.Pid, s.Starts, s.CPUSeconds, float64(s.PeakRSSBytes)/(1<<20))
		require.Positive(t, s.CPUSeconds, s.Name())
		require.Positive(t, s.PeakRSSBytes, s.Name())
		require.NotZero(t, s.Pid, s.Name())
	}
	byName := map[string]cluster.Stats{}
	for _, s := range stats {
		byName[s.Name()] = s
	}
	require.Equal(t, 2, byName["api 0"].Starts)
	require.Equal(t, 1, byName["api 1"].Starts)
	require.Equal(t, 2, byName["worker 0"].Starts)
	require.Equal(t, 2, byName["temporal"].Starts)
	require.Empty(t, c.Unexpected())

	c.Stop()
	after := c.Stats()
	for i, s := range after {
		require.Zero(t, s.Pid, s.Name())
		require.GreaterOrEqual(t, s.CPUSeconds, stats[i].CPUSeconds, s.Name())
	}
}

func dumpLogs(t *testing.T, dir string) {
	files, _ := filepath.Glob(filepath.Join(dir, "logs", "*.log"))
	for _, f := range files {
		b, _ := os.ReadFile(f)
		t.Logf("==== %s (tail)\n%s", f, b[max(0, len(b)-3000):])
	}
}
