// Package dbtest runs database tests against a real PostgreSQL.
//
// Call Main from TestMain. It uses $TEST_DATABASE_URL when set (creating a
// uniquely named database there) and otherwise starts a throwaway server in a
// temporary directory. Migrations are applied once; each test then works in its
// own transaction (Tx, Store) that is rolled back at cleanup, so tests run in
// parallel and leave nothing behind. If no database can be had, Main fails the
// run: integration tests never skip silently.
package dbtest

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/wabuilder/wab/db"
	"github.com/wabuilder/wab/db/secret"
)

// EnvURL names the variable that points the tests at an existing server (CI's
// service container). The role must be allowed to create databases.
const EnvURL = "TEST_DATABASE_URL"

// shared is the state Main sets up for the package's tests.
var shared struct {
	srv  *server
	url  string // the migrated test database
	pool *pgxpool.Pool
}

// Main sets up the database, runs the tests and tears everything down, then
// exits with the tests' status. Use it as the whole of TestMain:
//
//	func TestMain(m *testing.M) { dbtest.Main(m) }
func Main(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	var (
		mu       sync.Mutex // the signal handler may clean up while we set up
		teardown []func()
	)
	onTeardown := func(f func()) {
		mu.Lock()
		defer mu.Unlock()
		teardown = append(teardown, f)
	}
	cleanup := func() {
		mu.Lock()
		defer mu.Unlock()
		for i := len(teardown) - 1; i >= 0; i-- {
			teardown[i]()
		}
		teardown = nil
	}
	defer cleanup()
	// Ctrl-C during `go test` must not leave a server or its directory behind.
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sig)
	go func() {
		if s, ok := <-sig; ok {
			fmt.Fprintf(os.Stderr, "dbtest: got %v; removing the test database server and exiting\n", s)
			cleanup()
			os.Exit(130)
		}
	}()

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	srv, err := startServer(ctx)
	if srv != nil {
		onTeardown(srv.close)
	}
	if err != nil {
		return fail(fmt.Errorf("%w\nDatabase tests need PostgreSQL: install it (apt-get install postgresql) so a "+
			"throwaway server can be started, or set %s to a server where the role may create databases", err, EnvURL))
	}
	shared.srv = srv
	name, err := srv.createDatabase(ctx)
	if err != nil {
		return fail(err)
	}
	shared.url = srv.urlFor(name)
	cfg, err := pgxpool.ParseConfig(shared.url)
	if err != nil {
		return fail(err)
	}
	cfg.MaxConns = 32 // each parallel test holds one connection for its transaction
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return fail(err)
	}
	onTeardown(pool.Close)
	shared.pool = pool
	if err := db.Migrate(ctx, pool); err != nil {
		return fail(fmt.Errorf("apply migrations: %w", err))
	}
	return m.Run()
}

func fail(err error) int {
	fmt.Fprintf(os.Stderr, "\ndbtest: FAIL: cannot prepare the test database: %v\n\n", err)
	return 1
}

func mustSetUp(t testing.TB) {
	t.Helper()
	if shared.pool == nil {
		t.Fatal("dbtest: the database is not set up; call dbtest.Main(m) from TestMain")
	}
}

// Pool returns the pool of the shared, migrated test database. Data written
// through it is committed and visible to every test: prefer Tx or Store.
func Pool(t testing.TB) *pgxpool.Pool {
	mustSetUp(t)
	return shared.pool
}

// URL returns the connection string of the shared, migrated test database.
func URL(t testing.TB) string {
	mustSetUp(t)
	return shared.url
}

// Tx begins a transaction on the shared database and rolls it back when the
// test ends, so nothing the test writes is ever seen by another test.
func Tx(ctx context.Context, t testing.TB) pgx.Tx {
	t.Helper()
	tx, err := Pool(t).Begin(ctx)
	require.NoError(t, err)
	t.Cleanup(func() { _ = tx.Rollback(context.WithoutCancel(ctx)) })
	return tx
}

// Store returns a db.Store over a rolled-back transaction (see Tx), sealing
// secrets with Box.
func Store(ctx context.Context, t testing.TB) *db.Store {
	t.Helper()
	return db.New(Tx(ctx, t), Box(t))
}

// testKey is a fixed key: test data never outlives the test run.
var testKey = []byte("wab-dbtest-key-0123456789abcdef!")

// Box returns the secret box the test stores use.
func Box(t testing.TB) *secret.Box {
	t.Helper()
	box, err := secret.NewBox(testKey)
	require.NoError(t, err)
	return box
}

// NewDatabase creates an empty database (no migrations) on the test server and
// returns its URL; it is dropped when the test ends. For migration tests.
func NewDatabase(ctx context.Context, t testing.TB) string {
	t.Helper()
	mustSetUp(t)
	name, err := shared.srv.createDatabase(ctx)
	require.NoError(t, err)
	t.Cleanup(func() {
		if err := shared.srv.dropDatabase(context.WithoutCancel(ctx), name); err != nil {
			t.Errorf("drop test database %s: %v", name, err)
		}
	})
	return shared.srv.urlFor(name)
}
