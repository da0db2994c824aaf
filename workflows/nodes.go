package workflows

import (
	"errors"
	"strconv"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/wabuilder/wab/activities"
	"github.com/wabuilder/wab/workflows/graph"
)

// runNode executes one node. It returns the handle to leave by (or a target
// already chosen in next), or waits=true when the session now waits here.
func (c *conversation) runNode(ctx workflow.Context, n graph.Node) (next, handle string, waits bool) {
	s := c.st.Session
	d := n.Data
	switch n.Type {
	case graph.TypeStart:
	case graph.TypeMessage:
		c.sendTexts(n.ID, d.Content)
	case graph.TypeQuestion:
		c.ask(ctx, n.ID, 1, nil)
		return "", "", true
	case graph.TypeCondition:
		handle = graph.HandleFalse
		if graph.EvaluateNode(d, s.Vars) {
			handle = graph.HandleTrue
		}
	case graph.TypeSetVariable:
		mergeVars(s.Vars, graph.ApplyAssignments(d, s.Vars))
	case graph.TypeRestAPI:
		handle = c.callREST(ctx, n)
	case graph.TypeWhatsAppFlow:
		return c.openFlow(ctx, n)
	case graph.TypeDelay:
		dur, err := graph.DelayDuration(d)
		if err != nil || dur <= 0 {
			return "", "", false // nothing to wait for
		}
		c.flush(ctx) // what came before the delay is said now, not after it
		if c.st.Session == nil {
			return "", "", true
		}
		c.wait(ctx, &Wait{Kind: WaitDelay, NodeID: n.ID, Until: workflow.Now(ctx).Add(dur)}, StatusDelayed)
		return "", "", true
	case graph.TypeHandoff:
		c.sendTexts(n.ID, d.Content)
		c.takeOver(ctx, "bot:"+n.ID)
		c.wait(ctx, &Wait{Kind: WaitHandoff, NodeID: n.ID}, StatusHandoff)
		return "", "", true
	case graph.TypeEnd:
		c.sendTexts(n.ID, d.Content)
		c.event(ctx, activities.EventNodeLeft, n)
		c.endSession(ctx, StatusCompleted, ReasonEndNode)
		return "", "", true
	case graph.TypeGoogleCalendar:
		// Calendar integration is not part of this engine; the node reports
		// that, and the graph continues as in the reference (first edge).
		mergeVars(s.Vars, graph.CalendarResultVars(*c.version, n.ID,
			map[string]any{"error": true, "code": "NOT_CONNECTED", "message": "Google Calendar is not connected"}))
	default:
		c.endSession(ctx, StatusFailed, ReasonUnsupported)
		return "", "", true
	}
	return "", handle, false
}

// sendTexts queues a message node's content (split at WhatsApp's limit).
func (c *conversation) sendTexts(nodeID, content string) {
	for _, t := range graph.MessageTexts(content, c.st.Session.Vars) {
		c.send(activities.Outbound{Kind: activities.OutboundText, NodeID: nodeID, Text: t})
	}
}

// callREST runs a rest_api node's request and stores its outcome.
func (c *conversation) callREST(ctx workflow.Context, n graph.Node) string {
	s := c.st.Session
	req, err := graph.BuildRequest(*c.version, n.ID, s.Vars)
	var res graph.RestResult
	if err != nil {
		res = graph.RestResult{Error: err.Error()}
	} else {
		c.flush(ctx) // the customer reads what came before while the call runs
		if c.st.Session == nil {
			return graph.HandleError
		}
		var out activities.CallRESTResult
		err = workflow.ExecuteActivity(withRESTActivity(ctx, req.Timeout), acts.CallREST,
			activities.CallRESTInput{SessionID: s.ID, NodeID: n.ID, Request: req}).Get(ctx, &out)
		res = out.Result
		if err != nil {
			res = restFailure(err)
		}
	}
	mergeVars(s.Vars, graph.RestResultVars(*c.version, n.ID, res))
	return res.Handle()
}

// openFlow sends a WhatsApp Flow and waits for its nfm_reply. A send that
// fails for good takes the node's error edge.
func (c *conversation) openFlow(ctx workflow.Context, n graph.Node) (next, handle string, waits bool) {
	s := c.st.Session
	// The sequence makes each flow message's token unique, so an answer to an
	// earlier visit of the same node cannot answer this one.
	token := s.ID.String() + "-" + n.ID + "-" + strconv.FormatInt(c.st.OutSeq+int64(len(c.turn.outbox))+1, 10)
	f, err := graph.BuildFlow(*c.version, n.ID, s.Vars, token)
	if err != nil {
		mergeVars(s.Vars, graph.FlowSendErrorVars(err.Error()))
		return "", graph.HandleError, false
	}
	c.send(activities.Outbound{Kind: activities.OutboundFlow, NodeID: n.ID, Flow: &f})
	if sendErr := c.flushOrError(ctx); sendErr != nil {
		if c.st.Session == nil {
			return "", "", true
		}
		mergeVars(s.Vars, graph.FlowSendErrorVars(sendErr.Error()))
		return "", graph.HandleError, false
	}
	w := &Wait{Kind: WaitFlow, NodeID: n.ID, FlowToken: token}
	c.setDeadlines(ctx, w, n.Data)
	c.wait(ctx, w, StatusWaitingFlow)
	return "", "", true
}

// restFailure is the result of a call whose attempts are spent: the last
// attempt's outcome when the activity attached it, else a generic error.
func restFailure(err error) graph.RestResult {
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) && appErr.HasDetails() {
		var out activities.CallRESTResult
		if appErr.Details(&out) == nil {
			return out.Result
		}
	}
	return graph.RestResult{Error: "the request failed: " + err.Error()}
}

// sendErrorType is the Temporal error type of a failed send ("" if none).
func sendErrorType(err error) string {
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) {
		return appErr.Type()
	}
	return ""
}
