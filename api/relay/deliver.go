package relay

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"
	"unicode/utf8"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/wabuilder/wab/db"
	"github.com/wabuilder/wab/workflows"
)

// settleTimeout bounds recording an outcome, which runs even while the
// relay shuts down: rows left leased would wait for the lease to end.
const settleTimeout = 10 * time.Second

// leaseMargin is kept free at the end of a lease for settling.
const leaseMargin = 2 * time.Second

// maxErrorLen caps last_error: Temporal errors can be long.
const maxErrorLen = 500

// outcome is what a worker reports back to Run.
type outcome struct {
	delivered int
	// unavailable says Temporal could not be reached: the whole relay backs off.
	unavailable bool
}

// deliver signals one claimed conversation's rows in order, stopping at the
// first failure (the rest must not overtake it), and records the outcome.
func (r *Relay) deliver(ctx context.Context, claimed time.Time, items []db.OutboxItem) outcome {
	var st db.OutboxSettlement
	var out outcome
	for i, it := range items {
		if ctx.Err() != nil || time.Since(claimed) > r.opts.Lease-r.opts.SignalTimeout-leaseMargin {
			st.Released = ids(items[i:]) // shutting down, or the lease could end mid-call
			break
		}
		err := r.signal(ctx, it)
		if err == nil {
			st.Delivered = append(st.Delivered, it.ID)
			out.delivered++
			continue
		}
		if ctx.Err() != nil {
			st.Released = ids(items[i:]) // cancelled by shutdown: not the row's fault
			break
		}
		out.unavailable = unavailable(err)
		st.Failed, st.Error, st.RetryAfter = it.ID, truncate(err.Error()), r.backoff(it.Attempts+1)
		st.Blocked = ids(items[i+1:])
		r.log.WarnContext(ctx, "relay: signal failed; will retry", "workflow_id", it.WorkflowID,
			"message_id", it.MessageID, "attempts", it.Attempts+1, "retry_in", st.RetryAfter, "err", err)
		break
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), settleTimeout)
	defer cancel()
	if err := r.store.SettleOutbox(sctx, st); err != nil {
		// The rows stay leased and are delivered again when the lease ends;
		// the workflow drops the wamids it has already seen.
		r.log.ErrorContext(ctx, "relay: recording deliveries failed", "workflow_id", items[0].WorkflowID, "err", err)
	}
	return out
}

// signal hands one message to its conversation, starting a workflow run if
// none is running (a closed conversation gets a new run).
func (r *Relay) signal(ctx context.Context, it db.OutboxItem) error {
	var p Payload
	if err := json.Unmarshal(it.Payload, &p); err != nil {
		return fmt.Errorf("decode outbox row %d: %w", it.ID, err)
	}
	p.Input.AccountID, p.Input.ConversationID = it.AccountID, it.ConversationID
	ctx, cancel := context.WithTimeout(ctx, r.opts.SignalTimeout)
	defer cancel()
	_, err := r.tc.SignalWithStartWorkflow(ctx, it.WorkflowID, workflows.SignalInbound, p.Message,
		client.StartWorkflowOptions{
			ID:                       it.WorkflowID,
			TaskQueue:                workflows.TaskQueue,
			WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
			WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		},
		workflows.ConversationWorkflow, p.Input)
	if err != nil {
		return fmt.Errorf("signal-with-start %s: %w", it.WorkflowID, err)
	}
	return nil
}

// backoff is the delay before attempt n+1: MinBackoff doubling per
// attempt up to MaxBackoff, with ±20% jitter so that retries spread out.
func (r *Relay) backoff(attempt int) time.Duration {
	d := r.opts.MinBackoff
	for i := 1; i < attempt && d < r.opts.MaxBackoff; i++ {
		d *= 2
	}
	d = min(d, r.opts.MaxBackoff)
	return time.Duration(float64(d) * (0.8 + 0.4*rand.Float64())) //nolint:gosec // jitter, not secrecy.
}

// unavailable reports errors that say Temporal (not this message) is the
// problem: connection refused, or no answer in time.
func unavailable(err error) bool {
	var u *serviceerror.Unavailable
	var d *serviceerror.DeadlineExceeded
	var n *serviceerror.NamespaceUnavailable
	return errors.As(err, &u) || errors.As(err, &d) || errors.As(err, &n) || errors.Is(err, context.DeadlineExceeded)
}

func ids(items []db.OutboxItem) []int64 {
	out := make([]int64, len(items))
	for i, it := range items {
		out[i] = it.ID
	}
	return out
}

func truncate(s string) string {
	if len(s) <= maxErrorLen {
		return s
	}
	s = s[:maxErrorLen]
	for !utf8.ValidString(s) { // never cut a character in half: Postgres rejects it
		s = s[:len(s)-1]
	}
	return s + "…"
}
