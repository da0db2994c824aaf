package main

import (
	"context"
	"fmt"
	"net"
	"strconv"

	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/worker"

	"github.com/wabuilder/wab/activities"
	"github.com/wabuilder/wab/activities/whatsapp"
	"github.com/wabuilder/wab/activities/whatsapp/sandbox"
	"github.com/wabuilder/wab/cmd/internal/telemetry"
	"github.com/wabuilder/wab/workflows"
)

func runWorker(ctx context.Context, e env, args []string) error {
	if err := parseFlags("worker", args, e.stderr, nil); err != nil {
		return err
	}
	a, err := setup(ctx, e, true)
	if err != nil {
		return err
	}
	defer a.close()
	// Up before Temporal is reached, so liveness answers while it is awaited.
	stopMetrics, err := a.serveWorkerMetrics(ctx)
	if err != nil {
		return err
	}
	defer stopMetrics()
	if err := a.connectTemporal(ctx, false); err != nil {
		return err
	}
	return a.runWorker(ctx)
}

// serveWorkerMetrics serves /metrics and /health/liveness on METRICS_PORT
// until the returned stop is called: after the worker has drained, so the
// probe and the last scrapes see the drain. (`wab dev` serves the same
// registry on the API's /metrics instead.)
func (a *app) serveWorkerMetrics(ctx context.Context) (stop func(), err error) {
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", net.JoinHostPort("", strconv.Itoa(a.cfg.MetricsPort)))
	if err != nil {
		return nil, fmt.Errorf("listen on port %d (set METRICS_PORT to another): %w", a.cfg.MetricsPort, err)
	}
	a.log.InfoContext(ctx, "worker metrics listening", "addr", ln.Addr().String())
	serveCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan error, 1)
	go func() { done <- telemetry.Serve(serveCtx, ln, a.metrics) }()
	return func() {
		cancel()
		if err := <-done; err != nil {
			a.log.Error("worker metrics server", "err", err)
		}
	}, nil
}

// workerOptions: once stopped, the worker polls no more and gives running
// activities SHUTDOWN_TIMEOUT to finish before canceling their contexts.
// With SENTRY_DSN, final activity failures and workflow failures are reported.
func (a *app) workerOptions(onFatal func(error)) worker.Options {
	opts := worker.Options{
		WorkerStopTimeout: a.cfg.ShutdownTimeout, OnFatalError: onFatal,
		// Pollers of their own for the normal queue and the sticky one. The
		// SDK's default pollers are shared and follow the sticky queue's
		// backlog hint: once it said "backlog", every poll went to the sticky
		// queue, and new conversations waited in the normal queue until those
		// 60 s long polls ended (wab bench: 20 first turns answered after 62 s).
		WorkflowTaskPollerBehavior: worker.NewPollerBehaviorAutoscaling(worker.PollerBehaviorAutoscalingOptions{}),
	}
	if a.sentry != nil {
		opts.Interceptors = []interceptor.WorkerInterceptor{telemetry.NewSentryInterceptor(a.sentry)}
	}
	return opts
}

// runWorker polls the task queue until ctx ends, then stops polling and waits
// for running activities to finish. Once started, the SDK rides out Temporal
// outages by itself; only the start needs retrying here.
func (a *app) runWorker(ctx context.Context) error {
	var w worker.Worker
	// Test sessions' messages are answered in-process, never sent to Meta.
	testChannel := sandbox.NewTestChannel()
	defer testChannel.Close()
	// A fatal error stops the SDK's worker but not the process; exit instead,
	// so the orchestrator restarts it.
	fatal := make(chan error, 1)
	metrics := telemetry.NewActivityMetrics(a.metrics)
	// Process-wide, and read when the first worker starts.
	worker.SetStickyWorkflowCacheSize(a.cfg.WorkerCacheSize)
	err := retry(ctx, a.cfg.ShutdownTimeout*4, func(context.Context) error {
		w = worker.New(a.temporal, workflows.TaskQueue, a.workerOptions(func(err error) {
			select {
			case fatal <- err:
			default:
			}
		}))
		workflows.Register(w, activities.New(a.store, whatsapp.NewClient(nil).WithTestChannel(testChannel),
			activities.Config{
				AllowPrivateNetworks: a.cfg.RESTAllowPrivateNetworks, RESTRewrites: a.cfg.RESTRewrites,
				DefaultSendRate: a.cfg.WhatsApp.SendRatePerSecond, Metrics: metrics,
			}))
		if err := w.Start(); err != nil {
			a.log.WarnContext(ctx, "worker could not start, retrying", "err", err)
			return err
		}
		return nil
	})
	if err != nil {
		if ctx.Err() != nil {
			return nil // stopped before Temporal came back: a clean exit
		}
		return fmt.Errorf("start worker: %w", err)
	}
	a.log.InfoContext(ctx, "worker polling", "task_queue", workflows.TaskQueue, "namespace", a.cfg.Temporal.Namespace)
	select {
	case err := <-fatal:
		w.Stop()
		return fmt.Errorf("worker stopped: %w", err)
	case <-ctx.Done():
	}
	a.log.Info("worker draining")
	w.Stop()
	return nil
}
