package main

import (
	"context"
	"fmt"

	"go.temporal.io/sdk/worker"

	"github.com/wabuilder/wab/activities"
	"github.com/wabuilder/wab/activities/whatsapp"
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
	if err := a.connectTemporal(ctx, false); err != nil {
		return err
	}
	return a.runWorker(ctx)
}

// runWorker polls the task queue until ctx ends, then stops polling and waits
// for running activities to finish. Once started, the SDK rides out Temporal
// outages by itself; only the start needs retrying here.
func (a *app) runWorker(ctx context.Context) error {
	var w worker.Worker
	// A fatal error stops the SDK's worker but not the process; exit instead,
	// so the orchestrator restarts it.
	fatal := make(chan error, 1)
	err := retry(ctx, a.cfg.ShutdownTimeout*4, func(context.Context) error {
		w = worker.New(a.temporal, workflows.TaskQueue, worker.Options{
			WorkerStopTimeout: a.cfg.ShutdownTimeout,
			OnFatalError: func(err error) {
				select {
				case fatal <- err:
				default:
				}
			},
		})
		workflows.Register(w, activities.New(a.store, whatsapp.NewClient(nil),
			activities.Config{
				AllowPrivateNetworks: a.cfg.RESTAllowPrivateNetworks, RESTRewrites: a.cfg.RESTRewrites,
				DefaultSendRate: a.cfg.WhatsApp.SendRatePerSecond,
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
