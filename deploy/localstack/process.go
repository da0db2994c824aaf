// Package localstack starts the real PostgreSQL and Temporal dev server processes
// that `make run` and the test harnesses use. Nothing here is a fake: each type
// wraps the upstream binary, on a port of our choosing, with its state on disk.
package localstack

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// process is one child process. Children get SIGKILL when the parent dies
// (Pdeathsig), so a crashed test binary leaves no server behind.
type process struct {
	name string
	cmd  *exec.Cmd
	done chan struct{}
	mu   sync.Mutex
	err  error
}

func startProcess(name string, cred *syscall.Credential, out io.Writer, bin string, args ...string) (*process, error) {
	cmd := exec.Command(bin, args...) //nolint:gosec,noctx // bin is a binary we located; lifetime is managed by Stop/Kill, not a context.
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true, Credential: cred}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &process{name: name, cmd: cmd, done: make(chan struct{})}
	go func() {
		err := cmd.Wait()
		p.mu.Lock()
		p.err = err
		p.mu.Unlock()
		close(p.done)
	}()
	return p, nil
}

// exited reports whether the process has ended, and how.
func (p *process) exited() (bool, error) {
	select {
	case <-p.done:
		p.mu.Lock()
		defer p.mu.Unlock()
		return true, p.err
	default:
		return false, nil
	}
}

// stop sends sig and waits up to grace before killing the whole process group.
func (p *process) stop(sig syscall.Signal, grace time.Duration) {
	_ = syscall.Kill(-p.cmd.Process.Pid, sig)
	select {
	case <-p.done:
	case <-time.After(grace):
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		<-p.done
	}
}

// waitReady polls check until it succeeds, the process exits, or ctx ends.
func (p *process) waitReady(ctx context.Context, check func(context.Context) error) error {
	var last error
	for {
		if ended, err := p.exited(); ended {
			return fmt.Errorf("%s %w: %w", p.name, errExitedEarly, err)
		}
		attempt, cancel := context.WithTimeout(ctx, 2*time.Second)
		last = check(attempt)
		cancel()
		if last == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s not ready: %w (last error: %w)", p.name, ctx.Err(), last)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// errExitedEarly is a process that ended before it answered its readiness check.
var errExitedEarly = errors.New("exited before it was ready")

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago.
// The port is left in TIME_WAIT (a connection closed from the listening
// side), so the kernel does not hand it out again to another bind(:0) for
// a minute, while an explicit bind with SO_REUSEADDR (Go, PostgreSQL)
// still succeeds. The Temporal CLI picks its internal ports the same way;
// without this, it could pick one of ours and fail to start.
func FreePort(ctx context.Context) (int, error) {
	l, err := (&net.ListenConfig{}).Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	port := l.Addr().(*net.TCPAddr).Port
	client, err := (&net.Dialer{}).DialContext(ctx, "tcp", l.Addr().String())
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer client.Close()
	server, err := l.Accept()
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	_ = server.Close() // the listening side closes first: it holds the TIME_WAIT
	return port, nil
}

// PortInUse reports whether something already listens on 127.0.0.1:port.
func PortInUse(ctx context.Context, port int) bool {
	c, err := (&net.Dialer{Timeout: 200 * time.Millisecond}).DialContext(ctx, "tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		return false
	}
	_ = c.Close()
	return true
}

// ErrNotInstalled is returned when a required binary cannot be found.
var ErrNotInstalled = errors.New("not installed")

func fileExists(path string) bool {
	st, err := os.Stat(path)
	return err == nil && !st.IsDir()
}
