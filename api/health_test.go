package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/wabuilder/wab/api"
	"github.com/wabuilder/wab/db/dbtest"
	"github.com/wabuilder/wab/deploy/localstack"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

type report struct {
	Status  string                    `json:"status"`
	Info    map[string]map[string]any `json:"info"`
	Error   map[string]map[string]any `json:"error"`
	Details map[string]map[string]any `json:"details"`
}

func get(t *testing.T, deps api.Deps, path string) (int, report) {
	t.Helper()
	resp, err := api.New(deps).Test(httptest.NewRequestWithContext(context.Background(), "GET", path, nil), -1)
	require.NoError(t, err)
	defer resp.Body.Close()
	var r report
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&r))
	return resp.StatusCode, r
}

// unreachableTemporal is a real client pointed at a port where nothing listens.
func unreachableTemporal(t *testing.T) api.Pinger {
	t.Helper()
	port, err := localstack.FreePort(context.Background())
	require.NoError(t, err)
	c, err := client.NewLazyClient(client.Options{HostPort: fmt.Sprintf("127.0.0.1:%d", port)})
	require.NoError(t, err)
	t.Cleanup(c.Close)
	return api.PingFunc(func(ctx context.Context) error {
		_, err := c.CheckHealth(ctx, &client.CheckHealthRequest{})
		return err
	})
}

func TestHealth_ReportsEachDependency(t *testing.T) {
	t.Parallel()
	pool := dbtest.Pool(t)
	down := unreachableTemporal(t)

	status, r := get(t, api.Deps{Database: pool, Temporal: down}, "/health")
	require.Equal(t, 503, status)
	require.Equal(t, "error", r.Status)
	require.Equal(t, "up", r.Info["database"]["status"])
	require.Equal(t, "down", r.Error["temporal"]["status"])
	require.Equal(t, "up", r.Details["memory_heap"]["status"])
	require.NotContains(t, r.Error["temporal"]["message"], "127.0.0.1", "no addresses in public errors")

	// Ready without Temporal: webhooks are stored and delivered once it is back.
	status, r = get(t, api.Deps{Database: pool, Temporal: down}, "/health/readiness")
	require.Equal(t, 200, status)
	require.Equal(t, "up", r.Info["database"]["status"])

	// Liveness ignores dependencies: a restart would not bring Temporal back.
	status, r = get(t, api.Deps{Database: pool, Temporal: down}, "/health/liveness")
	require.Equal(t, 200, status)
	require.Equal(t, "ok", r.Status)
}

func TestHealth_DatabaseDown(t *testing.T) {
	t.Parallel()
	closed, err := pgxpool.New(context.Background(), dbtest.URL(t))
	require.NoError(t, err)
	closed.Close()

	status, r := get(t, api.Deps{Database: closed, Temporal: unreachableTemporal(t)}, "/health")
	require.Equal(t, 503, status)
	require.Equal(t, "down", r.Error["database"]["status"])
}

func TestHealth_MemoryLimit(t *testing.T) {
	t.Parallel()
	status, r := get(t, api.Deps{Database: dbtest.Pool(t), Temporal: unreachableTemporal(t), HeapLimitBytes: 1}, "/health")
	require.Equal(t, 503, status)
	require.Equal(t, "down", r.Error["memory_heap"]["status"])
}

func TestReadiness_Draining(t *testing.T) {
	t.Parallel()
	status, r := get(t, api.Deps{Database: dbtest.Pool(t), Temporal: unreachableTemporal(t), Draining: func() bool { return true }}, "/health/readiness")
	require.Equal(t, 503, status)
	require.Equal(t, "down", r.Error["shutdown"]["status"])
}

func TestUnknownRoute_JSONError(t *testing.T) {
	t.Parallel()
	resp, err := api.New(api.Deps{}).Test(httptest.NewRequestWithContext(context.Background(), "GET", "/nope", nil), -1)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, 404, resp.StatusCode)
	var body struct {
		Error struct{ Code, Message string } `json:"error"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
	require.Equal(t, "not_found", body.Error.Code)
}
