package telemetry_test

import (
	"context"
	"log/slog"
	"sort"
	"sync/atomic"
	"testing"
	"time"

	"github.com/getsentry/sentry-go"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/interceptor"
	tlog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/wabuilder/wab/cmd/internal/telemetry"
)

// failing are activities that fail in ways the interceptor tells apart;
// calls counts their attempts. (The test environment does not hand
// activities their retry policy, so the last attempt of a retryable failure
// is proven on a real server: cmd/wab's worker test.)
type failing struct{ calls atomic.Int32 }

// Recovers fails twice (retryable), then succeeds: nothing to report.
func (f *failing) Recovers(ctx context.Context) error {
	f.calls.Add(1)
	if activity.GetInfo(ctx).Attempt < 3 {
		return temporal.NewApplicationError("meta throttled", "WhatsAppThrottled")
	}
	return nil
}

// Breaks fails for good at once: reported at once.
func (f *failing) Breaks(context.Context) error {
	f.calls.Add(1)
	return temporal.NewNonRetryableApplicationError("window closed", "WhatsAppWindowClosed", nil)
}

func failingWorkflow(ctx workflow.Context) error {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: time.Minute,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: time.Millisecond, MaximumAttempts: 4},
	})
	var f *failing
	if err := workflow.ExecuteActivity(ctx, f.Recovers).Get(ctx, nil); err != nil {
		return err
	}
	return workflow.ExecuteActivity(ctx, f.Breaks).Get(ctx, nil)
}

func TestSentryInterceptor_ReportsFinalFailuresOnce(t *testing.T) {
	t.Parallel()
	transport := &sentry.MockTransport{}
	client, err := sentry.NewClient(sentry.ClientOptions{Dsn: "https://key@sentry.example.com/1", Transport: transport})
	require.NoError(t, err)

	var suite testsuite.WorkflowTestSuite
	suite.SetLogger(tlog.NewStructuredLogger(slog.New(slog.DiscardHandler)))
	env := suite.NewTestWorkflowEnvironment()
	env.SetWorkerOptions(worker.Options{Interceptors: []interceptor.WorkerInterceptor{
		telemetry.NewSentryInterceptor(sentry.NewHub(client, sentry.NewScope())),
	}})
	acts := &failing{}
	env.RegisterActivity(acts)
	env.RegisterWorkflow(failingWorkflow)
	env.ExecuteWorkflow(failingWorkflow)
	require.True(t, env.IsWorkflowCompleted())
	require.Error(t, env.GetWorkflowError())
	require.EqualValues(t, 3+1, acts.calls.Load(), "every attempt ran")

	events := transport.Events()
	var got []string
	for _, ev := range events {
		got = append(got, ev.Tags["activity_type"]+"|"+ev.Tags["error_type"]+"|"+ev.Tags["attempt"])
		require.NotEmpty(t, ev.Tags["workflow_id"])
		require.NotEmpty(t, ev.Exception)
	}
	sort.Strings(got)
	require.Equal(t, []string{
		"Breaks|WhatsAppWindowClosed|1", // non-retryable: at once; Recovers' retries never
		"|WhatsAppWindowClosed|1",       // the workflow's own failure
	}, got)
	for _, ev := range events {
		if ev.Tags["activity_type"] == "" {
			require.Equal(t, "failingWorkflow", ev.Tags["workflow_type"])
		}
	}
}
