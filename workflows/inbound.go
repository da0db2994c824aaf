package workflows

import (
	"errors"
	"strconv"

	"github.com/google/uuid"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/wabuilder/wab/activities"
	"github.com/wabuilder/wab/workflows/graph"
)

// handleInbound is one customer turn: the message either answers the session
// that waits for it, or starts a session with the bot its text triggers.
func (c *conversation) handleInbound(ctx workflow.Context, m InboundMessage) {
	now := workflow.Now(ctx)
	c.st.LastActivity = now
	c.st.LastInboundAt = now
	if !m.Timestamp.IsZero() && m.Timestamp.Before(now) {
		c.st.LastInboundAt = m.Timestamp // the 24-hour window counts from Meta's time
	}
	if m.ContactName != "" {
		c.st.ContactName = m.ContactName
	}
	if c.st.Handoff != nil {
		return // an agent has the conversation: the bot stays silent
	}
	c.turn.markRead = m.WAMID
	text := ""
	if m.Answer.Kind == graph.AnswerText {
		text = m.Answer.Text
	}
	s := c.st.Session
	if s != nil && c.loadVersion(ctx) {
		s = c.st.Session
		settings := c.version.Settings
		switch {
		case text != "" && settings.IsCancelWord(text):
			c.endSession(ctx, StatusStopped, ReasonCancelled)
			return
		case text != "" && settings.IsRestartKeyword(text):
			restart := activities.SelectChatbotResult{Found: true, ChatbotID: s.ChatbotID, VersionID: s.VersionID, Graph: *c.version}
			c.endSession(ctx, StatusStopped, ReasonRestarted)
			c.startSession(ctx, restart)
			if c.st.Session != nil {
				c.advance(ctx, c.version.Start)
			}
			return
		}
		if m.Answer.Kind == graph.AnswerText {
			s.Vars[graph.VarLastMessage] = text
		}
		c.answer(ctx, m)
		return
	}
	if c.st.Session != nil {
		return // the version could not be loaded: the session was ended
	}
	if m.Answer.Kind == graph.AnswerFlow &&
		workflow.GetVersion(ctx, changeFlowReplyStartsNothing, workflow.DefaultVersion, 1) == 1 {
		// A late form submission answers a session that is over; it is not a
		// greeting, so it starts nothing (as in the reference). Versioned:
		// earlier runs started a session here, and replay must do the same.
		c.log.Info("flow reply without a session ignored", "wamid", m.WAMID)
		return
	}
	var sel activities.SelectChatbotResult
	err := workflow.ExecuteLocalActivity(withDBActivity(ctx), acts.SelectChatbot,
		activities.SelectChatbotInput{AccountID: c.in.AccountID, Text: text}).Get(ctx, &sel)
	if err != nil {
		c.log.Error("select chatbot failed", "err", err)
		return
	}
	if !sel.Found {
		c.log.Info("no chatbot answers this message", "wamid", m.WAMID)
		return
	}
	if text != "" && sel.Graph.Settings.IsCancelWord(text) &&
		workflow.GetVersion(ctx, changeCancelWordStartsNothing, workflow.DefaultVersion, 1) == 1 {
		// "İPTAL" with nothing running cancels nothing; greeting the customer
		// with the menu would be the opposite of what they asked.
		c.log.Info("cancel word without a session ignored", "wamid", m.WAMID)
		return
	}
	c.startSession(ctx, sel)
	if c.st.Session != nil && text != "" {
		c.st.Session.Vars[graph.VarLastMessage] = text
	}
	if c.st.Session != nil {
		c.advance(ctx, c.version.Start)
	}
}

// answer routes a message to what the session waits for.
func (c *conversation) answer(ctx workflow.Context, m InboundMessage) {
	s := c.st.Session
	w := s.Wait
	if w == nil {
		return
	}
	switch w.Kind {
	case WaitQuestion:
		s.LastActivity = workflow.Now(ctx)
		c.answerQuestion(ctx, m.Answer)
	case WaitFlow:
		if m.Answer.Kind != graph.AnswerFlow {
			c.log.Info("message ignored while a flow is open", "wamid", m.WAMID)
			return
		}
		resp, token, err := graph.ParseFlowResponse(m.FlowResponse)
		if err != nil || (token != "" && token != w.FlowToken) {
			c.log.Info("flow reply does not match the open flow", "wamid", m.WAMID)
			return
		}
		s.LastActivity = workflow.Now(ctx)
		mergeVars(s.Vars, graph.FlowResponseVars(*c.version, w.NodeID, resp))
		c.leaveWait(ctx, "")
	default:
		// Delays and handoffs are not answered by the customer.
		c.log.Info("message ignored while the session waits", "wait", w.Kind, "wamid", m.WAMID)
	}
}

// answerQuestion matches an answer against the open question: a choice
// routes by its id, a page row re-sends the list, anything else re-asks.
func (c *conversation) answerQuestion(ctx workflow.Context, a graph.Answer) {
	s := c.st.Session
	w := s.Wait
	q := *w.Question
	match := graph.MatchAnswer(q, a)
	switch {
	case match.Page > 0:
		c.ask(ctx, w.NodeID, match.Page, w)
	case match.Matched:
		mergeVars(s.Vars, graph.AnswerVars(*c.version, w.NodeID, match.Value))
		c.leaveWait(ctx, match.Handle)
	case w.Reasks < c.version.Settings.ReaskCount:
		w.Reasks++
		c.send(activities.Outbound{Kind: activities.OutboundQuestion, NodeID: w.NodeID, Question: w.Question})
	default:
		mergeVars(s.Vars, graph.AnswerVars(*c.version, w.NodeID, match.Value))
		c.leaveWaitOr(ctx, graph.HandleDefault, ReasonNoValidAnswer)
	}
}

