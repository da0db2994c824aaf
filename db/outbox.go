package db

import (
	"context"
	"encoding/json"
	"errors"
	"sort"
	"time"

	"github.com/google/uuid"

	"github.com/wabuilder/wab/db/dbgen"
)

// OutboxItem is a claimed ingest_outbox row: one stored inbound message to
// hand to its conversation's workflow.
type OutboxItem struct {
	ID             int64 // the delivery order within the conversation
	AccountID      uuid.UUID
	MessageID      uuid.UUID
	ConversationID uuid.UUID
	WorkflowID     string
	Payload        json.RawMessage // what the ingest path enqueued
	Attempts       int             // failed deliveries so far
	ReceivedAt     time.Time
}

// OutboxClaim bounds a claim.
type OutboxClaim struct {
	// Conversations is how many conversations to claim at most.
	Conversations int
	// PerConversation caps the rows claimed per conversation; the rest are
	// claimed once these are delivered.
	PerConversation int
	// Lease keeps other relays off the claimed rows. A relay must settle
	// them before it ends; if it dies, they are claimed again after it.
	Lease time.Duration
}

// ClaimOutbox leases due conversations: those whose oldest pending row is
// due (new, or its retry time has come). It returns one slice per
// conversation, oldest row first, to be delivered in that order; slices are
// ordered by their first row. Concurrent callers, in any process, never get
// the same conversation while its lease runs.
func (s *Store) ClaimOutbox(ctx context.Context, c OutboxClaim) ([][]OutboxItem, error) {
	if c.Conversations <= 0 || c.PerConversation <= 0 || c.Lease <= 0 {
		return nil, errors.New("claim outbox: Conversations, PerConversation and Lease must be positive")
	}
	rows, err := s.q.ClaimOutbox(ctx, dbgen.ClaimOutboxParams{
		AfterID:          0,
		LeaseSeconds:     c.Lease.Seconds(),
		MaxConversations: int32(c.Conversations),   //nolint:gosec // small, checked above.
		PerConversation:  int32(c.PerConversation), //nolint:gosec // small, checked above.
	})
	if err != nil {
		return nil, wrap(err, "claim outbox")
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].ID < rows[j].ID })
	var groups [][]OutboxItem
	index := map[string]int{}
	for _, r := range rows {
		it := OutboxItem{
			ID: r.ID, AccountID: r.AccountID, MessageID: r.MessageID, ConversationID: r.ConversationID,
			WorkflowID: r.WorkflowID, Payload: r.Payload, Attempts: int(r.Attempts), ReceivedAt: r.ReceivedAt,
		}
		i, ok := index[r.WorkflowID]
		if !ok {
			i = len(groups)
			index[r.WorkflowID] = i
			groups = append(groups, nil)
		}
		groups[i] = append(groups[i], it)
	}
	return groups, nil
}

// OutboxSettlement is what a relay did with a claimed conversation.
type OutboxSettlement struct {
	// Delivered rows reached their workflow; they are deleted.
	Delivered []int64
	// Failed is the row whose delivery failed (0: none). It is retried
	// after RetryAfter, with Error recorded and its attempts counted.
	Failed     int64
	Error      string
	RetryAfter time.Duration
	// Blocked are the rows behind Failed: they wait with it, never overtake it.
	Blocked []int64
	// Released rows were claimed but not tried (shutdown, lease running
	// out); they can be claimed again at once.
	Released []int64
}

// SettleOutbox records a relay's outcome in one transaction.
func (s *Store) SettleOutbox(ctx context.Context, st OutboxSettlement) error {
	return s.InTx(ctx, func(tx *Store) error {
		if len(st.Delivered) > 0 {
			if err := tx.q.DeleteOutbox(ctx, st.Delivered); err != nil {
				return wrap(err, "delete %d delivered outbox rows", len(st.Delivered))
			}
		}
		if st.Failed != 0 {
			if err := tx.q.FailOutbox(ctx, dbgen.FailOutboxParams{
				LastError: st.Error, DelaySeconds: st.RetryAfter.Seconds(), ID: st.Failed,
			}); err != nil {
				return wrap(err, "record failed outbox row %d", st.Failed)
			}
		}
		if len(st.Blocked) > 0 {
			if err := tx.q.RescheduleOutbox(ctx, dbgen.RescheduleOutboxParams{
				DelaySeconds: st.RetryAfter.Seconds(), Ids: st.Blocked,
			}); err != nil {
				return wrap(err, "reschedule %d outbox rows", len(st.Blocked))
			}
		}
		if len(st.Released) > 0 {
			err := tx.q.RescheduleOutbox(ctx, dbgen.RescheduleOutboxParams{DelaySeconds: 0, Ids: st.Released})
			if err != nil {
				return wrap(err, "release %d outbox rows", len(st.Released))
			}
		}
		return nil
	})
}

// PendingOutbox counts the rows no relay has delivered yet.
func (s *Store) PendingOutbox(ctx context.Context) (int, error) {
	n, err := s.q.CountPendingOutbox(ctx)
	if err != nil {
		return 0, wrap(err, "count pending outbox rows")
	}
	return int(n), nil
}
