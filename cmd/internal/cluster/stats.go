package cluster

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/wabuilder/wab/workflows"
)

// Stats is what one process (over all its incarnations) has used so far.
//
// CPU is user+system time from the kernel's accounting: /proc/<pid>/stat
// for a live process, wait4's rusage for an application process that
// exited, and the last reading before the kill for Temporal. For PostgreSQL
// it covers the postmaster, every live backend and every backend that has
// exited (the postmaster's cutime/cstime).
//
// PeakRSSBytes is VmHWM (the kernel's high-water mark of the resident set)
// of a process, the largest over its incarnations. PostgreSQL is many
// processes sharing one buffer pool, so its figure is instead the largest
// sampled sum of its processes' private memory (RssAnon) plus the shared
// memory once (the largest RssShmem of any of them), sampled every
// Options.SampleEvery; summing VmHWM would count shared buffers once per
// backend.
type Stats struct {
	Role  Role
	Index int
	// Pid is the live incarnation's process id, 0 when it is not running.
	Pid int
	// Starts counts incarnations (1 + restarts).
	Starts       int
	CPUSeconds   float64
	PeakRSSBytes int64
}

// Name is "api 0", "postgres", ….
func (s Stats) Name() string {
	if s.Role == Postgres || s.Role == Temporal {
		return string(s.Role)
	}
	return string(s.Role) + " " + strconv.Itoa(s.Index)
}

// Stats returns every process's use so far: PostgreSQL, Temporal, the APIs,
// the workers.
func (c *Cluster) Stats() []Stats {
	var out []Stats
	if c.pgStat != nil {
		out = append(out, c.pgStat.stats(Postgres))
	}
	if c.tStat != nil {
		out = append(out, c.tStat.stats(Temporal))
	}
	for _, m := range c.apis {
		out = append(out, m.stats())
	}
	for _, m := range c.workers {
		out = append(out, m.stats())
	}
	return out
}

// service tracks a server localstack runs (PostgreSQL, Temporal) by pid.
type service struct {
	// tree: the server is a process tree with shared memory (PostgreSQL).
	tree bool

	mu     sync.Mutex
	pid    int
	last   procSample
	usage  usage
	starts int
}

func (s *service) attach(pid int) {
	s.mu.Lock()
	s.pid, s.last = pid, procSample{}
	s.starts++
	s.mu.Unlock()
	s.sample()
}

// detach takes a last reading, then stops the server with stop and books
// the reading as the incarnation's total. What the server did between the
// two is lost: a few milliseconds of a kill.
func (s *service) detach(stop func()) {
	s.sample()
	stop()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pid == 0 {
		return
	}
	s.usage.cpu += s.last.cpu
	s.usage.peak = max(s.usage.peak, s.peakOf(s.last))
	s.pid, s.last = 0, procSample{}
}

func (s *service) peakOf(p procSample) int64 {
	if s.tree {
		return p.rssAnon + p.rssShmem
	}
	return p.hwm
}

func (s *service) sample() {
	s.mu.Lock()
	pid := s.pid
	s.mu.Unlock()
	if pid == 0 {
		return
	}
	p, err := treeSample(pid)
	if err != nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pid != pid {
		return
	}
	if s.tree {
		// Keep the largest memory reading, the latest CPU.
		p.rssAnon, p.rssShmem = bigger(s.last, p)
	}
	s.last = p
}

func bigger(a, b procSample) (int64, int64) {
	if a.rssAnon+a.rssShmem > b.rssAnon+b.rssShmem {
		return a.rssAnon, a.rssShmem
	}
	return b.rssAnon, b.rssShmem
}

func (s *service) stats(role Role) Stats {
	s.sample()
	s.mu.Lock()
	defer s.mu.Unlock()
	st := Stats{Role: role, Pid: s.pid, Starts: s.starts, CPUSeconds: s.usage.cpu, PeakRSSBytes: s.usage.peak}
	if s.pid != 0 {
		st.CPUSeconds += s.last.cpu
		st.PeakRSSBytes = max(st.PeakRSSBytes, s.peakOf(s.last))
	}
	return st
}

// sampler reads every live process periodically, so that peaks between
// Stats calls are seen and a server that dies on its own has a last reading.
func (c *Cluster) sampler() {
	t := time.NewTicker(c.opts.SampleEvery)
	defer t.Stop()
	for {
		select {
		case <-c.stopped:
			return
		case <-t.C:
		}
		c.pgStat.sample()
		c.tStat.sample()
		for _, m := range c.apis {
			m.sample()
		}
		for _, m := range c.workers {
			m.sample()
		}
	}
}

// waitPolling waits until the worker incarnation ch polls the task queue:
// Temporal lists a poller whose identity starts with its pid (the SDK's
// default identity is pid@host@).
func (c *Cluster) waitPolling(ctx context.Context, ch *child) error {
	prefix := strconv.Itoa(ch.cmd.Process.Pid) + "@"
	var last error
	for {
		last = c.hasPoller(ctx, prefix)
		if last == nil {
			return nil
		}
		select {
		case <-ch.done:
			return fmt.Errorf("exited before polling (last: %w)", last)
		case <-ctx.Done():
			return fmt.Errorf("not polling: %w (last: %w)", ctx.Err(), last)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func (c *Cluster) hasPoller(ctx context.Context, prefix string) error {
	c.startMu.Lock()
	if c.tc == nil {
		tc, err := client.NewLazyClient(client.Options{HostPort: c.temporal.Address(), Logger: quietLogger{}})
		if err != nil {
			c.startMu.Unlock()
			return err
		}
		c.tc = tc
	}
	tc := c.tc
	c.startMu.Unlock()
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	resp, err := tc.DescribeTaskQueue(ctx, workflows.TaskQueue, enumspb.TASK_QUEUE_TYPE_WORKFLOW)
	if err != nil {
		return err
	}
	for _, p := range resp.GetPollers() {
		if strings.HasPrefix(p.GetIdentity(), prefix) {
			return nil
		}
	}
	return fmt.Errorf("no poller %s… on %s yet", prefix, workflows.TaskQueue)
}

// quietLogger drops the readiness client's logs.
type quietLogger struct{}

func (quietLogger) Debug(string, ...any) {}
func (quietLogger) Info(string, ...any)  {}
func (quietLogger) Warn(string, ...any)  {}
func (quietLogger) Error(string, ...any) {}
