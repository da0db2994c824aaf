package db

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/wabuilder/wab/db/dbgen"
)

// Handoff is who has a conversation: the bot (By empty) or an agent.
type Handoff struct {
	ConversationID uuid.UUID
	// By is an agent's user id, or another label ("bot:<node>": a handoff
	// node waiting for any agent); only a user id is kept as the assignee.
	By string
	At time.Time
}

// SetHandoff stores the handoff state; setting the same state twice is a no-op.
func (s *Store) SetHandoff(ctx context.Context, h Handoff) error {
	p := dbgen.SetConversationHandoffParams{ID: h.ConversationID, HandoffState: "bot"}
	if h.By != "" {
		p.HandoffState = "agent"
		p.HandoffAt = ptr(h.At)
		if id, err := uuid.Parse(h.By); err == nil {
			p.ByUser = &id
		}
	}
	n, err := s.q.SetConversationHandoff(ctx, p)
	if err != nil {
		return wrap(err, "set handoff of conversation %s", h.ConversationID)
	}
	if n == 0 {
		return wrap(pgx.ErrNoRows, "set handoff of conversation %s", h.ConversationID)
	}
	return nil
}
