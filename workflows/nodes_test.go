package workflows_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/wabuilder/wab/activities"
	"github.com/wabuilder/wab/activities/whatsapp"
	"github.com/wabuilder/wab/workflows"
	"github.com/wabuilder/wab/workflows/graph"
)

func TestNodes_ConditionAndSetVariable(t *testing.T) {
	t.Parallel()
	bot := botJSON(`
		{"id":"q","type":"question","data":{"label":"q","type":"question","content":"Age?","variable":"age"}},
		{"id":"set","type":"set_variable","data":{"label":"s","variable":"greeting","value":"Hi {{customer_phone}}"}},
		{"id":"c","type":"condition","data":{"label":"c","conditionVar":"age","conditionOp":">=","conditionVal":"18"}},
		{"id":"adult","type":"message","data":{"label":"a","content":"{{greeting}}, adult"}},
		{"id":"minor","type":"message","data":{"label":"m","content":"{{greeting}}, minor"}}`,
		`{"source":"start","target":"q"},{"source":"q","target":"set"},{"source":"set","target":"c"},
		 {"source":"c","target":"adult","sourceHandle":"true"},{"source":"c","target":"minor","sourceHandle":"false"}`)
	for age, want := range map[string]string{"42": "Hi 905551112233, adult", "9": "Hi 905551112233, minor"} {
		h := newHarness(t, bot)
		h.at(time.Second, text("hi"))
		h.at(time.Minute, text(age))
		h.run()
		require.Equal(t, []string{"Age?", want}, h.texts())
	}
}

func restBot() string {
	return botJSON(`
		{"id":"api","type":"rest_api","data":{"label":"api","apiUrl":"https://api.example.com/users/{{customer_phone}}","apiResponsePath":"name"}},
		{"id":"ok","type":"message","data":{"label":"ok","content":"Hello {{rest_api_1.data}}"}},
		{"id":"bad","type":"message","data":{"label":"bad","content":"Error {{rest_api_1.status}}: {{rest_api_1.error}}"}}`,
		`{"source":"start","target":"api"},{"source":"api","target":"ok","sourceHandle":"success"},{"source":"api","target":"bad","sourceHandle":"error"}`)
}

func TestNodes_RESTSuccessAndError(t *testing.T) {
	t.Parallel()
	h := newHarness(t, restBot())
	h.rest = func(in activities.CallRESTInput) (activities.CallRESTResult, error) {
		require.Equal(t, "https://api.example.com/users/905551112233", in.Request.URL)
		require.Equal(t, "GET", in.Request.Method)
		return activities.CallRESTResult{Result: graph.RestResult{OK: true, Status: 200, Data: "Ayşe"}}, nil
	}
	h.at(time.Second, text("hi"))
	h.run()
	require.Equal(t, []string{"Hello Ayşe"}, h.texts())

	h = newHarness(t, restBot())
	h.rest = func(activities.CallRESTInput) (activities.CallRESTResult, error) {
		return activities.CallRESTResult{Result: graph.RestResult{Status: 404, Error: "user not found"}}, nil
	}
	h.at(time.Second, text("hi"))
	h.run()
	require.Equal(t, []string{"Error 404: user not found"}, h.texts())
}

func TestNodes_RESTRetriesExhaustedTakeErrorEdge(t *testing.T) {
	t.Parallel()
	h := newHarness(t, restBot())
	calls := 0
	h.rest = func(activities.CallRESTInput) (activities.CallRESTResult, error) {
		calls++
		return activities.CallRESTResult{}, errors.New("connection refused")
	}
	h.at(time.Second, text("hi"))
	h.run()
	require.Equal(t, 3, calls)
	require.Len(t, h.texts(), 1)
	require.True(t, strings.HasPrefix(h.texts()[0], "Error "), h.texts()[0])
}

func flowBot() string {
	return botJSON(`
		{"id":"f","type":"whatsapp_flow","data":{"label":"f","whatsappFlowId":"123","flowBodyText":"Book now","flowInitialScreen":"BOOK"}},
		{"id":"done","type":"message","data":{"label":"d","content":"Booked for {{flow_1.response.date}}"}},
		{"id":"oops","type":"message","data":{"label":"o","content":"Flow failed: {{api_error}}"}}`,
		`{"source":"start","target":"f"},{"source":"f","target":"done"},{"source":"f","target":"oops","sourceHandle":"error"}`)
}

