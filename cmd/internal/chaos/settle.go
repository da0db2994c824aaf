package chaos

import (
	"context"
	"fmt"
	"time"

	"github.com/wabuilder/wab/cmd/internal/cluster"
	"github.com/wabuilder/wab/cmd/internal/load"
)

// quietFor is how long the stack must be idle before the final count: long
// enough for a late duplicate (a retried send, a redelivered signal) to show.
const quietFor = 5 * time.Second

// settle waits until the stack has converged — every count of load.Verify
// at 0 and nothing left in flight (inbound rows not yet handed to Temporal,
// outbound rows not yet accepted by the Graph API) — and then stays so for
// quietFor; or until within is spent. It returns the final look, taken
// after the quiet period, so that nothing that arrives late is missed.
func settle(ctx context.Context, c *cluster.Cluster, meta *load.Meta, within time.Duration) (load.Verification, error) {
	deadline := time.Now().Add(within)
	for {
		left := time.Until(deadline)
		v, err := load.Verify(ctx, c.Pool(), meta, load.VerifyOptions{Wait: max(left, time.Millisecond)})
		if err != nil {
			return v, err
		}
		busy, err := inFlight(ctx, c)
		if err != nil {
			return v, err
		}
		if (v.OK() && busy == 0) || time.Now().After(deadline) {
			// Quiet period, then the look that counts.
			select {
			case <-time.After(quietFor):
			case <-ctx.Done():
				return v, ctx.Err()
			}
			return load.Verify(ctx, c.Pool(), meta, load.VerifyOptions{Wait: time.Millisecond})
		}
		select {
		case <-time.After(500 * time.Millisecond):
		case <-ctx.Done():
			return v, ctx.Err()
		}
	}
}

// inFlight counts work the stack has accepted but not finished: outbox rows
// the relays have not delivered, and outbound messages stored but not yet
// accepted (or refused for good) by the Graph API.
func inFlight(ctx context.Context, c *cluster.Cluster) (int, error) {
	var n int
	err := c.Pool().QueryRow(ctx, `SELECT
		(SELECT count(*) FROM ingest_outbox WHERE delivered_at IS NULL) +
		(SELECT count(*) FROM messages WHERE direction = 'outbound' AND status = 'pending')`).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("chaos: count work in flight: %w", err)
	}
	return n, nil
}
