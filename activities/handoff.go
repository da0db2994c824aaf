package activities

import (
	"context"
	"fmt"

	"github.com/wabuilder/wab/db"
)

// SetHandoff records who has the conversation. Idempotent (it sets a state).
// Local activity: one short UPDATE.
func (a *Activities) SetHandoff(ctx context.Context, in SetHandoffInput) error {
	if err := a.store.SetHandoff(ctx, db.Handoff{ConversationID: in.ConversationID, By: in.By, At: in.At}); err != nil {
		return fmt.Errorf("set handoff: %w", err)
	}
	return nil
}
