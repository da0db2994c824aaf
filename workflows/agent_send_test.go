package workflows_test

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	tlog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/wabuilder/wab/activities"
	"github.com/wabuilder/wab/activities/whatsapp"
	"github.com/wabuilder/wab/workflows"
)

// agentEnv runs a conversation with no bot: only SendMessages may run, and
// it answers like the real one (one SentMessage per message) or with fail.
type agentEnv struct {
	t     *testing.T
	env   *testsuite.TestWorkflowEnvironment
	in    workflows.ConversationInput
	mu    sync.Mutex
	sends []activities.SendMessagesInput
	fail  func(activities.SendMessagesInput) error
}

func newAgentEnv(t *testing.T) *agentEnv {
	t.Helper()
	var ts testsuite.WorkflowTestSuite
	ts.SetLogger(tlog.NewStructuredLogger(slog.New(slog.DiscardHandler)))
	e := &agentEnv{t: t, env: ts.NewTestWorkflowEnvironment(), in: workflows.ConversationInput{
		AccountID: uuid.New(), ConversationID: uuid.New(), PhoneNumberID: "100200300", WAID: "905551112233",
	}}
	e.env.SetStartTime(time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC))
	workflows.Register(e.env, acts)
	e.env.OnActivity(acts.SendMessages, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.SendMessagesInput) (activities.SendMessagesResult, error) {
			e.mu.Lock()
			defer e.mu.Unlock()
			e.sends = append(e.sends, in)
			if e.fail != nil {
				if err := e.fail(in); err != nil {
					return activities.SendMessagesResult{}, err
				}
			}
			var out activities.SendMessagesResult
			for i := range in.Messages {
				out.Sent = append(out.Sent, activities.SentMessage{
					Seq: in.FirstSeq + int64(i), WAMID: "wamid.out." + in.KeyPrefix, MessageID: uuid.New(),
				})
			}
			return out, nil
		})
	return e
}

// outcome is what an update's caller saw.
type outcome struct {
	rejected error
	result   workflows.SendMessageResult
	err      error
	done     bool
}

// send sends UpdateSendMessage with id at d; the outcome fills in as the
// update runs.
func (e *agentEnv) send(d time.Duration, id string, req workflows.SendMessageRequest) *outcome {
	o := &outcome{}
	e.env.RegisterDelayedCallback(func() {
		e.env.UpdateWorkflow(workflows.UpdateSendMessage, id, &testsuite.TestUpdateCallback{
			OnAccept: func() {},
			OnReject: func(err error) { o.rejected, o.done = err, true },
			OnComplete: func(v any, err error) {
				o.err, o.done = err, true
				if err == nil {
					o.result = v.(workflows.SendMessageResult)
				}
			},
		}, req)
	}, d)
	return o
}

func (e *agentEnv) run() {
	e.t.Helper()
	e.env.ExecuteWorkflow(workflows.ConversationWorkflow, e.in)
	require.True(e.t, e.env.IsWorkflowCompleted())
	require.NoError(e.t, e.env.GetWorkflowError())
}

func agentText(body string) workflows.SendMessageRequest {
	return workflows.SendMessageRequest{By: "agent:7", Message: whatsapp.OutboundMessage{Type: whatsapp.TypeText, Text: &whatsapp.Text{Body: body}}}
}

