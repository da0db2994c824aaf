package api_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"

	"github.com/wabuilder/wab/activities"
	"github.com/wabuilder/wab/activities/whatsapp"
	"github.com/wabuilder/wab/api"
	"github.com/wabuilder/wab/api/relay"
	"github.com/wabuilder/wab/db"
	"github.com/wabuilder/wab/db/dbtest"
	"github.com/wabuilder/wab/deploy/localstack"
	"github.com/wabuilder/wab/workflows"
)

// workflowStack is the API with production behind it: a database of its own
// (the worker and the relay commit, so no test transaction), a Temporal dev
// server, a worker running the real workflow and activities with graph as
// its Graph client, and the ingest relay.
type workflowStack struct {
	e     *apiEnv
	pool  *pgxpool.Pool
	store *db.Store
	tc    client.Client
}

func startWorkflowStack(t *testing.T, graph *whatsapp.Client) *workflowStack {
	t.Helper()
	ctx := context.Background()
	tmp, err := localstack.StartTemporal(ctx, localstack.TemporalOptions{SearchAttributes: workflows.SearchAttributeTypes})
	require.NoError(t, err, "the Temporal dev server must start for integration tests (run `make tools`)")
	t.Cleanup(tmp.Kill)
	tc, err := client.Dial(client.Options{HostPort: tmp.Address(), Namespace: tmp.Namespace(), Logger: tlog.NewStructuredLogger(quiet)})
	require.NoError(t, err)
	t.Cleanup(tc.Close)

	pool, err := pgxpool.New(ctx, dbtest.NewDatabase(ctx, t))
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	require.NoError(t, db.Migrate(ctx, pool))
	store := db.New(pool, dbtest.Box(t))

	w := worker.New(tc, workflows.TaskQueue, worker.Options{})
	workflows.Register(w, activities.New(store, graph, activities.Config{}))
	require.NoError(t, w.Start())
	t.Cleanup(w.Stop)

	r := relay.New(store, tc, relay.Options{Log: quiet, Listen: relay.ListenPostgres(pool, quiet)})
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- r.Run(rctx) }()
	t.Cleanup(func() { cancel(); require.NoError(t, <-done) })

	e := envOver(t, store, api.Deps{Log: quiet, Workflows: tc, Graph: graph, Relay: r})
	return &workflowStack{e: e, pool: pool, store: store, tc: tc}
}
