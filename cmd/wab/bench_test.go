package main

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/wabuilder/wab/cmd/internal/load"
	"github.com/wabuilder/wab/db/dbtest"
)

// TestBench_ShortRuns runs `wab bench -target` against a real stack (`wab
// dev` on PostgreSQL and the Temporal dev server): the REST bot in an open
// loop with redelivered webhooks, then the sample bot with parked
// conversations resumed in a closed loop. Nothing may be lost, repeated or
// misrouted, and the database must agree. The figures themselves are not
// checked: this is a test of the benchmark, not a benchmark.
func TestBench_ShortRuns(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tmp := startTemporal(t)
	dbURL := dbtest.NewDatabase(ctx, t)
	stackEnv := map[string]string{
		"DATABASE_URL":                dbURL,
		"TEMPORAL_ADDRESS":            tmp.Address(),
		"ENCRYPTION_KEY":              testKey,
		"MIGRATE_ON_START":            "true",
		"REST_ALLOW_PRIVATE_NETWORKS": "true",
		"LOG_LEVEL":                   "warn",
	}
	app := start(t, stackEnv, "dev")
	app.waitHealth(t, http.StatusOK)
	benchEnv := mapEnv(map[string]string{"DATABASE_URL": dbURL, "TEMPORAL_ADDRESS": tmp.Address(), "ENCRYPTION_KEY": testKey})

	runs := []struct {
		name string
		args []string
		want func(t *testing.T, r load.Report)
	}{
		{"rest bot, open loop, redelivered", []string{
			"-bot", "rest", "-mode", "open", "-rate", "8", "-customers", "8", "-duration", "3s", "-redeliver", "0.3", "-seed", "7",
		}, func(t *testing.T, r load.Report) {
			require.Positive(t, r.Redelivered)
			require.Equal(t, r.Inbound, r.TurnsOK)
		}},
		{"sample bot, parked then resumed", []string{
			"-bot", "sample", "-mode", "closed", "-concurrency", "3", "-park", "6", "-customers", "3", "-duration", "10s",
		}, func(t *testing.T, r load.Report) {
			require.NotNil(t, r.Parked)
			require.Equal(t, 6, r.Parked.TurnsOK)
			require.Equal(t, 3, r.Inbound, "the second turn of 3 parked conversations")
			require.Equal(t, 3, r.TurnsOK)
		}},
	}
	for _, tc := range runs {
		results := t.TempDir()
		var out syncBuffer
		args := append([]string{"bench", "-target", app.base, "-results", results, "-temporal-sample", "3", "-reply-timeout", "20s"}, tc.args...)
		code := run(ctx, args, benchEnv, &out, &out)
		require.Equal(t, exitOK, code, "%s:\n%s\napp output:\n%s", tc.name, out.String(), app.out.String())
		require.Contains(t, out.String(), "PASS", tc.name)

		files, err := filepath.Glob(filepath.Join(results, "*.json"))
		require.NoError(t, err)
		require.Len(t, files, 1)
		raw, err := os.ReadFile(files[0])
		require.NoError(t, err)
		var r load.Report
		require.NoError(t, json.Unmarshal(raw, &r))
		require.True(t, r.OK(), "%s: %s", tc.name, out.String())
		require.Positive(t, r.Inbound, tc.name)
		require.Positive(t, r.InboundPerSec+r.RepliesPerSec, tc.name)
		require.Zero(t, r.Lost+r.Duplicated+r.Misrouted+r.OutOfOrder+r.Unexpected, tc.name)
		require.NotNil(t, r.Verify, tc.name)
		require.Zero(t, r.Verify.SessionsStuck+r.Verify.InboundMissing+r.Verify.RepliesLost, tc.name)
		require.NotNil(t, r.Temporal, tc.name)
		require.Positive(t, r.Temporal.WorkflowTasksPerTurn, tc.name)
		tc.want(t, r)
	}
}

func TestBench_BadInvocation(t *testing.T) {
	t.Parallel()
	requireUsageErrors(t, "bench", []usageCase{
		{"unknown bot", nil, []string{"-bot", "nope"}, "-bot must be sample or rest"},
		{"unknown mode", nil, []string{"-mode", "fast"}, "-mode must be open or closed"},
		{"open loop without a rate", nil, []string{"-mode", "open", "-rate", "0"}, "-rate must be above 0"},
		{"redeliver is a fraction", nil, []string{"-redeliver", "2"}, "-redeliver is a fraction"},
		{"no concurrency", nil, []string{"-concurrency", "0"}, "must be at least 1"},
		{"negative worker cache", nil, []string{"-worker-cache", "-1"}, "-worker-cache must be at least 1"},
		{"remote target", nil, []string{"-target", "http://192.0.2.1:3000"}, "-target must be on this machine"},
		{"target without its key", nil, []string{"-target", "http://127.0.0.1:1"}, "set ENCRYPTION_KEY"},
	})
}