func TestSendMessage_SendsThroughSendMessagesWithAKeyFromTheUpdateID(t *testing.T) {
	t.Parallel()
	e := newAgentEnv(t)
	first := e.send(time.Second, "req-1", agentText("Hello from a human"))
	image := e.send(2*time.Second, "req-2", workflows.SendMessageRequest{By: "agent:7", Message: whatsapp.OutboundMessage{
		To: "ignored", Type: whatsapp.TypeImage, Media: &whatsapp.Media{Link: "https://example.com/a.png", Caption: "Receipt"},
	}})
	e.run()

	require.True(t, first.done)
	require.NoError(t, first.err)
	require.NoError(t, image.err)
	require.NotEqual(t, uuid.Nil, first.result.MessageID)
	require.Len(t, e.sends, 2, "one activity per message, in order")
	for i, id := range []string{"req-1", "req-2"} {
		s := e.sends[i]
		require.Equal(t, "agent:7", s.Sender)
		require.Equal(t, e.in.WAID, s.To)
		require.Equal(t, e.in.ConversationID, s.ConversationID)
		require.Len(t, s.Messages, 1)
		require.Equal(t, activities.OutboundDirect, s.Messages[0].Kind)
		key := s.KeyPrefix + "/1"
		require.Equal(t, workflows.AgentMessageKey("default-test-workflow-id", id), key,
			"the row key derives from the update ID only, so a repeat in any run finds it")
	}
	require.Equal(t, "Hello from a human", e.sends[0].Messages[0].Message.Text.Body)
	require.Equal(t, e.in.WAID, e.sends[1].Messages[0].Message.To, "the customer, whatever To said")
	require.Equal(t, "wamid.out."+e.sends[0].KeyPrefix, first.result.WAMID)
}

func TestSendMessage_RejectsWhatWhatsAppWould(t *testing.T) {
	t.Parallel()
	e := newAgentEnv(t)
	empty := e.send(time.Second, "r1", agentText(""))
	anonymous := e.send(2*time.Second, "r2", workflows.SendMessageRequest{Message: agentText("hi").Message})
	noMedia := e.send(3*time.Second, "r3", workflows.SendMessageRequest{By: "agent:7", Message: whatsapp.OutboundMessage{Type: whatsapp.TypeImage}})
	e.run()

	require.ErrorContains(t, empty.rejected, "text.body")
	require.ErrorContains(t, anonymous.rejected, "sender")
	require.ErrorContains(t, noMedia.rejected, "media")
	require.Empty(t, e.sends, "a rejected update sends nothing")
}

func TestSendMessage_FailureKeepsMetasKind(t *testing.T) {
	t.Parallel()
	e := newAgentEnv(t)
	e.fail = func(activities.SendMessagesInput) error {
		return temporal.NewNonRetryableApplicationError("re-engagement message", whatsapp.ErrKindWindowClosed, nil,
			activities.SendFailureDetails{Index: 0, Code: 131047, Title: "Re-engagement message"})
	}
	failed := e.send(time.Second, "r1", agentText("too late"))
	e.run()

	var appErr *temporal.ApplicationError
	require.ErrorAs(t, failed.err, &appErr)
	require.Equal(t, whatsapp.ErrKindWindowClosed, appErr.Type())
	var details activities.SendFailureDetails
	require.NoError(t, appErr.Details(&details))
	require.Equal(t, 131047, details.Code)
}

// An agent message waits for the bot's turn in progress and goes after it.
func TestSendMessage_WaitsForTheBotsTurn(t *testing.T) {
	t.Parallel()
	h := newHarness(t, botJSON(`
		{"id":"m","type":"message","data":{"label":"m","content":"Bot first"}}`,
		`{"source":"start","target":"m"}`))
	var agentSends []activities.SendMessagesInput
	h.sendErr = func(in activities.SendMessagesInput) error {
		if in.Sender != "" {
			agentSends = append(agentSends, in)
		}
		return nil
	}
	h.at(time.Second, text("hi"))
	// Same instant as the customer's message: the update queues behind it.
	h.env.RegisterDelayedCallback(func() {
		h.env.UpdateWorkflow(workflows.UpdateSendMessage, "a1", &testsuite.TestUpdateCallback{
			OnAccept: func() {}, OnReject: func(err error) { require.NoError(t, err) }, OnComplete: func(any, error) {},
		}, agentText("Agent second"))
	}, time.Second)
	h.run()

	h.mu.Lock()
	defer h.mu.Unlock()
	require.Len(t, h.sends, 2)
	require.Equal(t, "Bot first", h.sends[0].Messages[0].Text)
	require.Equal(t, "Agent second", h.sends[1].Messages[0].Message.Text.Body)
	require.Len(t, agentSends, 1)
}
