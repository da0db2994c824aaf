package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// Local activities run inside the workflow task on the same worker: no
// round trip through the Temporal server for scheduling, so a turn costs one
// workflow task instead of three. They are used for short, idempotent
// database work (select a bot, start and record sessions, load a version);
// a retried local activity repeats the whole call, which those tolerate.
// They retry until the database answers: a conversation waits, never fails,
// because PostgreSQL was away for a while.
func withDBActivity(ctx workflow.Context) workflow.Context {
	return workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{
		StartToCloseTimeout: 15 * time.Second,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:    200 * time.Millisecond,
			BackoffCoefficient: 2,
			MaximumInterval:    time.Minute,
		},
	})
}

// Sends are regular activities: they talk to Meta, can be throttled for a
// long time, and must survive the worker that scheduled them. Retries cover
// 5xx, throttling and network errors for up to a day; non-retryable errors
// (window closed, invalid recipient, bad token) come back at once, typed.
// SendMessages heartbeats every second while it runs, so the send of a
// worker that died is retried after sendHeartbeatTimeout, not after the
// whole StartToCloseTimeout.
func withSendActivity(ctx workflow.Context) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout:    45 * time.Second,
		HeartbeatTimeout:       sendHeartbeatTimeout,
		ScheduleToCloseTimeout: 24 * time.Hour,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:    time.Second,
			BackoffCoefficient: 2,
			MaximumInterval:    time.Minute,
		},
	})
}

// The bot's sends run as local activities (see sendMessages): in the
// workflow task, with the same retries as withSendActivity. A worker that
// dies mid-send is noticed by the workflow task timeout (10 s, like the
// heartbeat timeout of the activity), and the task, with the send, runs
// again on another worker; the send's idempotency keys keep that from
// sending twice. Backoffs longer than the task timeout become durable
// timers, so a send throttled for minutes keeps no task open.
func withSendLocalActivity(ctx workflow.Context) workflow.Context {
	return workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{
		StartToCloseTimeout:    45 * time.Second,
		ScheduleToCloseTimeout: 24 * time.Hour,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:    time.Second,
			BackoffCoefficient: 2,
			MaximumInterval:    time.Minute,
		},
	})
}

// sendHeartbeatTimeout is how long a send may go without a heartbeat before
// Temporal takes its worker for dead and retries it elsewhere.
const sendHeartbeatTimeout = 10 * time.Second

// REST calls are regular activities with the node's own timeout. Only
// idempotent methods ever return a retryable error (the activity decides),
// and those get three attempts; then the node takes its error edge.
func withRESTActivity(ctx workflow.Context, timeout time.Duration) workflow.Context {
	switch {
	case timeout <= 0:
		timeout = 30 * time.Second
	case timeout > 5*time.Minute:
		timeout = 5 * time.Minute // the activity caps requests there too
	}
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: timeout + 5*time.Second,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:    time.Second,
			BackoffCoefficient: 2,
			MaximumAttempts:    3,
		},
	})
}
