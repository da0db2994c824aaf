package workflows

import (
	"errors"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/wabuilder/wab/activities"
	"github.com/wabuilder/wab/activities/whatsapp"
	"github.com/wabuilder/wab/workflows/graph"
)

// customerServiceWindow is how long after the customer's last message
// WhatsApp accepts free-form messages.
const customerServiceWindow = 24 * time.Hour

// errWindowClosed stops a send that WhatsApp would refuse anyway.
var errWindowClosed = errors.New("the 24-hour customer service window is closed")

// turnBuffer collects what a turn sends and records, so that a turn costs one
// send activity and one record activity however many nodes it ran.
type turnBuffer struct {
	outbox    []activities.Outbound
	events    []activities.SessionEvent
	markRead  string
	endStatus string
	endReason string
}

// send queues a message; it goes out at the next flush, in order.
func (c *conversation) send(m activities.Outbound) {
	c.turn.outbox = append(c.turn.outbox, m)
}

// flush sends the queued messages. A send that fails for good ends the
// session with the reason (the customer cannot be reached).
func (c *conversation) flush(ctx workflow.Context) {
	if err := c.flushOrError(ctx); err != nil && c.st.Session != nil {
		c.endSession(ctx, StatusFailed, sendFailureReason(err))
	}
}

// flushOrError sends the queued messages and reports a failure to the caller.
// Each message's idempotency key is the workflow's key base plus its sequence
// number, so a retried activity never sends twice.
func (c *conversation) flushOrError(ctx workflow.Context) error {
	msgs := c.turn.outbox
	if len(msgs) == 0 {
		return nil
	}
	c.turn.outbox = nil
	if workflow.Now(ctx).Sub(c.st.LastInboundAt) >= customerServiceWindow {
		if msgs = c.templateFallbacks(msgs); len(msgs) == 0 {
			c.log.Warn("not sending outside the customer service window")
			return errWindowClosed
		}
	}
	in := activities.SendMessagesInput{
		AccountID:      c.in.AccountID,
		ConversationID: c.in.ConversationID,
		To:             c.in.WAID,
		KeyPrefix:      workflow.GetInfo(ctx).WorkflowExecution.ID + "/" + c.st.KeyBase,
		FirstSeq:       c.st.OutSeq + 1,
		Messages:       msgs,
		MarkRead:       c.turn.markRead,
	}
	if s := c.st.Session; s != nil {
		id := s.ID
		in.SessionID = &id
	}
	c.st.OutSeq += int64(len(msgs))
	c.turn.markRead = ""
	err := c.sendMessages(ctx, in)
	if err != nil {
		c.log.Error("send failed", "err", err, "type", sendErrorType(err))
	}
	return err
}

// sendMessages runs SendMessages inside the workflow task, as a local
// activity: a turn is then one workflow task and no activity task, which
// cut what a turn costs the Temporal server by a third (wab bench: 35 to
// 25 ms of CPU). Runs that began sending through the task queue keep doing so.
func (c *conversation) sendMessages(ctx workflow.Context, in activities.SendMessagesInput) error {
	if !c.leanTurn(ctx) {
		return workflow.ExecuteActivity(withSendActivity(ctx), acts.SendMessages, in).Get(ctx, nil)
	}
	return workflow.ExecuteLocalActivity(withSendLocalActivity(ctx), acts.SendMessages, in).Get(ctx, nil)
}

// leanTurn reports whether this run follows changeLeanTurn.
func (c *conversation) leanTurn(ctx workflow.Context) bool {
	return workflow.GetVersion(ctx, changeLeanTurn, workflow.DefaultVersion, 1) == 1
}

// sendFailureReason is the completion reason for a session whose send failed.
func sendFailureReason(err error) string {
	if errors.Is(err, errWindowClosed) || sendErrorType(err) == whatsapp.ErrKindWindowClosed {
		return ReasonWindowClosed
	}
	return ReasonSendFailed
}

// record writes the turn's session changes and events in one local activity.
func (c *conversation) record(ctx workflow.Context) {
	s := c.st.Session
	if s == nil {
		return
	}
	in := activities.RecordTurnInput{
		SessionID:   s.ID,
		Status:      s.Status,
		CurrentNode: s.Node,
		Variables:   s.Vars,
		Events:      c.turn.events,
		EndStatus:   c.turn.endStatus,
		EndReason:   c.turn.endReason,
		At:          workflow.Now(ctx),
	}
	c.turn.events, c.turn.endStatus, c.turn.endReason = nil, "", ""
	if err := workflow.ExecuteLocalActivity(withDBActivity(ctx), acts.RecordTurn, in).Get(ctx, nil); err != nil {
		c.log.Error("record turn failed", "session_id", s.ID, "err", err)
	}
}

// finishTurn sends and records what the turn produced.
func (c *conversation) finishTurn(ctx workflow.Context) {
	c.flush(ctx)
	if c.st.Session != nil {
		c.record(ctx)
	}
	c.upsertSearchAttributes(ctx, false)
	c.turn.markRead = ""
}

// templateFallbacks replaces free-form messages, which WhatsApp refuses once
// the 24-hour window has closed, by their nodes' template fallbacks (one per
// node). Messages of nodes without one are dropped.
func (c *conversation) templateFallbacks(msgs []activities.Outbound) []activities.Outbound {
	if c.version == nil || c.st.Session == nil {
		return nil
	}
	var out []activities.Outbound
	done := map[string]bool{}
	for _, m := range msgs {
		if done[m.NodeID] {
			continue
		}
		done[m.NodeID] = true
		if t, ok := graph.BuildTemplate(*c.version, m.NodeID, c.st.Session.Vars); ok {
			out = append(out, activities.Outbound{Kind: activities.OutboundTemplate, NodeID: m.NodeID, Template: &t})
		}
	}
	return out
}
