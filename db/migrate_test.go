package db_test

import (
	"context"
	"os"
	"regexp"
	"slices"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/wabuilder/wab/db"
	"github.com/wabuilder/wab/db/dbtest"
)

func newPool(ctx context.Context, t *testing.T, url string) *pgxpool.Pool {
	t.Helper()
	pool, err := pgxpool.New(ctx, url)
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	return pool
}

// Two processes starting at once (API and worker with MIGRATE_ON_START) must
// both succeed: one applies, the other waits on the lock and finds nothing to do.
func TestMigrate_Concurrent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := dbtest.NewDatabase(ctx, t)

	pools := []*pgxpool.Pool{newPool(ctx, t, url), newPool(ctx, t, url)}
	errs := make([]error, len(pools))
	var wg sync.WaitGroup
	for i, p := range pools {
		wg.Go(func() { errs[i] = db.Migrate(ctx, p) })
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}

	st, err := db.MigrationStatus(ctx, pools[0])
	require.NoError(t, err)
	require.Zero(t, st.Pending)
	require.Equal(t, st.Latest, st.Current)
	require.Positive(t, st.Current)
}

// Applying everything, rolling everything back and applying again catches
// Down sections that are missing, wrong, or leave objects behind.
func TestMigrate_DownLeavesNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := newPool(ctx, t, dbtest.NewDatabase(ctx, t))

	require.NoError(t, db.Migrate(ctx, pool))
	require.NoError(t, db.MigrateDown(ctx, pool))

	var leftovers []string
	rows, err := pool.Query(ctx, `
		SELECT c.relname FROM pg_class c
		WHERE c.relnamespace = 'public'::regnamespace AND c.relname NOT LIKE 'goose_db_version%'
		UNION ALL
		SELECT p.proname FROM pg_proc p WHERE p.pronamespace = 'public'::regnamespace
		UNION ALL
		SELECT e.extname FROM pg_extension e WHERE e.extname <> 'plpgsql'`)
	require.NoError(t, err)
	for rows.Next() {
		var name string
		require.NoError(t, rows.Scan(&name))
		leftovers = append(leftovers, name)
	}
	require.NoError(t, rows.Err())
	require.Empty(t, leftovers, "objects left after rolling back every migration")

	st, err := db.MigrationStatus(ctx, pool)
	require.NoError(t, err)
	require.Zero(t, st.Current)
	require.Positive(t, st.Pending)

	require.NoError(t, db.Migrate(ctx, pool))
}

// Goose orders by the version number, people and sqlc by file name: they agree
// only if every name is a 14-digit timestamp.
func TestMigrations_Named(t *testing.T) {
	t.Parallel()
	entries, err := os.ReadDir("migrations")
	require.NoError(t, err)
	name := regexp.MustCompile(`^\d{14}_[a-z0-9_]+\.sql$`)
	var names []string
	for _, e := range entries {
		require.Regexp(t, name, e.Name())
		names = append(names, e.Name())
	}
	require.True(t, slices.IsSorted(names))
	require.NotEmpty(t, names)
}
