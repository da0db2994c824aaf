package workflows

import (
	"time"

	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/workflow"

	"github.com/wabuilder/wab/activities"
	"github.com/wabuilder/wab/workflows/graph"
)

// Bounds of the state a conversation carries.
const (
	// seenLimit is how many recent wamids are remembered for deduplication.
	seenLimit = 256
	// conversationIdle closes a workflow that has no session, no handoff and no
	// message for this long; the next message starts a new run.
	conversationIdle = time.Hour
)

// conversation is the running workflow: its durable state plus per-run caches
// and the buffers of the turn in progress.
type conversation struct {
	in  ConversationInput
	st  ConversationState
	log log.Logger

	inbox workflow.ReceiveChannel
	wake  workflow.Channel // nudged by update handlers
	ops   []*operatorOp

	// version is the current session's graph, loaded once per run.
	version *graph.Version
	timer   *armedTimer
	turn    turnBuffer
	// shown is what the search attributes last said: (status, node), or
	// (status, chatbot) after changeLeanTurn.
	shown [2]string
	// showPhone: a session started and the customer's number is not shown yet.
	showPhone bool
}

// Conversation is the entity workflow of one business number × customer. It
// handles that customer's messages one at a time, in order, runs the chatbot
// session they start, and survives any process restart. Deterministic: all
// I/O happens in activities; time comes from workflow.Now and timers.
func Conversation(ctx workflow.Context, in ConversationInput) error {
	c := newConversation(ctx, in)
	if err := c.installHandlers(ctx); err != nil {
		return err
	}
	for {
		c.drainInbox(ctx)
		switch {
		case len(c.ops) > 0:
			c.runOperatorOp(ctx)
		case len(c.st.Queue) > 0:
			msg := c.st.Queue[0]
			c.st.Queue = c.st.Queue[1:]
			c.handleInbound(ctx, msg)
			c.finishTurn(ctx)
		case c.handleDeadlines(ctx):
			c.finishTurn(ctx)
		case c.idleLongEnough(ctx):
			if closed, err := c.close(ctx); closed || err != nil {
				return err
			}
		case workflow.GetInfo(ctx).GetContinueAsNewSuggested():
			return c.continueAsNew(ctx)
		default:
			c.waitForWork(ctx)
		}
	}
}

func newConversation(ctx workflow.Context, in ConversationInput) *conversation {
	c := &conversation{
		in:    in,
		log:   workflow.GetLogger(ctx),
		inbox: workflow.GetSignalChannel(ctx, SignalInbound),
		wake:  workflow.NewBufferedChannel(ctx, 1),
	}
	if in.State != nil {
		c.st = *in.State
		c.in.State = nil
	} else {
		c.st.KeyBase = workflow.GetInfo(ctx).FirstRunID
		c.st.LastActivity = workflow.Now(ctx)
	}
	if s := c.st.Session; s != nil {
		c.shown = [2]string{s.Status, s.Node}
	}
	return c
}

// drainInbox moves every signal already delivered into the queue.
func (c *conversation) drainInbox(ctx workflow.Context) {
	for {
		var m InboundMessage
		if !c.inbox.ReceiveAsync(&m) {
			return
		}
		c.enqueue(m)
	}
}

// enqueue queues a message unless its wamid was seen already.
func (c *conversation) enqueue(m InboundMessage) {
	if m.WAMID != "" {
		for _, w := range c.st.Seen {
			if w == m.WAMID {
				c.log.Info("duplicate message ignored", "wamid", m.WAMID)
				return
			}
		}
		c.st.Seen = append(c.st.Seen, m.WAMID)
		if len(c.st.Seen) > seenLimit {
			c.st.Seen = c.st.Seen[len(c.st.Seen)-seenLimit:]
		}
	}
	c.st.Queue = append(c.st.Queue, m)
}

// waitForWork blocks until a message, an operator request or the next deadline.
func (c *conversation) waitForWork(ctx workflow.Context) {
	sel := workflow.NewSelector(ctx)
	sel.AddReceive(c.inbox, func(ch workflow.ReceiveChannel, _ bool) {
		var m InboundMessage
		ch.Receive(ctx, &m)
		c.enqueue(m)
	})
	sel.AddReceive(c.wake, func(ch workflow.ReceiveChannel, _ bool) { ch.Receive(ctx, nil) })
	if at := c.nextDeadline(); !at.IsZero() {
		sel.AddFuture(c.armTimer(ctx, at), func(workflow.Future) { c.timer = nil })
	}
	sel.Select(ctx)
}