func TestNodes_FlowAnsweredByNFMReply(t *testing.T) {
	t.Parallel()
	h := newHarness(t, flowBot())
	h.at(time.Second, text("hi"))
	h.env.RegisterDelayedCallback(func() {
		token := h.sends[0].Messages[0].Flow.FlowToken
		require.NotEmpty(t, token)
		h.env.SignalWorkflow(workflows.SignalInbound, text("random text is ignored while the flow is open"))
		h.env.SignalWorkflow(workflows.SignalInbound, flowReply("someone-elses-token", map[string]any{"date": "never"}))
		h.env.SignalWorkflow(workflows.SignalInbound, flowReply(token, map[string]any{"date": "2026-12-01"}))
	}, time.Minute)
	h.run()
	require.Equal(t, []string{"flow:Book now", "Booked for 2026-12-01"}, h.texts(), "no arithmetic on dates")
}

func TestNodes_FlowSendFailureTakesErrorEdge(t *testing.T) {
	t.Parallel()
	h := newHarness(t, flowBot())
	h.sendErr = func(in activities.SendMessagesInput) error {
		if in.Messages[0].Kind == activities.OutboundFlow {
			return temporal.NewNonRetryableApplicationError("flow id unknown", whatsapp.ErrKindInvalidParameter, nil)
		}
		return nil
	}
	h.at(time.Second, text("hi"))
	h.run()
	got := h.texts()
	require.Len(t, got, 1)
	require.True(t, strings.HasPrefix(got[0], "Flow failed: "), got[0])
}

func TestNodes_DelayIsDurable(t *testing.T) {
	t.Parallel()
	h := newHarness(t, botJSON(`
		{"id":"m1","type":"message","data":{"label":"m1","content":"Wait for it"}},
		{"id":"d","type":"delay","data":{"label":"d","delay":{"value":2,"unit":"hours"}}},
		{"id":"m2","type":"message","data":{"label":"m2","content":"There it is"}}`,
		`{"source":"start","target":"m1"},{"source":"m1","target":"d"},{"source":"d","target":"m2"}`))
	h.at(time.Second, text("hi"))
	var sentAt []time.Time
	h.env.SetOnLocalActivityStartedListener(func(info *activity.Info, _ context.Context, _ []any) {
		if info.ActivityType.Name == "SendMessages" {
			sentAt = append(sentAt, h.env.Now())
		}
	})
	h.run()
	require.Equal(t, []string{"Wait for it", "There it is"}, h.texts())
	require.Len(t, sentAt, 2)
	require.GreaterOrEqual(t, sentAt[1].Sub(sentAt[0]), 2*time.Hour)
}

func TestNodes_LoopGuard(t *testing.T) {
	t.Parallel()
	// Publishing refuses a cycle without a waiting node, so the guard is
	// shown on a long chain: 60 nodes in a row without a wait.
	var nodes, edges []string
	prev := "start"
	for i := range 60 {
		id := fmt.Sprintf("n%d", i)
		nodes = append(nodes, fmt.Sprintf(`{"id":%q,"type":"set_variable","data":{"label":%q,"variable":"x","value":"%d"}}`, id, id, i))
		edges = append(edges, fmt.Sprintf(`{"source":%q,"target":%q}`, prev, id))
		prev = id
	}
	h := newHarness(t, botJSON(strings.Join(nodes, ","), strings.Join(edges, ",")))
	h.at(time.Second, text("hi"))
	h.run()
	status, reason := h.ended()
	require.Equal(t, workflows.StatusFailed, status)
	require.Equal(t, workflows.ReasonLoopDetected, reason)
	require.Equal(t, "48", h.lastVars()["x"], "the 50th node (start included) was the last to run")
}

func TestNodes_EndNodeAndHandoff(t *testing.T) {
	t.Parallel()
	h := newHarness(t, botJSON(`{"id":"e","type":"end","data":{"label":"e","content":"Bye {{customer_name}}"}}`,
		`{"source":"start","target":"e"}`))
	m := text("hi")
	m.ContactName = "Ali"
	h.at(time.Second, m)
	h.run()
	require.Equal(t, []string{"Bye Ali"}, h.texts())
	status, reason := h.ended()
	require.Equal(t, workflows.StatusCompleted, status)
	require.Equal(t, workflows.ReasonEndNode, reason)
}

func TestNodes_GoogleCalendarReportsNotConnected(t *testing.T) {
	t.Parallel()
	h := newHarness(t, botJSON(`
		{"id":"cal","type":"google_calendar","data":{"label":"cal","calendarAction":"get_today_events"}},
		{"id":"m","type":"message","data":{"label":"m","content":"Calendar: {{calendar_1.result.code}}"}}`,
		`{"source":"start","target":"cal"},{"source":"cal","target":"m"}`))
	h.at(time.Second, text("hi"))
	h.run()
	require.Equal(t, []string{"Calendar: NOT_CONNECTED"}, h.texts(), "the graph goes on, as in the reference")
}