// startSession creates a session of the selected chatbot version.
func (c *conversation) startSession(ctx workflow.Context, sel activities.SelectChatbotResult) {
	if err := c.setVersion(sel.Graph); err != nil {
		c.log.Error("published version unreadable", "version_id", sel.VersionID, "err", err)
		return
	}
	now := workflow.Now(ctx)
	c.st.SessionSeq++
	id := uuid.NewSHA1(uuid.NameSpaceURL, []byte(workflow.GetInfo(ctx).WorkflowExecution.ID+"/"+c.st.KeyBase+"/session/"+strconv.Itoa(c.st.SessionSeq)))
	vars := graph.Vars{
		graph.VarCustomerPhone:    c.in.WAID,
		graph.VarCustomerName:     c.st.ContactName,
		graph.VarBusinessPhone:    c.in.PhoneNumberID,
		graph.VarChatbotName:      c.version.Name,
		graph.VarSessionID:        id.String(),
		graph.VarSessionStartedAt: now.UTC().Format("2006-01-02T15:04:05Z07:00"),
	}
	s := &SessionState{
		ID: id, ChatbotID: sel.ChatbotID, VersionID: sel.VersionID, Status: StatusRunning,
		Node: c.version.Start, Vars: vars, StartedAt: now, LastActivity: now,
	}
	err := workflow.ExecuteLocalActivity(withDBActivity(ctx), acts.StartSession, activities.StartSessionInput{
		SessionID: id, ConversationID: c.in.ConversationID, ChatbotID: sel.ChatbotID, VersionID: sel.VersionID,
		WorkflowID: workflow.GetInfo(ctx).WorkflowExecution.ID, Variables: vars, StartedAt: now, IsTest: c.in.IsTest,
	}).Get(ctx, nil)
	if err != nil {
		c.log.Error("start session failed", "err", err)
		c.version = nil
		return
	}
	c.st.Session = s
	c.upsertSearchAttributes(ctx, true)
}

func (c *conversation) setVersion(v graph.Version) error {
	if _, ok := v.StartNode(); !ok {
		return errors.New("version has no start node")
	}
	c.version = &v
	return nil
}

var (
	saCustomerPhone = temporal.NewSearchAttributeKeyKeyword(SearchAttrCustomerPhone)
	saChatbotID     = temporal.NewSearchAttributeKeyKeyword(SearchAttrChatbotID)
	saSessionStatus = temporal.NewSearchAttributeKeyKeyword(SearchAttrSessionStatus)
	saCurrentNode   = temporal.NewSearchAttributeKeyKeyword(SearchAttrCurrentNode)
)

// upsertSearchAttributes shows the session in the Temporal UI's filters. It
// only writes when something changed: each upsert is a history event and a
// visibility update. started says a session has just started; the write
// then waits for the end of the turn (see changeLeanTurn).
func (c *conversation) upsertSearchAttributes(ctx workflow.Context, started bool) {
	if c.leanTurn(ctx) {
		c.showSession(ctx, started)
		return
	}
	status, node := "", ""
	if s := c.st.Session; s != nil {
		status, node = s.Status, s.Node
	} else {
		status = "idle"
	}
	if !started && c.shown == [2]string{status, node} {
		return
	}
	c.shown = [2]string{status, node}
	updates := []temporal.SearchAttributeUpdate{saSessionStatus.ValueSet(status), saCurrentNode.ValueSet(node)}
	if started {
		updates = append(updates, saCustomerPhone.ValueSet(c.in.WAID), saChatbotID.ValueSet(c.st.Session.ChatbotID.String()))
	}
	if err := workflow.UpsertTypedSearchAttributes(ctx, updates...); err != nil {
		c.log.Warn("search attributes not updated", "err", err)
	}
}

// showSession writes whether a session runs, and which bot, when that
// changed since the last write; the customer's number goes with the first
// write after a session started.
func (c *conversation) showSession(ctx workflow.Context, started bool) {
	if started {
		c.showPhone = true
		return
	}
	status, bot := sessionIdle, ""
	if s := c.st.Session; s != nil {
		status, bot = sessionActive, s.ChatbotID.String()
	}
	if !c.showPhone && c.shown == [2]string{status, bot} {
		return
	}
	updates := []temporal.SearchAttributeUpdate{saSessionStatus.ValueSet(status)}
	if bot != "" && bot != c.shown[1] {
		updates = append(updates, saChatbotID.ValueSet(bot))
	}
	if c.showPhone {
		updates = append(updates, saCustomerPhone.ValueSet(c.in.WAID))
		c.showPhone = false
	}
	c.shown = [2]string{status, bot}
	if err := workflow.UpsertTypedSearchAttributes(ctx, updates...); err != nil {
		c.log.Warn("search attributes not updated", "err", err)
	}
}

// SessionStatus values of runs that follow changeLeanTurn.
const (
	sessionActive = "active"
	sessionIdle   = "idle"
)

func mergeVars(dst, src graph.Vars) {
	for _, k := range workflow.DeterministicKeys(src) {
		dst[k] = src[k]
	}
}
