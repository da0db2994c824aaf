package db_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/wabuilder/wab/db"
	"github.com/wabuilder/wab/db/dbtest"
)

// snapshotStore is a store whose transaction sees one snapshot, so counts
// that other tests' commits could move are exact.
func snapshotStore(ctx context.Context, t *testing.T) (pgx.Tx, *db.Store) {
	t.Helper()
	tx := dbtest.Tx(ctx, t)
	_, err := tx.Exec(ctx, "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
	require.NoError(t, err)
	return tx, db.New(tx, dbtest.Box(t))
}

func TestMetrics_LiveSessionCounts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, s := snapshotStore(ctx, t)
	before, err := s.LiveSessionCounts(ctx)
	require.NoError(t, err)

	dbtest.Session(ctx, t, s, nil) // running
	waiting := dbtest.Session(ctx, t, s, nil)
	_, _, err = s.UpdateSessionProgress(ctx, db.SessionProgress{ID: waiting.ID, Status: db.SessionWaitingInput, CurrentNodeID: "q1"})
	require.NoError(t, err)
	ended := dbtest.Session(ctx, t, s, nil)
	_, err = s.EndSession(ctx, db.SessionEnd{ID: ended.ID, Status: db.SessionCompleted, At: now()})
	require.NoError(t, err)

	after, err := s.LiveSessionCounts(ctx)
	require.NoError(t, err)
	require.Equal(t, before[db.SessionRunning]+1, after[db.SessionRunning])
	require.Equal(t, before[db.SessionWaitingInput]+1, after[db.SessionWaitingInput])
	require.NotContains(t, after, db.SessionCompleted, "ended sessions are not counted")
	for st := range after {
		require.Contains(t, db.LiveSessionStatuses, st)
	}
}

func TestMetrics_OutboxBacklog(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tx, s := snapshotStore(ctx, t)
	before, err := s.OutboxBacklog(ctx)
	require.NoError(t, err)

	acc := dbtest.Account(ctx, t, s, nil)
	wa := dbtest.Unique()
	_, err = s.Ingest(ctx, db.IngestBatch{Messages: []db.IngestMessage{inbound(acc, wa, "m1-"+wa, "1"), inbound(acc, wa, "m2-"+wa, "2")}})
	require.NoError(t, err)
	_, err = tx.Exec(ctx, `UPDATE ingest_outbox SET received_at = now() - interval '90 seconds' WHERE account_id = $1`, acc.ID)
	require.NoError(t, err)

	after, err := s.OutboxBacklog(ctx)
	require.NoError(t, err)
	require.Equal(t, before.Pending+2, after.Pending)
	require.GreaterOrEqual(t, after.OldestAge, 90*time.Second)
}