// armedTimer is the one durable timer a conversation keeps. A timer that
// fires too early is harmless (deadlines are re-checked), so it is only
// replaced when an earlier deadline appears: most turns create no timer.
type armedTimer struct {
	at     time.Time
	f      workflow.Future
	cancel workflow.CancelFunc
}

func (c *conversation) armTimer(ctx workflow.Context, at time.Time) workflow.Future {
	if c.timer != nil && !c.timer.at.After(at) {
		return c.timer.f
	}
	if c.timer != nil {
		c.timer.cancel()
	}
	d := at.Sub(workflow.Now(ctx))
	if d < time.Millisecond {
		d = time.Millisecond
	}
	tctx, cancel := workflow.WithCancel(ctx)
	c.timer = &armedTimer{at: at, f: workflow.NewTimer(tctx, d), cancel: cancel}
	return c.timer.f
}

// nextDeadline is the earliest time something must happen without a message.
func (c *conversation) nextDeadline() time.Time {
	var at time.Time
	earliest := func(t time.Time) {
		if !t.IsZero() && (at.IsZero() || t.Before(at)) {
			at = t
		}
	}
	if s := c.st.Session; s != nil {
		if w := s.Wait; w != nil {
			earliest(w.Until)
			earliest(w.RemindAt)
			if w.Kind != WaitDelay && c.version != nil {
				earliest(s.LastActivity.Add(c.version.Settings.InactivityTimeout))
			}
		}
	} else if c.st.Handoff == nil {
		earliest(c.st.LastActivity.Add(conversationIdle))
	}
	return at
}

// idleLongEnough reports that the workflow has nothing left to do.
func (c *conversation) idleLongEnough(ctx workflow.Context) bool {
	return c.st.Session == nil && c.st.Handoff == nil && len(c.st.Queue) == 0 && len(c.ops) == 0 &&
		!workflow.Now(ctx).Before(c.st.LastActivity.Add(conversationIdle))
}

// close ends the run unless a message or request slipped in meanwhile (a
// signal left unread when the run completes would be lost); a later message
// starts a fresh run with the same ID.
func (c *conversation) close(ctx workflow.Context) (bool, error) {
	if err := c.settleHandlers(ctx); err != nil {
		return false, err
	}
	c.drainInbox(ctx)
	if len(c.st.Queue) > 0 || len(c.ops) > 0 {
		return false, nil
	}
	c.log.Info("conversation idle, closing")
	return true, nil
}

// continueAsNew hands the whole state to a fresh run, so history stays short
// however long the conversation lives. Messages and operator requests that
// arrived meanwhile are taken along or handled first.
func (c *conversation) continueAsNew(ctx workflow.Context) error {
	if err := c.settleHandlers(ctx); err != nil {
		return err
	}
	c.drainInbox(ctx)
	st := c.st
	in := c.in
	in.State = &st
	c.log.Info("continuing as new", "queued", len(st.Queue))
	return workflow.NewContinueAsNewError(ctx, ConversationWorkflow, in)
}

// settleHandlers runs every pending operator request and waits until no
// handler is running, so nothing is lost when the run ends.
func (c *conversation) settleHandlers(ctx workflow.Context) error {
	for {
		err := workflow.Await(ctx, func() bool { return len(c.ops) > 0 || workflow.AllHandlersFinished(ctx) })
		if err != nil {
			return err
		}
		if len(c.ops) == 0 {
			return nil
		}
		c.runOperatorOp(ctx)
	}
}

// loadVersion makes sure the current session's graph is at hand (after
// continue-as-new it is reloaded: versions are immutable).
func (c *conversation) loadVersion(ctx workflow.Context) bool {
	s := c.st.Session
	if s == nil {
		return false
	}
	if c.version != nil {
		return true
	}
	var res activities.LoadChatbotVersionResult
	err := workflow.ExecuteLocalActivity(withDBActivity(ctx), acts.LoadChatbotVersion,
		activities.LoadChatbotVersionInput{VersionID: s.VersionID}).Get(ctx, &res)
	if err == nil {
		err = c.setVersion(res.Graph)
	}
	if err != nil {
		c.log.Error("cannot load chatbot version", "version_id", s.VersionID, "err", err)
		c.endSession(ctx, StatusFailed, ReasonVersionError)
		return false
	}
	return true
}

// acts is the typed nil through which workflows name activities.
var acts *activities.Activities
