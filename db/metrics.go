package db

import (
	"context"
	"time"
)

// LiveSessionStatuses are the statuses of sessions that have not ended, in
// the order the CHECK constraint lists them.
var LiveSessionStatuses = []SessionStatus{SessionRunning, SessionWaitingInput, SessionWaitingFlow, SessionDelayed, SessionHandoff}

// LiveSessionCounts counts the sessions that have not ended, by status;
// statuses without sessions are absent. It reads the live sessions only
// (a partial index), so it stays cheap however much history there is.
func (s *Store) LiveSessionCounts(ctx context.Context) (map[SessionStatus]int64, error) {
	rows, err := s.q.CountLiveSessionsByStatus(ctx)
	if err != nil {
		return nil, wrap(err, "count live sessions")
	}
	out := make(map[SessionStatus]int64, len(rows))
	for _, r := range rows {
		out[SessionStatus(r.Status)] = r.Sessions
	}
	return out, nil
}

// OutboxBacklog is what the ingest relays still have to hand to Temporal.
type OutboxBacklog struct {
	Pending int64
	// OldestAge is how long the oldest pending row has waited; zero when
	// none is pending.
	OldestAge time.Duration
}

// OutboxBacklog reads the pending outbox rows' count and oldest age.
func (s *Store) OutboxBacklog(ctx context.Context) (OutboxBacklog, error) {
	r, err := s.q.OutboxBacklog(ctx)
	if err != nil {
		return OutboxBacklog{}, wrap(err, "read outbox backlog")
	}
	return OutboxBacklog{Pending: r.Pending, OldestAge: time.Duration(r.OldestSeconds * float64(time.Second))}, nil
}
