package db

import "embed"

// migrationsFS holds the goose migrations, compiled into every binary so a
// deploy never runs code against a schema it did not ship with.
//
//go:embed migrations/*.sql
var migrationsFS embed.FS
