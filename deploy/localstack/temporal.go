package localstack

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"syscall"
	"time"

	"go.temporal.io/sdk/client"
)

// TemporalOptions configures a Temporal CLI dev server.
type TemporalOptions struct {
	// Port of the frontend (gRPC). Zero picks a free one.
	Port int
	// UIPort enables the web UI on that port; zero runs headless.
	UIPort int
	// DBFile keeps the server's SQLite state on disk; empty keeps it in memory.
	DBFile string
	// Namespace to create; empty means "default".
	Namespace string
	// SearchAttributes maps attribute name to type (Keyword, Text, Int, …).
	SearchAttributes map[string]string
	// DynamicConfig sets server settings (--dynamic-config-value key=value;
	// values are JSON: 1, true, "text").
	DynamicConfig map[string]string
	// Output receives the server's log; nil discards it.
	Output io.Writer
}

// DevServerTuning is how every dev server of this project runs (here and
// in docker-compose.yml), measured with wab bench and wab chaos.
var DevServerTuning = []string{
	// One node, a handful of pollers: the default 4 partitions per task
	// queue only spread tasks where no poller waits (backlog that then
	// drains slowly).
	"--dynamic-config-value=matching.numTaskqueueReadPartitions=1",
	"--dynamic-config-value=matching.numTaskqueueWritePartitions=1",
	// The CLI cuts the server's mutable-state cache to 8,096 entries, and
	// each workflow takes two (its run and its "current run" lookup):
	// past 4,048 conversations, a waiting one's next message first
	// reloads its state from SQLite. 250,000 keeps 125,000 warm.
	"--dynamic-config-value=history.hostLevelCacheMaxSize=250000",
}

// SQLiteTuning applies when the dev server keeps its SQLite file on disk.
var SQLiteTuning = []string{
	// WAL with synchronous=NORMAL survives a killed process (what chaos
	// does); only a power cut can lose the last commits. The default
	// rollback journal fsyncs every write several times.
	"--sqlite-pragma=journal_mode=wal",
	"--sqlite-pragma=synchronous=normal",
	// The server has one SQLite connection. SQLite's default 2 MiB page
	// cache does not hold even the inner B-tree pages of a database with
	// 100,000 conversations (2.4 GB).
	"--sqlite-pragma=cache_size=-262144",
}

// Temporal is a running dev server started by this process.
type Temporal struct {
	opts        TemporalOptions
	metricsPort int // always picked here: nothing needs a fixed one
	bin         string
	proc        *process
}

// StartTemporal starts `temporal server start-dev` and waits until the frontend answers.
func StartTemporal(ctx context.Context, opts TemporalOptions) (*Temporal, error) {
	bin, err := TemporalBin()
	if err != nil {
		return nil, err
	}
	if opts.Output == nil {
		opts.Output = io.Discard
	}
	if opts.Namespace == "" {
		opts.Namespace = "default"
	}
	// Ports picked here may still be taken by the time the server binds
	// them (another process picking at once): then it exits at start, and
	// it is started again on fresh ones.
	pickPort := opts.Port == 0
	for attempt := 1; ; attempt++ {
		if pickPort {
			if opts.Port, err = FreePort(ctx); err != nil {
				return nil, err
			}
		}
		t := &Temporal{opts: opts, bin: bin}
		if t.metricsPort, err = FreePort(ctx); err != nil {
			return nil, err
		}
		err = t.start(ctx)
		if err == nil || !errors.Is(err, errExitedEarly) || attempt == 3 {
			return t, err
		}
	}
}

