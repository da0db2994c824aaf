package telemetry

import (
	"context"
	"errors"
	"slices"
	"strconv"

	"github.com/getsentry/sentry-go"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// NewSentryInterceptor reports to Sentry what needs a person: an activity
// failure that will not be retried (a non-retryable error, or the last
// attempt the retry policy allows) and a workflow execution that fails.
// Attempts Temporal will retry are not reported: transient errors (Meta
// throttling, a database blip) would bury the real ones. Cancellations are
// not failures. Events group by activity or workflow type and error type.
func NewSentryInterceptor(hub *sentry.Hub) interceptor.WorkerInterceptor {
	return &sentryWorker{hub: hub}
}

type sentryWorker struct {
	interceptor.WorkerInterceptorBase
	hub *sentry.Hub
}

func (s *sentryWorker) InterceptActivity(_ context.Context, next interceptor.ActivityInboundInterceptor) interceptor.ActivityInboundInterceptor {
	a := &sentryActivity{hub: s.hub}
	a.Next = next
	return a
}

func (s *sentryWorker) InterceptWorkflow(_ workflow.Context, next interceptor.WorkflowInboundInterceptor) interceptor.WorkflowInboundInterceptor {
	w := &sentryWorkflow{hub: s.hub}
	w.Next = next
	return w
}

type sentryActivity struct {
	interceptor.ActivityInboundInterceptorBase
	hub *sentry.Hub
}

func (a *sentryActivity) ExecuteActivity(ctx context.Context, in *interceptor.ExecuteActivityInput) (any, error) {
	res, err := a.Next.ExecuteActivity(ctx, in)
	if err == nil {
		return res, nil
	}
	info := activity.GetInfo(ctx)
	// No policy means the server did not send it; activities are retried by default.
	if final(err, info.Attempt, info.RetryPolicy, true) {
		capture(a.hub, err, "activity", info.ActivityType.Name, map[string]string{
			"activity_type": info.ActivityType.Name,
			"workflow_type": info.WorkflowType.Name,
			"workflow_id":   info.WorkflowExecution.ID,
			"run_id":        info.WorkflowExecution.RunID,
			"attempt":       strconv.Itoa(int(info.Attempt)),
			"task_queue":    info.TaskQueue,
		})
	}
	return res, err
}

type sentryWorkflow struct {
	interceptor.WorkflowInboundInterceptorBase
	hub *sentry.Hub
}

func (w *sentryWorkflow) ExecuteWorkflow(ctx workflow.Context, in *interceptor.ExecuteWorkflowInput) (any, error) {
	res, err := w.Next.ExecuteWorkflow(ctx, in)
	// A replay re-runs code whose failure was reported when it happened.
	if err == nil || workflow.IsReplaying(ctx) {
		return res, err
	}
	var can *workflow.ContinueAsNewError
	if errors.As(err, &can) {
		return res, err
	}
	info := workflow.GetInfo(ctx)
	if final(err, info.Attempt, info.RetryPolicy, false) {
		capture(w.hub, err, "workflow", info.WorkflowType.Name, map[string]string{
			"workflow_type": info.WorkflowType.Name,
			"workflow_id":   info.WorkflowExecution.ID,
			"run_id":        info.WorkflowExecution.RunID,
			"attempt":       strconv.Itoa(int(info.Attempt)),
			"task_queue":    info.TaskQueueName,
		})
	}
	return res, err
}

// final reports whether Temporal will not try again after err: it is not a
// cancellation, and it is non-retryable (by the error or the policy) or the
// policy's last attempt. Without a policy, retriedByDefault says what
// happens (activities are retried, workflows are not). A retry stopped by a
// schedule-to-close timeout cannot be told apart here; the workflow that
// handles it sees it.
func final(err error, attempt int32, policy *temporal.RetryPolicy, retriedByDefault bool) bool {
	if temporal.IsCanceledError(err) || errors.Is(err, context.Canceled) {
		return false
	}
	var appErr *temporal.ApplicationError
	isApp := errors.As(err, &appErr)
	switch {
	case isApp && appErr.NonRetryable():
		return true
	case policy == nil:
		return !retriedByDefault
	case policy.MaximumAttempts > 0 && attempt >= policy.MaximumAttempts:
		return true
	case isApp && slices.Contains(policy.NonRetryableErrorTypes, appErr.Type()):
		return true
	}
	return false
}

// capture sends err on a clone of hub, tagged, grouped by what failed.
func capture(hub *sentry.Hub, err error, kind, name string, tags map[string]string) {
	h := hub.Clone()
	h.WithScope(func(s *sentry.Scope) {
		s.SetTags(tags)
		errType := "error"
		var appErr *temporal.ApplicationError
		if errors.As(err, &appErr) {
			errType = appErr.Type()
			s.SetTag("error_type", errType)
		}
		s.SetFingerprint([]string{kind, name, errType})
		h.CaptureException(err)
	})
}
