package workflows

import (
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/wabuilder/wab/activities"
	"github.com/wabuilder/wab/workflows/graph"
)

// advance runs the graph from node id until the session waits or ends. A run
// of more than LoopLimit nodes without a wait ends the session (a cycle in
// the graph must not spin forever).
func (c *conversation) advance(ctx workflow.Context, id string) {
	steps := 0
	for c.st.Session != nil {
		s := c.st.Session
		if steps >= c.version.Settings.LoopLimit {
			c.endSession(ctx, StatusFailed, ReasonLoopDetected)
			return
		}
		steps++
		node, ok := c.version.Node(id)
		if !ok {
			c.endSession(ctx, StatusCompleted, ReasonCompleted)
			return
		}
		s.Node, s.Wait, s.Status = id, nil, StatusRunning
		c.event(ctx, activities.EventNodeEntered, node)
		next, handle, waits := c.runNode(ctx, node)
		if c.st.Session == nil || waits {
			return // ended inside the node, or waiting
		}
		c.event(ctx, activities.EventNodeLeft, node)
		if next == "" {
			var found bool
			if next, found = graph.Next(*c.version, id, handle); !found {
				c.endSession(ctx, StatusCompleted, completionReason(handle))
				return
			}
		}
		id = next
	}
}

// completionReason names why a session ended for want of an edge.
func completionReason(handle string) string {
	if handle == graph.HandleError {
		return ReasonAPIError
	}
	return ReasonCompleted
}

// wait puts the session in a wait at its current node.
func (c *conversation) wait(ctx workflow.Context, w *Wait, status string) {
	s := c.st.Session
	s.Wait, s.Status = w, status
	s.LastActivity = workflow.Now(ctx)
}

// leaveWait follows handle out of the node the session waits on.
func (c *conversation) leaveWait(ctx workflow.Context, handle string) {
	c.leaveWaitOr(ctx, handle, ReasonCompleted)
}

// leaveWaitOr follows handle, or ends the session with reason when no edge fits.
func (c *conversation) leaveWaitOr(ctx workflow.Context, handle, reason string) {
	s := c.st.Session
	node, _ := c.version.Node(s.Wait.NodeID)
	c.event(ctx, activities.EventNodeLeft, node)
	s.Wait = nil
	next, ok := graph.Next(*c.version, node.ID, handle)
	if !ok {
		c.endSession(ctx, StatusCompleted, reason)
		return
	}
	c.advance(ctx, next)
}

// ask sends a question (page is the list page) and waits for its answer.
// Re-sending a page keeps the wait's re-ask count and deadlines.
func (c *conversation) ask(ctx workflow.Context, nodeID string, page int, prev *Wait) {
	s := c.st.Session
	q, err := graph.BuildQuestion(*c.version, nodeID, s.Vars, page)
	if err != nil {
		c.log.Error("question cannot be built", "node", nodeID, "err", err)
		c.endSession(ctx, StatusFailed, ReasonUnsupported)
		return
	}
	c.send(activities.Outbound{Kind: activities.OutboundQuestion, NodeID: nodeID, Question: &q})
	w := &Wait{Kind: WaitQuestion, NodeID: nodeID, Question: &q}
	if prev != nil {
		w.Reasks, w.Until, w.RemindAt = prev.Reasks, prev.Until, prev.RemindAt
	} else {
		node, _ := c.version.Node(nodeID)
		c.setDeadlines(ctx, w, node.Data)
	}
	c.wait(ctx, w, StatusWaitingInput)
}

// setDeadlines applies a node's no-reply timeout and reminder.
func (c *conversation) setDeadlines(ctx workflow.Context, w *Wait, d graph.NodeData) {
	now := workflow.Now(ctx)
	if d.TimeoutSeconds > 0 {
		w.Until = now.Add(time.Duration(d.TimeoutSeconds) * time.Second)
	}
	if d.ReminderSeconds > 0 && (w.Until.IsZero() || d.ReminderSeconds < d.TimeoutSeconds) {
		w.RemindAt = now.Add(time.Duration(d.ReminderSeconds) * time.Second)
	}
}

// handleDeadlines acts on every deadline that has passed; it reports whether
// anything happened.
func (c *conversation) handleDeadlines(ctx workflow.Context) bool {
	s := c.st.Session
	if s == nil || s.Wait == nil || !c.loadVersion(ctx) {
		return false
	}
	s = c.st.Session
	w := s.Wait
	now := workflow.Now(ctx)
	switch {
	case !w.RemindAt.IsZero() && !now.Before(w.RemindAt):
		w.RemindAt = time.Time{}
		c.remind(ctx, w)
	case !w.Until.IsZero() && !now.Before(w.Until):
		if w.Kind == WaitDelay {
			c.leaveWait(ctx, "")
		} else {
			c.leaveWaitOr(ctx, graph.HandleTimeout, ReasonNoReply)
		}
	case w.Kind != WaitDelay && !now.Before(s.LastActivity.Add(c.version.Settings.InactivityTimeout)):
		c.endSession(ctx, StatusExpired, ReasonInactivity)
	default:
		return false
	}
	return true
}

// remind sends the node's reminder text, or the question again.
func (c *conversation) remind(ctx workflow.Context, w *Wait) {
	node, _ := c.version.Node(w.NodeID)
	if text := graph.Render(node.Data.ReminderText, c.st.Session.Vars); text != "" {
		c.send(activities.Outbound{Kind: activities.OutboundText, NodeID: w.NodeID, Text: text})
		return
	}
	if w.Question != nil {
		c.send(activities.Outbound{Kind: activities.OutboundQuestion, NodeID: w.NodeID, Question: w.Question})
	}
}

// endSession flushes what the session still has to say, records its end and
// forgets it. The conversation stays open for the next message.
func (c *conversation) endSession(ctx workflow.Context, status, reason string) {
	s := c.st.Session
	if s == nil {
		return
	}
	c.flush(ctx)
	if c.st.Session == nil {
		return // the flush failed and ended the session itself
	}
	s.Status, s.Wait = status, nil
	c.turn.endStatus, c.turn.endReason = status, reason
	c.log.Info("session ended", "session_id", s.ID, "status", status, "reason", reason)
	c.record(ctx)
	c.st.Session = nil
	c.version = nil
	c.upsertSearchAttributes(ctx, false)
}

// event appends a timeline event to the turn's record.
func (c *conversation) event(ctx workflow.Context, kind string, node graph.Node) {
	s := c.st.Session
	s.EventSeq++
	c.turn.events = append(c.turn.events, activities.SessionEvent{
		Seq: s.EventSeq, Kind: kind, NodeID: node.ID, NodeType: node.Type, At: workflow.Now(ctx),
	})
}
