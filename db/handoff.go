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

// SetHandoff stores the handoff state and announces it (handoff.changed and
// conversation.updated) in the same transaction; setting the same state
// twice changes nothing but announces it again.
func (s *Store) SetHandoff(ctx context.Context, h Handoff) error {
	p := dbgen.SetConversationHandoffParams{ID: h.ConversationID, HandoffState: string(HandoffBot)}
	if h.By != "" {
		p.HandoffState = string(HandoffAgent)
		p.HandoffAt = ptr(h.At)
		if id, err := uuid.Parse(h.By); err == nil {
			p.ByUser = &id
		}
	}
	return s.InTx(ctx, func(tx *Store) error {
		n, err := tx.q.SetConversationHandoff(ctx, p)
		if err != nil {
			return wrap(err, "set handoff of conversation %s", h.ConversationID)
		}
		if n == 0 {
			return wrap(pgx.ErrNoRows, "set handoff of conversation %s", h.ConversationID)
		}
		if err := tx.Notify(ctx, Event{
			Type: EventHandoffChanged, ConversationID: h.ConversationID, Status: p.HandoffState, UserID: p.ByUser,
		}); err != nil {
			return err
		}
		return tx.Notify(ctx, Event{Type: EventConversationUpdated, ConversationID: h.ConversationID})
	})
}
