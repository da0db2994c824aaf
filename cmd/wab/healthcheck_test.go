package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/wabuilder/wab/cmd/internal/telemetry"
)

func TestHealthcheck(t *testing.T) {
	t.Parallel()
	status := http.StatusOK
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		require.Equal(t, "/health/liveness", r.URL.Path)
		w.WriteHeader(status)
	}))
	t.Cleanup(srv.Close)

	code, out, stderr := runCmd(t, context.Background(), nil, "healthcheck", "-url", srv.URL+"/health/liveness")
	require.Equal(t, exitOK, code, stderr)
	require.Equal(t, "ok\n", out)

	status = http.StatusServiceUnavailable
	code, _, stderr = runCmd(t, context.Background(), nil, "healthcheck", "-url", srv.URL+"/health/liveness")
	require.Equal(t, exitFailure, code)
	require.Contains(t, stderr, "answered 503")
	require.Equal(t, 1, strings.Count(stderr, "\n"))

	// PORT picks the default URL, as in the container.
	port := srv.URL[strings.LastIndex(srv.URL, ":")+1:]
	status = http.StatusOK
	code, _, stderr = runCmd(t, context.Background(), map[string]string{"PORT": port}, "healthcheck")
	require.Equal(t, exitOK, code, stderr)

	code, _, stderr = runCmd(t, context.Background(), nil, "healthcheck", "-timeout", "soon")
	require.Equal(t, exitUsage, code)
	require.Contains(t, stderr, "healthcheck:")
}

// TestHealthcheck_Worker: the worker's container check (docker-compose.yml,
// deploy/ecs) is `wab healthcheck -url` on its telemetry server's liveness.
func TestHealthcheck_Worker(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(telemetry.Handler(telemetry.NewRegistry()))
	t.Cleanup(srv.Close)
	code, out, stderr := runCmd(t, context.Background(), map[string]string{"PORT": "1"}, "healthcheck", "-url", srv.URL+"/health/liveness")
	require.Equal(t, exitOK, code, stderr)
	require.Equal(t, "ok\n", out)

	code, _, stderr = runCmd(t, context.Background(), nil, "healthcheck", "-url", srv.URL+"/health/readiness")
	require.Equal(t, exitFailure, code, "the worker serves no readiness")
	require.Contains(t, stderr, "answered 404")
}
