package workflows_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/testsuite"

	"github.com/wabuilder/wab/workflows"
)

// update sends an operator update at d and requires it to be accepted (or
// rejected with wantErr).
func (h *harness) update(d time.Duration, name string, wantErr string, args ...any) {
	h.env.RegisterDelayedCallback(func() {
		h.env.UpdateWorkflow(name, "", &testsuite.TestUpdateCallback{
			OnAccept:   func() { require.Empty(h.t, wantErr, "%s accepted", name) },
			OnReject:   func(err error) { require.ErrorContains(h.t, err, wantErr, "%s rejected", name) },
			OnComplete: func(_ any, err error) { require.NoError(h.t, err) },
		}, args...)
	}, d)
}

func TestOperators_StopSession(t *testing.T) {
	t.Parallel()
	h := newHarness(t, referenceBot(t, "sample-chatbot.json"))
	h.update(time.Second/2, workflows.UpdateStop, "no session is running")
	h.at(time.Second, text("hi"))
	h.update(time.Minute, workflows.UpdateStop, "")
	h.run()
	status, reason := h.ended()
	require.Equal(t, workflows.StatusStopped, status)
	require.Equal(t, workflows.ReasonOperator, reason)
}

func TestOperators_SkipWaitingNode(t *testing.T) {
	t.Parallel()
	h := newHarness(t, botJSON(`
		{"id":"q","type":"question","data":{"label":"q","type":"question","content":"Name?"}},
		{"id":"m","type":"message","data":{"label":"m","content":"Skipped"}}`,
		`{"source":"start","target":"q"},{"source":"q","target":"m"}`))
	h.at(time.Second, text("hi"))
	h.update(time.Minute, workflows.UpdateSkip, "")
	h.run()
	require.Equal(t, []string{"Name?", "Skipped"}, h.texts())
}

func TestOperators_TakeoverSilencesBotUntilRelease(t *testing.T) {
	t.Parallel()
	h := newHarness(t, referenceBot(t, "sample-chatbot.json"))
	h.at(time.Second, text("hi"))
	h.update(time.Minute, workflows.UpdateTakeover, "", workflows.TakeoverRequest{By: "agent-7"})
	h.update(2*time.Minute, workflows.UpdateTakeover, "already taken over", workflows.TakeoverRequest{By: "agent-8"})
	h.at(3*time.Minute, tap("btn_tech", "Teknik Destek")) // the agent answers, not the bot
	h.update(4*time.Minute, workflows.UpdateRelease, "")
	h.at(5*time.Minute, tap("btn_info", "Hakkimizda"))
	h.run()
	got := h.texts()
	require.Len(t, got, 4)
	require.Contains(t, got[2], "Hakkimizda - ")
	require.Len(t, h.handoffs, 2)
	require.Equal(t, "agent-7", h.handoffs[0].By)
	require.Empty(t, h.handoffs[1].By)
}

func TestOperators_HandoffNodeWaitsForRelease(t *testing.T) {
	t.Parallel()
	h := newHarness(t, botJSON(`
		{"id":"h","type":"handoff","data":{"label":"h","content":"An agent will join"}},
		{"id":"m","type":"message","data":{"label":"m","content":"Back to the bot"}}`,
		`{"source":"start","target":"h"},{"source":"h","target":"m"}`))
	h.at(time.Second, text("hi"))
	h.at(time.Minute, text("hello? anyone?"))
	h.update(2*time.Minute, workflows.UpdateRelease, "")
	h.run()
	require.Equal(t, []string{"An agent will join", "Back to the bot"}, h.texts())
}
