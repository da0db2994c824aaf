package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/getsentry/sentry-go"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/wabuilder/wab/cmd/internal/config"
	"github.com/wabuilder/wab/cmd/internal/telemetry"
	"github.com/wabuilder/wab/db/dbtest"
	"github.com/wabuilder/wab/deploy/localstack"
)

func httpGet(url string) (int, string, error) {
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, url, nil)
	if err != nil {
		return 0, "", err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	return res.StatusCode, string(body), err
}

// TestWorker_MetricsDrainAndSentry runs workers against a real Temporal
// server: `wab worker` serves its metrics; a stopping worker lets the
// running activity finish, within SHUTDOWN_TIMEOUT; the Sentry interceptor
// reports final failures once, with the retry policy the server hands out.
func TestWorker_MetricsDrainAndSentry(t *testing.T) {
	t.Parallel()
	tmp := startTemporal(t)

	t.Run("wab dev serves every series on the API's /metrics and limits the API", func(t *testing.T) {
		s := start(t, map[string]string{
			"DATABASE_URL":          dbtest.NewDatabase(context.Background(), t),
			"MIGRATE_ON_START":      "true",
			"TEMPORAL_ADDRESS":      tmp.Address(),
			"ENCRYPTION_KEY":        testKey,
			"RATE_LIMIT_PER_MINUTE": "2",
		}, "dev")
		s.waitHealth(t, http.StatusOK)
		var body string
		require.Eventually(t, func() bool {
			_, body, _ = httpGet(s.base + "/metrics")
			return strings.Contains(body, "temporal_request_total")
		}, 30*time.Second, 200*time.Millisecond, "no Temporal SDK metrics: %s", body)
		for _, series := range []string{"wab_http_requests_total", "wab_sessions_live", "wab_outbox_pending", "wab_whatsapp_sends_total", "process_cpu_seconds_total"} {
			require.Contains(t, body, series)
		}
		for _, want := range []int{http.StatusUnauthorized, http.StatusUnauthorized, http.StatusTooManyRequests} {
			status, _, err := httpGet(s.base + "/api/users")
			require.NoError(t, err)
			require.Equal(t, want, status)
		}
		s.stop(t)
	})

	t.Run("wab worker serves metrics and liveness; the listener closes on exit", func(t *testing.T) {
		port, err := localstack.FreePort(context.Background())
		require.NoError(t, err)
		s := start(t, map[string]string{
			"DATABASE_URL":     dbtest.NewDatabase(context.Background(), t),
			"MIGRATE_ON_START": "true",
			"TEMPORAL_ADDRESS": tmp.Address(),
			"ENCRYPTION_KEY":   testKey,
			"METRICS_PORT":     strconv.Itoa(port),
		}, "worker")
		base := "http://127.0.0.1:" + strconv.Itoa(port)
		s.waitOutput(t, "worker polling")
		status, body, err := httpGet(base + "/health/liveness")
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, status, body)
		require.Eventually(t, func() bool {
			_, body, err = httpGet(base + "/metrics")
			return err == nil && strings.Contains(body, "temporal_request_total") // reported every second
		}, 30*time.Second, 200*time.Millisecond, "no Temporal SDK metrics: %s", body)
		for _, series := range []string{`wab_whatsapp_sends_total{kind="",result="sent"} 0`, `wab_rest_calls_total{outcome="ok"} 0`, "go_goroutines"} {
			require.Contains(t, body, series)
		}
		s.stop(t)
		_, _, err = httpGet(base + "/health/liveness")
		require.Error(t, err, "the listener is closed on exit")
	})

	transport := &sentry.MockTransport{}
	sc, err := sentry.NewClient(sentry.ClientOptions{Dsn: "https://key@sentry.example.com/1", Transport: transport})
	require.NoError(t, err)
	newApp := func(t *testing.T, stopTimeout time.Duration) *app {
		t.Helper()
		a := &app{
			cfg: config.Config{ShutdownTimeout: stopTimeout, Temporal: config.Temporal{Address: tmp.Address(), Namespace: "default"}},
			log: slog.New(slog.DiscardHandler), metrics: telemetry.NewRegistry(), sentry: sentry.NewHub(sc, sentry.NewScope()),
		}
		require.NoError(t, a.connectTemporal(context.Background(), false))
		t.Cleanup(a.close)
		return a
	}
	newWorker := func(a *app, queue string, acts ...any) worker.Worker {
		w := worker.New(a.temporal, queue, a.workerOptions(nil))
		w.RegisterWorkflowWithOptions(slowWorkflow, workflow.RegisterOptions{Name: "SlowWorkflow"})
		w.RegisterWorkflowWithOptions(failingWorkflow, workflow.RegisterOptions{Name: "FailingWorkflow"})
		for _, act := range acts {
			w.RegisterActivity(act)
		}
		require.NoError(t, w.Start())
		return w
	}
	run := func(a *app, queue, wf string) client.WorkflowRun {
		r, err := a.temporal.ExecuteWorkflow(context.Background(), client.StartWorkflowOptions{TaskQueue: queue}, wf)
		require.NoError(t, err)
		return r
	}

	t.Run("final failures are reported once", func(t *testing.T) {
		a := newApp(t, 10*time.Second)
		queue := "sentry-" + dbtest.Unique()
		w := newWorker(a, queue, &failing{})
		defer w.Stop()
		require.Error(t, run(a, queue, "FailingWorkflow").Get(context.Background(), nil))
		require.Eventually(t, func() bool { return len(transport.Events()) >= 3 }, 10*time.Second, 20*time.Millisecond)
		time.Sleep(200 * time.Millisecond) // nothing more comes
		var got []string
		for _, ev := range transport.Events() {
			got = append(got, ev.Tags["activity_type"]+"|"+ev.Tags["workflow_type"]+"|"+ev.Tags["attempt"])
		}
		sort.Strings(got)
		require.Equal(t, []string{
			"Breaks|FailingWorkflow|1",   // non-retryable: at once
			"Exhausts|FailingWorkflow|3", // retryable: its last attempt only
			"|FailingWorkflow|1",         // the workflow failed
		}, got)
	})

	t.Run("a stopping worker lets the running activity finish", func(t *testing.T) {
		a := newApp(t, 20*time.Second)
		queue := "drain-" + dbtest.Unique()
		slow := newSlowActivity()
		w := newWorker(a, queue, slow)
		r := run(a, queue, "SlowWorkflow")
		<-slow.started
		stopped := make(chan struct{})
		go func() { w.Stop(); close(stopped) }()
		select {
		case <-stopped:
			t.Fatal("Stop returned while an activity was running")
		case <-time.After(500 * time.Millisecond):
		}
		close(slow.release)
		require.NoError(t, <-slow.ended, "the activity was not canceled")
		select {
		case <-stopped:
		case <-time.After(10 * time.Second):
			t.Fatal("Stop did not return once the activity was done")
		}
		require.True(t, activityCompleted(t, a.temporal, r), "its result reached Temporal")
	})

	t.Run("SHUTDOWN_TIMEOUT bounds the drain", func(t *testing.T) {
		a := newApp(t, 300*time.Millisecond)
		queue := "bound-" + dbtest.Unique()
		slow := newSlowActivity() // never released
		w := newWorker(a, queue, slow)
		run(a, queue, "SlowWorkflow")
		<-slow.started
		begin := time.Now()
		w.Stop()
		require.Less(t, time.Since(begin), 10*time.Second)
		select {
		case err := <-slow.ended:
			require.ErrorIs(t, err, context.Canceled, "past the timeout the activity's context is canceled")
		case <-time.After(10 * time.Second):
			t.Fatal("the activity was never canceled")
		}
	})
}

