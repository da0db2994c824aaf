package main

import (
	"context"
	"fmt"

	"github.com/wabuilder/wab/db"
)

// runMigrate applies pending migrations under goose's advisory lock, so any
// number of replicas may run it at once.
func runMigrate(ctx context.Context, e env, args []string) error {
	if err := parseFlags("migrate", args, e.stderr, nil); err != nil {
		return err
	}
	a, err := setup(ctx, e, false)
	if err != nil {
		return err
	}
	defer a.close()
	if err := db.Migrate(ctx, a.pool); err != nil {
		return fmt.Errorf("apply migrations: %w", err)
	}
	fmt.Fprintln(e.stdout, "migrations applied")
	return nil
}
