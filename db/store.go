// Package db is the PostgreSQL layer: goose migrations, sqlc queries (in
// db/dbgen, generated) and Store, the only API the rest of the code uses.
//
// Store methods take and return hand-written domain types; generated rows and
// pgx types stay inside this package. Missing rows are ErrNotFound, never a
// zero value with a nil error.
package db

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/wabuilder/wab/db/dbgen"
	"github.com/wabuilder/wab/db/secret"
)

// ErrNotFound is returned when the requested row does not exist.
var ErrNotFound = errors.New("db: not found")

// ErrConflict is returned (wrapping the *pgconn.PgError) when a write breaks a
// unique constraint, e.g. a second live session for a conversation.
var ErrConflict = errors.New("db: conflict")

// DB is what a Store runs on: *pgxpool.Pool, *pgx.Conn and pgx.Tx all satisfy
// it. Begin on a pgx.Tx opens a savepoint, so InTx nests.
type DB interface {
	dbgen.DBTX
	Begin(ctx context.Context) (pgx.Tx, error)
}

// Store reads and writes the application's data.
type Store struct {
	db  DB
	q   *dbgen.Queries
	box *secret.Box
}

// New returns a Store over db. box seals account credentials; it may be nil
// only if the caller never touches accounts.
func New(db DB, box *secret.Box) *Store {
	return &Store{db: db, q: dbgen.New(db), box: box}
}

// InTx runs fn in a transaction (a savepoint if the Store already runs in one)
// and commits if fn returns nil. The *Store passed to fn must not escape it.
func (s *Store) InTx(ctx context.Context, fn func(*Store) error) error {
	return pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		return fn(&Store{db: tx, q: s.q.WithTx(tx), box: s.box})
	})
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if _, err := s.db.Exec(ctx, "SELECT 1"); err != nil {
		return fmt.Errorf("ping database: %w", err)
	}
	return nil
}

// wrap maps driver errors to this package's sentinels and adds what was being
// done: "get account 1234: db: not found".
func wrap(err error, format string, args ...any) error {
	if err == nil {
		return nil
	}
	what := fmt.Sprintf(format, args...)
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("%s: %w", what, ErrNotFound)
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23505" { // unique_violation
		return fmt.Errorf("%s: %w: %w", what, ErrConflict, err)
	}
	return fmt.Errorf("%s: %w", what, err)
}

// noRow reports whether err is "no row", which several upserts use to mean
// "already there".
func noRow(err error) bool { return errors.Is(err, pgx.ErrNoRows) }

// ptr returns nil for the zero value, else a pointer to v; for optional query
// arguments where zero means "not given".
func ptr[T comparable](v T) *T {
	var zero T
	if v == zero {
		return nil
	}
	return &v
}

// deref returns *p, or the zero value for nil.
func deref[T any](p *T) T {
	if p == nil {
		var zero T
		return zero
	}
	return *p
}