// slowActivity runs until released or canceled, and says which.
type slowActivity struct {
	started chan struct{}
	release chan struct{}
	ended   chan error
}

func newSlowActivity() *slowActivity {
	return &slowActivity{started: make(chan struct{}, 1), release: make(chan struct{}), ended: make(chan error, 1)}
}

func (s *slowActivity) Slow(ctx context.Context) (string, error) {
	s.started <- struct{}{}
	select {
	case <-s.release:
		s.ended <- nil
		return "done", nil
	case <-ctx.Done():
		s.ended <- ctx.Err()
		return "", ctx.Err()
	}
}

func slowWorkflow(ctx workflow.Context) (string, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: time.Minute, RetryPolicy: &temporal.RetryPolicy{MaximumAttempts: 1},
	})
	var out string
	err := workflow.ExecuteActivity(ctx, "Slow").Get(ctx, &out)
	return out, err
}

// failing are activities that fail for good at once, or on every attempt.
type failing struct{}

func (failing) Breaks(context.Context) error {
	return temporal.NewNonRetryableApplicationError("window closed", "WhatsAppWindowClosed", nil)
}

func (failing) Exhausts(ctx context.Context) error {
	return errors.New("server error on attempt " + strconv.Itoa(int(activity.GetInfo(ctx).Attempt)))
}

func failingWorkflow(ctx workflow.Context) error {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: time.Minute,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: 10 * time.Millisecond, MaximumAttempts: 3},
	})
	_ = workflow.ExecuteActivity(ctx, "Exhausts").Get(ctx, nil) // handled: the workflow goes on
	return workflow.ExecuteActivity(ctx, "Breaks").Get(ctx, nil)
}

// activityCompleted reports whether r's history has a completed activity.
func activityCompleted(t *testing.T, c client.Client, r client.WorkflowRun) bool {
	t.Helper()
	it := c.GetWorkflowHistory(context.Background(), r.GetID(), r.GetRunID(), false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		ev, err := it.Next()
		require.NoError(t, err)
		if ev.GetEventType() == enumspb.EVENT_TYPE_ACTIVITY_TASK_COMPLETED {
			return true
		}
	}
	return false
}
