package chaos

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/wabuilder/wab/cmd/internal/cluster"
	"github.com/wabuilder/wab/cmd/internal/load"
)

// executor carries out a schedule: faults on the Graph API as they come,
// kills one at a time (a kill waits for the previous restart to finish).
type executor struct {
	c     *cluster.Cluster
	meta  *load.Meta
	out   io.Writer
	start time.Time

	mu        sync.Mutex
	incidents []string
}

func (x *executor) logf(format string, args ...any) {
	x.mu.Lock()
	defer x.mu.Unlock()
	fmt.Fprintf(x.out, "  +%5.1fs  %s\n", time.Since(x.start).Seconds(), fmt.Sprintf(format, args...))
}

func (x *executor) incident(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	x.logf("%s", msg)
	x.mu.Lock()
	x.incidents = append(x.incidents, msg)
	x.mu.Unlock()
}

// run performs every event; ctx ending cancels what is still to come but
// never leaves a killed process down.
func (x *executor) run(ctx context.Context, events []Event) {
	var wg sync.WaitGroup
	var kills, faults []Event
	for _, e := range events {
		if e.IsKill() {
			kills = append(kills, e)
		} else {
			faults = append(faults, e)
		}
	}
	wg.Go(func() {
		for _, e := range faults {
			if !x.waitUntil(ctx, e.At) {
				return
			}
			x.meta.FailFor(e.Length, e.Fault)
			x.logf("Graph API %s for %.1fs", faultName(e.Fault), e.Length.Seconds())
		}
	})
	wg.Go(func() {
		for _, e := range kills {
			if !x.waitUntil(ctx, e.At) {
				return
			}
			x.kill(ctx, e)
		}
	})
	wg.Wait()
}

// kill SIGKILLs one process, leaves it down for e.Down, and restarts it,
// retrying the restart until it is ready (a process that cannot come back
// is an incident: the stack would be down for good).
func (x *executor) kill(ctx context.Context, e Event) {
	if err := x.c.Kill(e.Role, e.Index); err != nil {
		x.incident("kill %s %d: %v", e.Role, e.Index, err)
		return
	}
	x.logf("SIGKILL %s %d", e.Role, e.Index)
	select {
	case <-time.After(e.Down):
	case <-ctx.Done():
	}
	began := time.Now()
	var err error
	for attempt := range 3 {
		// Not ctx: a killed process is restarted even when the run ends.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Minute)
		err = x.c.Restart(rctx, e.Role, e.Index)
		cancel()
		if err == nil {
			x.logf("%s %d back after %.1fs down (restart took %.1fs)", e.Role, e.Index, (e.Down + time.Since(began)).Seconds(), time.Since(began).Seconds())
			return
		}
		x.logf("restart %s %d (attempt %d): %v", e.Role, e.Index, attempt+1, err)
		if e.Role != cluster.Temporal {
			// A worker or API that started but never became ready is still
			// running: end it before starting another.
			_ = x.c.Kill(e.Role, e.Index)
		}
	}
	x.incident("%s %d did not come back: %v", e.Role, e.Index, err)
}

// waitUntil sleeps until at after the start; false if ctx ended first.
func (x *executor) waitUntil(ctx context.Context, at time.Duration) bool {
	select {
	case <-time.After(time.Until(x.start.Add(at))):
		return true
	case <-ctx.Done():
		return false
	}
}
