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

// executor carries out a schedule as the run progresses: Graph API faults
// one window after the other, kills one at a time (a kill waits for the
// previous restart to finish).
type executor struct {
	c     *cluster.Cluster
	meta  *load.Meta
	out   io.Writer
	start time.Time
	// progress is the share of the run's inbound messages stored so far.
	progress func(context.Context) float64

	mu        sync.Mutex
	incidents []string
	skipped   []Event
	kills     []killRecord
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

// run performs the events as their moment comes, until ctx ends (the load
// is over); the events not reached by then are kept in skipped. A killed
// process is always restarted, even after ctx ended.
func (x *executor) run(ctx context.Context, events []Event) {
	var kills, faults []Event
	for _, e := range events {
		if e.IsKill() {
			kills = append(kills, e)
		} else {
			faults = append(faults, e)
		}
	}
	var wg sync.WaitGroup
	wg.Go(func() {
		var until time.Time // the end of the current fault window
		for i, e := range faults {
			if !x.reach(ctx, e.At) || !sleepUntil(ctx, until) {
				x.skip(faults[i:])
				return
			}
			x.meta.FailFor(e.Length, e.Fault)
			until = time.Now().Add(e.Length)
			x.logf("Graph API %s for %.1fs (%.1f%% of turns stored)", faultName(e.Fault), e.Length.Seconds(), x.progress(ctx)*100)
		}
	})
	wg.Go(func() {
		for i, e := range kills {
			if !x.reach(ctx, e.At) {
				x.skip(kills[i:])
				return
			}
			x.kill(ctx, e)
		}
	})
	wg.Wait()
}

func (x *executor) skip(es []Event) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.skipped = append(x.skipped, es...)
}

// reach waits until progress is at least at; false if ctx ended first.
func (x *executor) reach(ctx context.Context, at float64) bool {
	for x.progress(ctx) < at {
		select {
		case <-time.After(200 * time.Millisecond):
		case <-ctx.Done():
			return false
		}
	}
	return true
}

// kill SIGKILLs one process, leaves it down for e.Down, and restarts it,
// retrying the restart until it is ready (a process that cannot come back
// is an incident: the stack would be down for good).
func (x *executor) kill(ctx context.Context, e Event) {
	at := time.Now()
	if err := x.c.Kill(e.Role, e.Index); err != nil {
		x.incident("kill %s %d: %v", e.Role, e.Index, err)
		return
	}
	x.mu.Lock()
	x.kills = append(x.kills, killRecord{role: e.Role, index: e.Index, at: at})
	x.mu.Unlock()
	x.logf("SIGKILL %s %d (%.1f%% of turns stored)", e.Role, e.Index, x.progress(ctx)*100)
	time.Sleep(e.Down) // even if the load ended meanwhile: it was planned
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

// sleepUntil waits until t; false if ctx ended first.
func sleepUntil(ctx context.Context, t time.Time) bool {
	d := time.Until(t)
	if d <= 0 {
		return ctx.Err() == nil
	}
	select {
	case <-time.After(d):
		return true
	case <-ctx.Done():
		return false
	}
}
