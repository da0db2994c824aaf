package workflows

import (
	"errors"

	"go.temporal.io/sdk/workflow"

	"github.com/wabuilder/wab/activities"
	"github.com/wabuilder/wab/workflows/graph"
)

// operatorOp is an operator request waiting for the main loop. Requests run
// between turns, never inside one, so a turn is never interleaved.
type operatorOp struct {
	name string
	by   string
	done workflow.Settable
	// send and key (the update ID) are UpdateSendMessage's.
	send *SendMessageRequest
	key  string
}

var (
	errNoSession    = errors.New("no session is running")
	errNotWaiting   = errors.New("the session is not waiting on a node")
	errNotHandedOff = errors.New("the conversation is not taken over")
	errHandedOff    = errors.New("the conversation is already taken over")
)

// installHandlers registers the query and the operator updates. It runs
// before the first blocking call, so no early request is refused.
func (c *conversation) installHandlers(ctx workflow.Context) error {
	if err := workflow.SetQueryHandler(ctx, QueryState, c.status); err != nil {
		return err
	}
	updates := []struct {
		name  string
		valid func() error
	}{
		{UpdateStop, func() error { return c.require(c.st.Session != nil, errNoSession) }},
		{UpdateSkip, func() error {
			if c.st.Session == nil {
				return errNoSession
			}
			return c.require(c.st.Session.Wait != nil, errNotWaiting)
		}},
		{UpdateRelease, func() error { return c.require(c.st.Handoff != nil, errNotHandedOff) }},
	}
	for _, u := range updates {
		err := workflow.SetUpdateHandlerWithOptions(ctx, u.name,
			func(ctx workflow.Context) error { return c.enqueueOp(ctx, u.name, "") },
			workflow.UpdateHandlerOptions{Validator: func(workflow.Context) error { return u.valid() }})
		if err != nil {
			return err
		}
	}
	err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateTakeover,
		func(ctx workflow.Context, r TakeoverRequest) error { return c.enqueueOp(ctx, UpdateTakeover, r.By) },
		workflow.UpdateHandlerOptions{Validator: func(_ workflow.Context, r TakeoverRequest) error {
			if r.By == "" {
				return errors.New("take-over needs the agent's id in By")
			}
			return c.require(c.st.Handoff == nil, errHandedOff)
		}})
	if err != nil {
		return err
	}
	return c.installSendHandler(ctx)
}

func (c *conversation) require(ok bool, err error) error {
	if ok {
		return nil
	}
	return err
}

// enqueueOp hands a request to the main loop and waits until it ran.
func (c *conversation) enqueueOp(ctx workflow.Context, name, by string) error {
	f, done := workflow.NewFuture(ctx)
	c.ops = append(c.ops, &operatorOp{name: name, by: by, done: done})
	c.wake.SendAsync(struct{}{})
	return f.Get(ctx, nil)
}

// runOperatorOp runs the oldest operator request as a turn of its own.
func (c *conversation) runOperatorOp(ctx workflow.Context) {
	op := c.ops[0]
	c.ops = c.ops[1:]
	var err error
	var result any
	switch op.name {
	case UpdateSendMessage:
		var res SendMessageResult
		if res, err = c.sendAgentMessage(ctx, op); err == nil {
			result = res
		}
	case UpdateStop:
		if err = c.require(c.st.Session != nil, errNoSession); err == nil {
			c.endSession(ctx, StatusStopped, ReasonOperator)
		}
	case UpdateSkip:
		err = c.skip(ctx)
	case UpdateTakeover:
		if err = c.require(c.st.Handoff == nil, errHandedOff); err == nil {
			c.takeOver(ctx, op.by)
			if s := c.st.Session; s != nil && s.Wait != nil {
				s.Status = StatusHandoff
			}
		}
	case UpdateRelease:
		err = c.release(ctx)
	}
	c.finishTurn(ctx)
	op.done.Set(result, err)
}

// skip leaves the waiting node by its default edge, else its first edge.
func (c *conversation) skip(ctx workflow.Context) error {
	s := c.st.Session
	if s == nil {
		return errNoSession
	}
	if s.Wait == nil {
		return errNotWaiting
	}
	if !c.loadVersion(ctx) {
		return errNoSession
	}
	handle := graph.HandleDefault
	if _, ok := graph.Next(*c.version, s.Wait.NodeID, handle); !ok {
		handle = ""
	}
	c.leaveWait(ctx, handle)
	return nil
}

// takeOver silences the bot and records who has the conversation.
func (c *conversation) takeOver(ctx workflow.Context, by string) {
	c.st.Handoff = &Handoff{By: by, At: workflow.Now(ctx)}
	c.setHandoff(ctx, by)
}

// release gives the conversation back to the bot; a session paused at a
// handoff node continues from it.
func (c *conversation) release(ctx workflow.Context) error {
	if c.st.Handoff == nil {
		return errNotHandedOff
	}
	c.st.Handoff = nil
	c.setHandoff(ctx, "")
	s := c.st.Session
	if s == nil || !c.loadVersion(ctx) {
		return nil
	}
	s = c.st.Session
	switch {
	case s.Wait == nil:
	case s.Wait.Kind == WaitHandoff:
		c.leaveWait(ctx, "")
	case s.Wait.Kind == WaitQuestion:
		s.Status = StatusWaitingInput
	case s.Wait.Kind == WaitFlow:
		s.Status = StatusWaitingFlow
	case s.Wait.Kind == WaitDelay:
		s.Status = StatusDelayed
	}
	return nil
}

// setHandoff stores the handoff state on the conversation row.
func (c *conversation) setHandoff(ctx workflow.Context, by string) {
	err := workflow.ExecuteLocalActivity(withDBActivity(ctx), acts.SetHandoff, activities.SetHandoffInput{
		ConversationID: c.in.ConversationID, By: by, At: workflow.Now(ctx),
	}).Get(ctx, nil)
	if err != nil {
		c.log.Error("handoff not stored", "err", err)
	}
}

// status answers QueryState.
func (c *conversation) status() (ConversationStatus, error) {
	st := ConversationStatus{Handoff: c.st.Handoff, Queued: len(c.st.Queue)}
	if s := c.st.Session; s != nil {
		id, bot := s.ID, s.ChatbotID
		st.SessionID, st.ChatbotID = &id, &bot
		st.Status, st.CurrentNode, st.Variables = s.Status, s.Node, s.Vars
		if s.Wait != nil {
			st.Waiting = s.Wait.Kind
		}
	}
	return st, nil
}
