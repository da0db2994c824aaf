package cluster

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"
)

// child is one incarnation of a `wab serve` or `wab worker` process.
type child struct {
	cmd  *exec.Cmd
	done chan struct{}
}

// member is one application process slot (api 0, worker 1, …): it keeps its
// port, environment and log file across restarts, and the resource use of
// every incarnation.
type member struct {
	role  Role
	index int
	// port (PORT) and metricsPort (METRICS_PORT) are the process's own,
	// kept across restarts; a worker serves nothing on PORT.
	port, metricsPort int
	log               *os.File

	mu      sync.Mutex
	cur     *child
	usage   usage // of the incarnations that exited
	last    procSample
	starts  int
	exitErr []string // how incarnations we did not kill ended
}

// usage is what exited incarnations consumed.
type usage struct {
	cpu  float64
	peak int64
}

func (m *member) name() string { return fmt.Sprintf("%s %d", m.role, m.index) }

// start runs a new incarnation of bin with args and env; its output goes to
// the member's log file, after a line saying which incarnation it is.
func (m *member) start(bin string, args []string, env map[string]string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.cur != nil {
		return fmt.Errorf("%s is already running", m.name())
	}
	cmd := exec.Command(bin, args...) //nolint:gosec,noctx // our own binary; its life is managed by Kill/Stop, not a context.
	cmd.Env = environ(env)
	cmd.Stdout, cmd.Stderr = m.log, m.log
	// Pdeathsig: a crashed orchestrator leaves no process behind. Setpgid:
	// a kill reaches the process group, as a container runtime's would.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
	fmt.Fprintf(m.log, "\n==== %s: starting %s %s (incarnation %d)\n", time.Now().Format(time.RFC3339Nano), bin, strings.Join(args, " "), m.starts+1)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", m.name(), err)
	}
	m.starts++
	c := &child{cmd: cmd, done: make(chan struct{})}
	m.cur = c
	m.last = procSample{}
	go m.reap(c)
	return nil
}

// reap waits for an incarnation and books its resource use from the
// kernel's accounting (exact, unlike the last /proc sample).
func (m *member) reap(c *child) {
	err := c.cmd.Wait()
	m.mu.Lock()
	defer m.mu.Unlock()
	if ru, ok := c.cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		m.usage.cpu += tv(ru.Utime) + tv(ru.Stime)
		m.usage.peak = max(m.usage.peak, ru.Maxrss*1024)
	}
	if ws, ok := c.cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		m.exitErr = append(m.exitErr, fmt.Sprintf("%s (pid %d) exited: %v", m.name(), c.cmd.Process.Pid, err))
	}
	if m.cur == c {
		m.cur = nil
	}
	fmt.Fprintf(m.log, "==== %s: pid %d ended: %v\n", time.Now().Format(time.RFC3339Nano), c.cmd.Process.Pid, err)
	close(c.done)
}

func tv(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }

// running returns the live incarnation, or nil.
func (m *member) running() *child {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.cur
}

// signal sends sig to the incarnation's process group and waits up to grace
// for it to end, then kills the group.
func (m *member) signal(sig syscall.Signal, grace time.Duration) error {
	c := m.running()
	if c == nil {
		return fmt.Errorf("%s is not running", m.name())
	}
	_ = syscall.Kill(-c.cmd.Process.Pid, sig)
	select {
	case <-c.done:
	case <-time.After(grace):
		_ = syscall.Kill(-c.cmd.Process.Pid, syscall.SIGKILL)
		<-c.done
	}
	return nil
}

// sample refreshes the last /proc reading of the live incarnation.
func (m *member) sample() {
	c := m.running()
	if c == nil {
		return
	}
	s, err := readProc(c.cmd.Process.Pid)
	if err != nil {
		return
	}
	m.mu.Lock()
	if m.cur == c {
		m.last = s
	}
	m.mu.Unlock()
}

// stats is the member's use so far: exited incarnations plus the live one.
func (m *member) stats() Stats {
	m.sample()
	m.mu.Lock()
	defer m.mu.Unlock()
	st := Stats{Role: m.role, Index: m.index, Starts: m.starts, CPUSeconds: m.usage.cpu, PeakRSSBytes: m.usage.peak}
	if m.cur != nil {
		st.Pid = m.cur.cmd.Process.Pid
		st.CPUSeconds += m.last.cpu + m.last.childCPU
		st.PeakRSSBytes = max(st.PeakRSSBytes, m.last.hwm)
	}
	return st
}

// waitHTTP polls url until it answers 200, the incarnation ends, or ctx ends.
func waitHTTP(ctx context.Context, c *child, url string) error {
	client := &http.Client{Timeout: 2 * time.Second}
	var last error
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		resp, err := client.Do(req)
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("%s answered %d", url, resp.StatusCode)
		}
		last = err
		select {
		case <-c.done:
			return fmt.Errorf("exited before %s answered (last: %w)", url, last)
		case <-ctx.Done():
			return fmt.Errorf("%s: %w (last: %w)", url, ctx.Err(), last)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// environ is the child's whole environment: the few variables a process
// needs from ours (never the app's own settings, which come only from env)
// plus env, sorted for a stable log.
func environ(env map[string]string) []string {
	out := []string{}
	for _, k := range []string{"PATH", "HOME", "TMPDIR", "TZ", "GOCOVERDIR", "GORACE"} {
		if v, ok := os.LookupEnv(k); ok {
			if _, set := env[k]; !set {
				out = append(out, k+"="+v)
			}
		}
	}
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return out
}
