package workflows_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/wabuilder/wab/activities"
	"github.com/wabuilder/wab/workflows"
)

func timeoutBot() string {
	return botJSON(`
		{"id":"q","type":"question","data":{"label":"q","type":"question","content":"Still there?",
		  "timeoutSeconds":600,"reminderSeconds":300,"reminderText":"Just checking, {{customer_phone}}"}},
		{"id":"yes","type":"message","data":{"label":"y","content":"Great"}},
		{"id":"late","type":"message","data":{"label":"l","content":"Closing for now"}}`,
		`{"source":"start","target":"q"},{"source":"q","target":"yes"},{"source":"q","target":"late","sourceHandle":"timeout"}`)
}

func TestTime_ReminderThenTimeoutEdge(t *testing.T) {
	t.Parallel()
	h := newHarness(t, timeoutBot())
	h.at(time.Second, text("hi"))
	h.run()
	require.Equal(t, []string{"Still there?", "Just checking, 905551112233", "Closing for now"}, h.texts())
}

func TestTime_AnswerBeforeTimeout(t *testing.T) {
	t.Parallel()
	h := newHarness(t, timeoutBot())
	h.at(time.Second, text("hi"))
	h.at(2*time.Minute, text("yes"))
	h.run()
	require.Equal(t, []string{"Still there?", "Great"}, h.texts(), "no reminder, no timeout after the answer")
}

func TestTime_NoTimeoutEdgeEndsSession(t *testing.T) {
	t.Parallel()
	h := newHarness(t, botJSON(`{"id":"q","type":"question","data":{"label":"q","type":"question","content":"?","timeoutSeconds":60}}`,
		`{"source":"start","target":"q"}`))
	h.at(time.Second, text("hi"))
	h.run()
	status, reason := h.ended()
	require.Equal(t, workflows.StatusCompleted, status)
	require.Equal(t, workflows.ReasonNoReply, reason)
}

func TestTime_InactivityExpiresSession(t *testing.T) {
	t.Parallel()
	h := newHarness(t, referenceBot(t, "sample-chatbot.json"))
	h.at(time.Second, text("hi"))
	h.run()
	status, reason := h.ended()
	require.Equal(t, workflows.StatusExpired, status)
	require.Equal(t, workflows.ReasonInactivity, reason)
	require.GreaterOrEqual(t, h.env.Now().Sub(time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)), 24*time.Hour)
}

func TestTime_InactivityIsPerBotSetting(t *testing.T) {
	t.Parallel()
	bot := `{"name":"quick","settings":{"inactivityTimeoutSeconds":120},"nodes":[{"id":"start","type":"start","data":{"label":"s"}},
		{"id":"q","type":"question","data":{"label":"q","type":"question","content":"?"}}],"edges":[{"source":"start","target":"q"}]}`
	h := newHarness(t, bot)
	h.at(time.Second, text("hi"))
	h.at(3*time.Minute, text("too late")) // the session is gone: a new one starts
	h.run()
	require.Equal(t, []string{"?", "?"}, h.texts())
	require.Len(t, h.sessions, 2)
}

func TestTime_WindowClosedStopsFreeFormMessages(t *testing.T) {
	t.Parallel()
	h := newHarness(t, botJSON(`
		{"id":"d","type":"delay","data":{"label":"d","delay":{"value":2,"unit":"days"}}},
		{"id":"m","type":"message","data":{"label":"m","content":"Two days later"}}`,
		`{"source":"start","target":"d"},{"source":"d","target":"m"}`))
	h.at(time.Second, text("hi"))
	h.run()
	require.Empty(t, h.texts(), "WhatsApp would refuse it: nothing is attempted")
	status, reason := h.ended()
	require.Equal(t, workflows.StatusFailed, status)
	require.Equal(t, workflows.ReasonWindowClosed, reason)
}

func TestTime_WindowClosedSendsTemplateFallback(t *testing.T) {
	t.Parallel()
	h := newHarness(t, botJSON(`
		{"id":"d","type":"delay","data":{"label":"d","delay":{"value":3,"unit":"days"}}},
		{"id":"m","type":"message","data":{"label":"m","content":"Your order shipped, {{customer_name}}",
		  "templateFallback":{"name":"order_shipped","language":"en_US","bodyParams":["{{customer_name}}"]}}},
		{"id":"q","type":"question","data":{"label":"q","type":"question","content":"Rate us?"}}`,
		`{"source":"start","target":"d"},{"source":"d","target":"m"},{"source":"m","target":"q"}`))
	m := text("hi")
	m.ContactName = "Ayşe"
	h.at(time.Second, m)
	h.run()
	require.Len(t, h.sends, 1, "only the template goes out; the question has no fallback")
	sent := h.sends[0].Messages
	require.Len(t, sent, 1)
	require.Equal(t, activities.OutboundTemplate, sent[0].Kind)
	require.Equal(t, "order_shipped", sent[0].Template.Name)
	require.Equal(t, []string{"Ayşe"}, sent[0].Template.BodyParams)
	status, reason := h.ended()
	require.Equal(t, workflows.StatusExpired, status, "the session waits on the question until inactivity")
	require.Equal(t, workflows.ReasonInactivity, reason)
}