func (t *Temporal) start(ctx context.Context) error {
	args := []string{
		"server", "start-dev",
		"--ip", "127.0.0.1",
		"--port", strconv.Itoa(t.opts.Port),
		"--metrics-port", strconv.Itoa(t.metricsPort),
		"--namespace", t.opts.Namespace,
		"--log-level", "warn",
		"--dynamic-config-value", "frontend.enableServerVersionCheck=false",
	}
	args = append(args, DevServerTuning...)
	if t.opts.UIPort == 0 {
		args = append(args, "--headless")
	} else {
		args = append(args, "--ui-port", strconv.Itoa(t.opts.UIPort))
	}
	if t.opts.DBFile != "" {
		if err := os.MkdirAll(filepath.Dir(t.opts.DBFile), 0o755); err != nil {
			return fmt.Errorf("create temporal state dir: %w", err)
		}
		args = append(args, "--db-filename", t.opts.DBFile)
		args = append(args, SQLiteTuning...)
	}
	names := make([]string, 0, len(t.opts.SearchAttributes))
	for name := range t.opts.SearchAttributes {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		args = append(args, "--search-attribute", name+"="+t.opts.SearchAttributes[name])
	}
	keys := make([]string, 0, len(t.opts.DynamicConfig))
	for k := range t.opts.DynamicConfig {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		args = append(args, "--dynamic-config-value", k+"="+t.opts.DynamicConfig[k])
	}
	proc, err := startProcess("temporal", nil, t.opts.Output, t.bin, args...)
	if err != nil {
		return err
	}
	t.proc = proc
	waitCtx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	if err := proc.waitReady(waitCtx, t.ping); err != nil {
		t.proc.stop(syscall.SIGKILL, 0)
		return err
	}
	return nil
}

// Address is the frontend host:port for client.Dial.
func (t *Temporal) Address() string { return "127.0.0.1:" + strconv.Itoa(t.opts.Port) }

// MetricsURL is the server's Prometheus endpoint.
func (t *Temporal) MetricsURL() string {
	return "http://127.0.0.1:" + strconv.Itoa(t.metricsPort) + "/metrics"
}

// Pid is the process id of the running server (of the last start).
func (t *Temporal) Pid() int { return t.proc.cmd.Process.Pid }

// Namespace is the namespace the server was started with.
func (t *Temporal) Namespace() string { return t.opts.Namespace }

// UIURL is the web UI address, or "" when headless.
func (t *Temporal) UIURL() string {
	if t.opts.UIPort == 0 {
		return ""
	}
	return "http://localhost:" + strconv.Itoa(t.opts.UIPort)
}

// Stop shuts the server down gracefully.
func (t *Temporal) Stop() { t.proc.stop(syscall.SIGINT, 20*time.Second) }

// Kill ends the server with SIGKILL, as a crash would.
func (t *Temporal) Kill() { t.proc.stop(syscall.SIGKILL, 0) }

// Restart starts the server again on the same port and state after Stop or Kill.
func (t *Temporal) Restart(ctx context.Context) error { return t.start(ctx) }

func (t *Temporal) ping(ctx context.Context) error {
	c, err := client.DialContext(ctx, client.Options{HostPort: t.Address(), Namespace: t.opts.Namespace, Logger: quietLogger{}})
	if err != nil {
		return err
	}
	defer c.Close()
	_, err = c.CheckHealth(ctx, &client.CheckHealthRequest{})
	if err != nil {
		return err
	}
	// The namespace is registered a moment after the frontend answers.
	_, err = c.WorkflowService().DescribeNamespace(ctx, describeNamespace(t.opts.Namespace))
	return err
}

// TemporalBin finds the Temporal CLI: $TEMPORAL_CLI, else bin/temporal in this
// repository (where `make tools` installs the pinned version), else PATH.
func TemporalBin() (string, error) {
	if p := os.Getenv("TEMPORAL_CLI"); p != "" {
		return p, nil
	}
	if root, err := RepoRoot(); err == nil {
		if p := filepath.Join(root, "bin", "temporal"); fileExists(p) {
			return p, nil
		}
	}
	if p, err := exec.LookPath("temporal"); err == nil {
		return p, nil
	}
	return "", fmt.Errorf("the Temporal CLI is %w (run `make tools`, or set TEMPORAL_CLI)", ErrNotInstalled)
}

// RepoRoot walks up from the working directory to the directory holding go.mod.
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if fileExists(filepath.Join(dir, "go.mod")) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod above the working directory")
		}
		dir = parent
	}
}
