// Package activities holds every Temporal activity: the code that talks to the
// outside world (PostgreSQL, the Graph API, REST endpoints) on behalf of the
// deterministic workflows. Activities are methods on one dependency struct;
// their method names are activity type names and therefore part of the API.
package activities

import (
	"context"

	"github.com/google/uuid"

	"github.com/wabuilder/wab/db"
)

// Store is the part of the database the activities use.
type Store interface {
	ChatbotVersion(ctx context.Context, id uuid.UUID) (db.ChatbotVersion, error)
}

// Activities is registered once per worker; Temporal calls its methods.
type Activities struct {
	store Store
}

// New builds the activities over their dependencies.
func New(store Store) *Activities {
	return &Activities{store: store}
}

// Error types of non-retryable failures. Workflows route on these strings, so
// they are API: never rename one.
const (
	ErrTypeNotFound = "NotFound"
)
