package workflows_test

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/workflow"

	"github.com/wabuilder/wab/workflows"
)

func TestLifecycle_CancelWordEndsSession(t *testing.T) {
	t.Parallel()
	h := newHarness(t, referenceBot(t, "sample-chatbot.json"))
	h.at(time.Second, text("hi"))
	h.at(time.Minute, text("İPTAL"))
	h.run()
	require.Equal(t, []string{welcome, menu}, h.texts(), "cancel ends; it does not skip to the next node")
	status, reason := h.ended()
	require.Equal(t, workflows.StatusStopped, status)
	require.Equal(t, workflows.ReasonCancelled, reason)
}

func TestLifecycle_RestartKeywordStartsOver(t *testing.T) {
	t.Parallel()
	h := newHarness(t, referenceBot(t, "sample-chatbot.json"))
	h.at(time.Second, text("hi"))
	h.at(time.Minute, text("restart"))
	h.run()
	require.Equal(t, []string{welcome, menu, welcome, menu}, h.texts())
	require.Len(t, h.sessions, 2)
	require.NotEqual(t, h.sessions[0].SessionID, h.sessions[1].SessionID)
}

func TestLifecycle_ContinueAsNewKeepsState(t *testing.T) {
	t.Parallel()
	h := newHarness(t, referenceBot(t, "sample-chatbot.json"))
	first := text("hi")
	h.at(time.Second, first)
	h.env.RegisterDelayedCallback(func() { h.env.SetContinueAsNewSuggested(true) }, time.Minute)
	h.env.ExecuteWorkflow(workflows.ConversationWorkflow, h.in)
	require.True(t, h.env.IsWorkflowCompleted())
	err := h.env.GetWorkflowError()
	var can *workflow.ContinueAsNewError
	require.True(t, errors.As(err, &can), "got %v", err)

	var next workflows.ConversationInput
	require.NoError(t, converterGet(can, &next))
	require.NotNil(t, next.State)
	s := next.State.Session
	require.NotNil(t, s)
	require.Equal(t, "main-menu", s.Node)
	require.Equal(t, workflows.WaitQuestion, s.Wait.Kind)
	require.Contains(t, next.State.Seen, first.WAMID)
	require.Equal(t, int64(2), next.State.OutSeq)

	// The next run picks up where this one stopped.
	h2 := newHarness(t, referenceBot(t, "sample-chatbot.json"))
	h2.in = next
	h2.at(time.Second, first) // a late redelivery: still deduplicated
	h2.at(2*time.Second, tap("btn_tech", "Teknik Destek"))
	h2.run()
	got := h2.texts()
	require.Len(t, got, 2)
	require.Contains(t, got[0], "Teknik Destek - ")
	require.Equal(t, goodbye, got[1])
	require.Equal(t, int64(3), h2.sends[0].FirstSeq, "sequence numbers continue")
	require.Empty(t, h2.sessions, "no new session")
}

func converterGet(can *workflow.ContinueAsNewError, out any) error {
	return converter.GetDefaultDataConverter().FromPayloads(can.Input, out)
}

func TestLifecycle_LateFlowReplyStartsNothing(t *testing.T) {
	t.Parallel()
	h := newHarness(t, referenceBot(t, "sample-chatbot.json"))
	h.at(time.Second, flowReply("old-session-token", map[string]any{"x": 1}))
	h.run()
	require.Zero(t, h.selects, "a form submission is not a greeting")
	require.Empty(t, h.texts())
}

func TestLifecycle_CancelWordWithoutSessionStartsNothing(t *testing.T) {
	t.Parallel()
	h := newHarness(t, referenceBot(t, "sample-chatbot.json"))
	h.at(time.Second, text("iptal"))
	h.at(time.Minute, text("merhaba"))
	h.run()
	require.Equal(t, []string{welcome, menu}, h.texts(), "only the greeting starts the bot")
	require.Len(t, h.sessions, 1)
}
