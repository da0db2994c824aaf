package workflows_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	tlog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/testsuite"

	"github.com/wabuilder/wab/activities"
	"github.com/wabuilder/wab/workflows"
	"github.com/wabuilder/wab/workflows/graph"
)

// harness runs the Conversation workflow in the test environment with every
// activity replaced by a recorder: what the bot sent, what it recorded.
type harness struct {
	t   *testing.T
	env *testsuite.TestWorkflowEnvironment
	in  workflows.ConversationInput

	mu       sync.Mutex
	version  graph.Version
	sends    []activities.SendMessagesInput
	turns    []activities.RecordTurnInput
	sessions []activities.StartSessionInput
	handoffs []activities.SetHandoffInput
	selects  int
	// rest answers CallREST; sendErr (if set) fails a send.
	rest    func(activities.CallRESTInput) (activities.CallRESTResult, error)
	sendErr func(activities.SendMessagesInput) error
}

var acts = &activities.Activities{}

func newHarness(t *testing.T, bot string) *harness {
	t.Helper()
	c, err := graph.Parse([]byte(bot))
	require.NoError(t, err)
	v, rep := graph.Compile(c)
	require.Empty(t, rep.Errors, "test bot must compile")

	var ts testsuite.WorkflowTestSuite
	ts.SetLogger(tlog.NewStructuredLogger(slog.New(slog.DiscardHandler)))
	h := &harness{t: t, env: ts.NewTestWorkflowEnvironment(), version: v, in: workflows.ConversationInput{
		AccountID: uuid.New(), ConversationID: uuid.New(), PhoneNumberID: "100200300", WAID: "905551112233",
	}}
	h.env.SetStartTime(time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC))
	workflows.Register(h.env, acts)
	h.env.OnActivity(acts.SelectChatbot, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.SelectChatbotInput) (activities.SelectChatbotResult, error) {
			h.mu.Lock()
			defer h.mu.Unlock()
			h.selects++
			return activities.SelectChatbotResult{
				Found: true, ChatbotID: uuid.MustParse("11111111-1111-1111-1111-111111111111"),
				VersionID: uuid.MustParse("22222222-2222-2222-2222-222222222222"), Graph: h.version,
			}, nil
		})
	h.env.OnActivity(acts.LoadChatbotVersion, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.LoadChatbotVersionInput) (activities.LoadChatbotVersionResult, error) {
			return activities.LoadChatbotVersionResult{Graph: h.version, Version: 1}, nil
		})
	h.env.OnActivity(acts.StartSession, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.StartSessionInput) (activities.StartSessionResult, error) {
			h.mu.Lock()
			defer h.mu.Unlock()
			h.sessions = append(h.sessions, in)
			return activities.StartSessionResult{Created: true}, nil
		})
	h.env.OnActivity(acts.RecordTurn, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.RecordTurnInput) (activities.RecordTurnResult, error) {
			h.mu.Lock()
			defer h.mu.Unlock()
			h.turns = append(h.turns, in)
			return activities.RecordTurnResult{}, nil
		})
	h.env.OnActivity(acts.SetHandoff, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.SetHandoffInput) error {
			h.mu.Lock()
			defer h.mu.Unlock()
			h.handoffs = append(h.handoffs, in)
			return nil
		})
	h.env.OnActivity(acts.SendMessages, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.SendMessagesInput) (activities.SendMessagesResult, error) {
			h.mu.Lock()
			defer h.mu.Unlock()
			if h.sendErr != nil {
				if err := h.sendErr(in); err != nil {
					return activities.SendMessagesResult{}, err
				}
			}
			h.sends = append(h.sends, in)
			return activities.SendMessagesResult{}, nil
		})
	h.env.OnActivity(acts.CallREST, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.CallRESTInput) (activities.CallRESTResult, error) {
			require.NotNil(t, h.rest, "unexpected REST call to %s", in.Request.URL)
			return h.rest(in)
		})
	return h
}

