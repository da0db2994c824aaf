package activities_test

import (
	"context"
	"net/http"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/wabuilder/wab/activities"
	"github.com/wabuilder/wab/activities/whatsapp"
	"github.com/wabuilder/wab/activities/whatsapp/sandbox"
	"github.com/wabuilder/wab/workflows/graph"
)

// countingMetrics records every count, keyed "result/kind" or the outcome.
type countingMetrics struct {
	mu     sync.Mutex
	counts map[string]int
}

func (m *countingMetrics) add(key string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.counts == nil {
		m.counts = map[string]int{}
	}
	m.counts[key]++
}

func (m *countingMetrics) MessageSend(result, kind string) { m.add(result + "/" + kind) }
func (m *countingMetrics) RESTCall(outcome string)         { m.add(outcome) }

func (m *countingMetrics) snapshot() map[string]int {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := map[string]int{}
	for k, v := range m.counts {
		out[k] = v
	}
	return out
}

func TestMetrics_SendsCountedByResult(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newSendSetup(ctx, t, "")
	m := &countingMetrics{}
	s.acts = activities.New(s.store, whatsapp.NewClient(nil), activities.Config{Metrics: m})
	activities.SetPendingGrace(s.acts, 0) // retries resend at once (see TestSendMessages_AcceptedUnanswered*)
	in := s.input(text("one"), text("two"))

	_, err := execute(t, s.acts, s.acts.SendMessages, in)
	require.NoError(t, err)
	require.Equal(t, map[string]int{"sent/": 2}, m.snapshot())

	in.Messages = append(in.Messages, text("three"))
	s.sandbox.FailNext(1, sandbox.FailServerError)
	_, err = execute(t, s.acts, s.acts.SendMessages, in)
	require.Error(t, err)
	require.Equal(t, map[string]int{"sent/": 2, "duplicate/": 2, "failed/" + whatsapp.ErrKindServer: 1}, m.snapshot(),
		"the retry skips what was sent and counts the failed attempt by kind")

	s.sandbox.FailNext(1, sandbox.FailWindowClosed)
	_, err = execute(t, s.acts, s.acts.SendMessages, in)
	require.Error(t, err)
	require.Equal(t, map[string]int{
		"sent/": 2, "duplicate/": 4,
		"failed/" + whatsapp.ErrKindServer: 1, "failed/" + whatsapp.ErrKindWindowClosed: 1,
	}, m.snapshot())
}

func TestMetrics_RESTCallsCountedByOutcome(t *testing.T) {
	t.Parallel()
	m := &countingMetrics{}
	cfg := activities.Config{AllowPrivateNetworks: true, Metrics: m}
	ok, _ := echoServer(t, http.StatusOK, `{}`)
	missing, _ := echoServer(t, http.StatusNotFound, `{}`)
	down, _ := echoServer(t, http.StatusBadGateway, `{}`)
	gone, _ := echoServer(t, http.StatusOK, `{}`)
	gone.Close() // refused: no answer

	for _, url := range []string{ok.URL, missing.URL, down.URL, gone.URL} {
		_, _ = callREST(t, cfg, graph.HTTPRequest{Method: "POST", URL: url})
	}
	require.Equal(t, map[string]int{
		activities.RESTOK: 1, activities.RESTClientError: 1, activities.RESTServerError: 1, activities.RESTNoAnswer: 1,
	}, m.snapshot())
}
