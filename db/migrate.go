package db

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
)

// migrationLockID names the advisory lock that serialises migrations across
// processes: crc32("wab-migrations"), distinct from goose's default so another
// goose-managed app on the same server does not block us.
const migrationLockID int64 = 0x89304b8a

// Migrate applies every pending migration. It is safe to call from several
// processes at once: they queue on a Postgres advisory lock, and the later ones
// find nothing to do.
func Migrate(ctx context.Context, pool *pgxpool.Pool) error {
	return withProvider(pool, func(p *goose.Provider) error {
		if _, err := p.Up(ctx); err != nil {
			return fmt.Errorf("migrate up: %w", err)
		}
		return nil
	})
}

// MigrateDown rolls back every migration. For tests of the Down sections and
// for local resets; never run it against data you want to keep.
func MigrateDown(ctx context.Context, pool *pgxpool.Pool) error {
	return withProvider(pool, func(p *goose.Provider) error {
		if _, err := p.DownTo(ctx, 0); err != nil {
			return fmt.Errorf("migrate down: %w", err)
		}
		return nil
	})
}

// MigrationState is where a database stands relative to the embedded migrations.
type MigrationState struct {
	Current int64 // latest applied version, 0 for none
	Latest  int64 // latest embedded version
	Pending int   // embedded migrations not applied yet
}

// MigrationStatus reports the applied and embedded versions, e.g. for a
// readiness check that refuses traffic until the schema is current.
func MigrationStatus(ctx context.Context, pool *pgxpool.Pool) (MigrationState, error) {
	var st MigrationState
	err := withProvider(pool, func(p *goose.Provider) error {
		all, err := p.Status(ctx)
		if err != nil {
			return fmt.Errorf("migration status: %w", err)
		}
		for _, m := range all {
			st.Latest = max(st.Latest, m.Source.Version)
			if m.State == goose.StateApplied {
				st.Current = max(st.Current, m.Source.Version)
			} else {
				st.Pending++
			}
		}
		return nil
	})
	return st, err
}

func withProvider(pool *pgxpool.Pool, fn func(*goose.Provider) error) error {
	sqlDB := stdlib.OpenDBFromPool(pool) // closing it leaves the pool open
	defer sqlDB.Close()
	p, err := newProvider(sqlDB)
	if err != nil {
		return err
	}
	defer p.Close()
	return fn(p)
}

func newProvider(sqlDB *sql.DB) (*goose.Provider, error) {
	migrations, err := fs.Sub(migrationsFS, "migrations")
	if err != nil {
		return nil, err
	}
	p, err := goose.NewProvider(goose.DialectPostgres, sqlDB, migrations,
		goose.WithSessionLocker(advisoryLocker{id: migrationLockID}),
		goose.WithDisableGlobalRegistry(true), // SQL files only; no init()-registered Go migrations
	)
	if err != nil {
		return nil, fmt.Errorf("load migrations: %w", err)
	}
	return p, nil
}

// advisoryLocker is a goose SessionLocker on a session-level advisory lock.
//
// goose's own lock.NewPostgresSessionLocker polls pg_try_advisory_lock every
// 5 seconds (1 at the least), so a second process always waits that long. This
// one blocks in pg_advisory_lock and wakes the moment the holder is done; ctx
// still bounds the wait (pgx cancels the query).
type advisoryLocker struct{ id int64 }

func (l advisoryLocker) SessionLock(ctx context.Context, conn *sql.Conn) error {
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", l.id); err != nil {
		return fmt.Errorf("take migration lock: %w", err)
	}
	return nil
}

func (l advisoryLocker) SessionUnlock(ctx context.Context, conn *sql.Conn) error {
	var released bool
	if err := conn.QueryRowContext(ctx, "SELECT pg_advisory_unlock($1)", l.id).Scan(&released); err != nil {
		return fmt.Errorf("release migration lock: %w", err)
	}
	if !released {
		return fmt.Errorf("release migration lock: lock %d was not held by this session", l.id)
	}
	return nil
}