// at delivers a message after d of workflow time.
func (h *harness) at(d time.Duration, m workflows.InboundMessage) {
	h.env.RegisterDelayedCallback(func() { h.env.SignalWorkflow(workflows.SignalInbound, m) }, d)
}

// run executes the workflow to its end (it closes after an idle hour).
func (h *harness) run() {
	h.t.Helper()
	h.env.ExecuteWorkflow(workflows.ConversationWorkflow, h.in)
	require.True(h.t, h.env.IsWorkflowCompleted())
	require.NoError(h.t, h.env.GetWorkflowError())
}

// texts renders everything sent, in order: texts as is, questions as
// "body [choice titles]", flows as "flow:<body>".
func (h *harness) texts() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []string
	for _, s := range h.sends {
		for _, m := range s.Messages {
			out = append(out, render(m))
		}
	}
	return out
}

func render(m activities.Outbound) string {
	switch m.Kind {
	case activities.OutboundQuestion:
		q := m.Question
		var titles []string
		for _, b := range q.Buttons {
			titles = append(titles, b.Title)
		}
		for _, s := range q.Sections {
			for _, r := range s.Rows {
				titles = append(titles, r.Title)
			}
		}
		if len(titles) == 0 {
			return q.Body
		}
		return q.Body + " [" + strings.Join(titles, "|") + "]"
	case activities.OutboundFlow:
		return "flow:" + m.Flow.Body
	}
	return m.Text
}

// ended returns the final status and reason of the last ended session.
func (h *harness) ended() (status, reason string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for i := len(h.turns) - 1; i >= 0; i-- {
		if h.turns[i].EndStatus != "" {
			return h.turns[i].EndStatus, h.turns[i].EndReason
		}
	}
	return "", ""
}

// lastVars is the variables of the last recorded turn.
func (h *harness) lastVars() graph.Vars {
	h.mu.Lock()
	defer h.mu.Unlock()
	require.NotEmpty(h.t, h.turns)
	return h.turns[len(h.turns)-1].Variables
}

func nextWAMID() string { return "wamid." + uuid.NewString() }

func text(s string) workflows.InboundMessage {
	return workflows.InboundMessage{MessageID: uuid.New(), WAMID: nextWAMID(), Type: "text", Answer: graph.Answer{Kind: graph.AnswerText, Text: s}}
}

func tap(id, title string) workflows.InboundMessage {
	return workflows.InboundMessage{MessageID: uuid.New(), WAMID: nextWAMID(), Type: "interactive", Answer: graph.Answer{Kind: graph.AnswerButton, ID: id, Text: title}}
}

func listTap(id, title string) workflows.InboundMessage {
	return workflows.InboundMessage{MessageID: uuid.New(), WAMID: nextWAMID(), Type: "interactive", Answer: graph.Answer{Kind: graph.AnswerList, ID: id, Text: title}}
}

func image() workflows.InboundMessage {
	return workflows.InboundMessage{MessageID: uuid.New(), WAMID: nextWAMID(), Type: "image", Answer: graph.Answer{Kind: graph.AnswerMedia, ID: "media-1"}}
}

func flowReply(token string, data map[string]any) workflows.InboundMessage {
	body := map[string]any{"flow_token": token}
	for k, v := range data {
		body[k] = v
	}
	raw, _ := json.Marshal(body)
	return workflows.InboundMessage{
		MessageID: uuid.New(), WAMID: nextWAMID(), Type: "interactive",
		Answer: graph.Answer{Kind: graph.AnswerFlow}, FlowResponse: string(raw),
	}
}

// referenceBot reads a bot of ../shared/reference/chatbots, walking up from
// the package directory; a missing file fails the test.
func referenceBot(t *testing.T, name string) string {
	t.Helper()
	dir, err := os.Getwd()
	require.NoError(t, err)
	for {
		p := filepath.Join(dir, "shared", "reference", "chatbots", name)
		if b, err := os.ReadFile(p); err == nil {
			return string(b)
		}
		parent := filepath.Dir(dir)
		require.NotEqual(t, parent, dir, "shared/reference/chatbots/%s not found above the package", name)
		dir = parent
	}
}
