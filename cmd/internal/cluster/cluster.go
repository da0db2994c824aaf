// Package cluster runs the whole stack as separate OS processes on one
// machine, so that each can be measured and killed: PostgreSQL, the Temporal
// dev server with its SQLite database on disk, and any number of `wab serve`
// and `wab worker` processes, configured through their environment exactly
// as a deployment would be. `wab chaos`, `wab bench` and their tests use it.
//
// Everything lives under one run directory: postgres/ (the cluster),
// temporal.db, and logs/<role>-<i>.log (one file per process, appended
// across restarts; nothing is printed to the caller's stdout).
package cluster

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"go.temporal.io/sdk/client"

	"github.com/wabuilder/wab/db"
	"github.com/wabuilder/wab/db/secret"
	"github.com/wabuilder/wab/deploy/localstack"
	"github.com/wabuilder/wab/workflows"
)

// Role is a kind of process in the cluster.
type Role string

// Roles. There is one PostgreSQL and one Temporal server; API and worker
// processes are numbered from 0.
const (
	Postgres Role = "postgres"
	Temporal Role = "temporal"
	API      Role = "api"
	Worker   Role = "worker"
)

// Database is the application database's name.
const Database = "whatsapp_builder"

// AdminEmail is the bootstrap admin; its password is Cluster.AdminPassword.
const AdminEmail = "admin@example.com"

// Options configure a cluster. Zero values take the defaults in brackets.
type Options struct {
	// Binary is the wab executable to run [os.Executable()].
	Binary string
	// Dir is the run directory; it is created if missing.
	Dir string
	// APIs and Workers are how many of each process to run [1, 1].
	APIs, Workers int
	// PostgresFast turns off fsync (tests); the default is durable.
	PostgresFast bool
	// TemporalConfig is dynamic configuration for the Temporal server
	// (see localstack.TemporalOptions.DynamicConfig).
	TemporalConfig map[string]string
	// ReadyTimeout bounds each wait for a process to become ready [90s].
	ReadyTimeout time.Duration
	// SampleEvery is the period of the /proc sampler that tracks peak memory
	// and the CPU of processes that die on their own [500ms].
	SampleEvery time.Duration
}

// Cluster is a running stack. Its methods are safe for concurrent use.
type Cluster struct {
	opts     Options
	key      string
	adminPW  string
	pg       *localstack.Postgres
	temporal *localstack.Temporal
	pgStat   *service
	tStat    *service
	pool     *pgxpool.Pool
	store    *db.Store
	env      map[string]string

	apis    []*member
	workers []*member
	logs    []*os.File
	tc      client.Client // for readiness checks; dialled lazily

	startMu sync.Mutex // one start or restart of a member at a time
	stopped chan struct{}
	wg      sync.WaitGroup
}

// New prepares a cluster: it chooses the ports (so that APIURL is known
// before anything runs, e.g. to tell a fake Graph API where to send status
// webhooks) and opens the log files. Start runs it.
func New(ctx context.Context, opts Options) (*Cluster, error) {
	if opts.Binary == "" {
		exe, err := os.Executable()
		if err != nil {
			return nil, fmt.Errorf("find the wab binary: %w", err)
		}
		opts.Binary = exe
	}
	if opts.Dir == "" {
		return nil, errors.New("cluster: Options.Dir is required")
	}
	opts.APIs = max(opts.APIs, 1)
	opts.Workers = max(opts.Workers, 1)
	if opts.ReadyTimeout <= 0 {
		opts.ReadyTimeout = 90 * time.Second
	}
	if opts.SampleEvery <= 0 {
		opts.SampleEvery = 500 * time.Millisecond
	}
	if err := os.MkdirAll(filepath.Join(opts.Dir, "logs"), 0o755); err != nil {
		return nil, fmt.Errorf("create run directory: %w", err)
	}
	// A run directory may be reused (its database keeps sealed account
	// secrets), so its keys are kept with it.
	key, err := keptSecret(opts.Dir, "encryption-key", 32)
	if err != nil {
		return nil, err
	}
	adminPW, err := keptSecret(opts.Dir, "admin-password", 12)
	if err != nil {
		return nil, err
	}
	c := &Cluster{opts: opts, key: key, adminPW: adminPW, stopped: make(chan struct{})}
	taken := map[int]bool{}
	for _, role := range []Role{API, Worker} {
		n := opts.APIs
		if role == Worker {
			n = opts.Workers
		}
		for i := range n {
			m := &member{role: role, index: i}
			var err error
			if m.port, err = freePort(ctx, taken); err != nil {
				c.closeLogs()
				return nil, err
			}
			if m.metricsPort, err = freePort(ctx, taken); err != nil {
				c.closeLogs()
				return nil, err
			}
			if m.log, err = c.openLog(string(role) + "-" + strconv.Itoa(i)); err != nil {
				c.closeLogs()
				return nil, err
			}
			if role == API {
				c.apis = append(c.apis, m)
			} else {
				c.workers = append(c.workers, m)
			}
		}
	}
	return c, nil
}

// Start brings up PostgreSQL and Temporal, then the API processes (the first
// alone: it applies the migrations) and the workers, each with env on top of
// the cluster's own settings (typically the WHATSAPP_* variables of the
// business number and its Graph API). It returns once every API answers
// /health/readiness and every worker polls its task queue. On error the
// caller still calls Stop.
func (c *Cluster) Start(ctx context.Context, env map[string]string) error {
	pgLog, err := c.openLog("postgres")
	if err != nil {
		return err
	}
	c.pg, err = localstack.StartPostgres(ctx, localstack.PostgresOptions{
		DataDir: filepath.Join(c.opts.Dir, "postgres"), Fast: c.opts.PostgresFast, Output: pgLog,
	})
	if err != nil {
		return fmt.Errorf("start PostgreSQL (log in %s): %w", c.opts.Dir, err)
	}
	c.pgStat = &service{tree: true}
	c.pgStat.attach(c.pg.Pid())
	if err := c.pg.CreateDatabase(ctx, Database); err != nil {
		return err
	}
	tLog, err := c.openLog("temporal")
	if err != nil {
		return err
	}
	c.temporal, err = localstack.StartTemporal(ctx, localstack.TemporalOptions{
		DBFile: filepath.Join(c.opts.Dir, "temporal.db"), SearchAttributes: workflows.SearchAttributeTypes,
		DynamicConfig: c.opts.TemporalConfig, Output: tLog,
	})
	if err != nil {
		return fmt.Errorf("start the Temporal dev server (log in %s): %w", c.opts.Dir, err)
	}
	c.tStat = &service{}
	c.tStat.attach(c.temporal.Pid())
	c.wg.Go(c.sampler)

	c.env = map[string]string{
		"DATABASE_URL":                c.pg.URL(Database),
		"TEMPORAL_ADDRESS":            c.temporal.Address(),
		"ENCRYPTION_KEY":              c.key,
		"MIGRATE_ON_START":            "true",
		"ADMIN_EMAIL":                 AdminEmail,
		"ADMIN_PASSWORD":              c.adminPW,
		"REST_ALLOW_PRIVATE_NETWORKS": "true",
		"LOG_FORMAT":                  "text",
		"SHUTDOWN_TIMEOUT":            "5s",
	}
	for k, v := range env {
		c.env[k] = v
	}
	if err := c.startMember(ctx, c.apis[0]); err != nil {
		return err
	}
	if err := c.openStore(ctx); err != nil {
		return err
	}
	rest := append(append([]*member{}, c.apis[1:]...), c.workers...)
	errs := make([]error, len(rest))
	var wg sync.WaitGroup
	for i, m := range rest {
		wg.Go(func() { errs[i] = c.startMember(ctx, m) })
	}
	wg.Wait()
	return errors.Join(errs...)
}

func (c *Cluster) openStore(ctx context.Context) error {
	pool, err := pgxpool.New(ctx, c.pg.URL(Database))
	if err != nil {
		return fmt.Errorf("open database pool: %w", err)
	}
	raw, _ := base64.StdEncoding.DecodeString(c.key)
	box, err := secret.NewBox(raw)
	if err != nil {
		pool.Close()
		return err
	}
	c.pool, c.store = pool, db.New(pool, box)
	return nil
}

// startMember starts one incarnation and waits until it is ready.
func (c *Cluster) startMember(ctx context.Context, m *member) error {
	c.startMu.Lock()
	env := map[string]string{}
	for k, v := range c.env {
		env[k] = v
	}
	args := []string{"worker"}
	if m.role == API {
		args = []string{"serve"}
	}
	env["PORT"] = strconv.Itoa(m.port)
	env["METRICS_PORT"] = strconv.Itoa(m.metricsPort)
	err := m.start(c.opts.Binary, args, env)
	c.startMu.Unlock()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, c.opts.ReadyTimeout)
	defer cancel()
	ch := m.running()
	if ch == nil {
		return fmt.Errorf("%s exited at once (log: %s)", m.name(), m.log.Name())
	}
	if m.role == API {
		err = waitHTTP(ctx, ch, c.APIURL(m.index)+"/health/readiness")
	} else {
		err = c.waitPolling(ctx, ch)
	}
	if err != nil {
		return fmt.Errorf("%s not ready (log: %s): %w", m.name(), m.log.Name(), err)
	}
	return nil
}

// Kill ends process i of role with SIGKILL, as a crash or an OOM kill would,
// and returns once it is gone. The index of Postgres and Temporal is 0.
func (c *Cluster) Kill(role Role, i int) error {
	switch role {
	case Temporal:
		c.tStat.detach(c.temporal.Kill)
		return nil
	case Postgres:
		c.pgStat.detach(c.pg.Kill)
		return nil
	}
	m, err := c.member(role, i)
	if err != nil {
		return err
	}
	return m.signal(syscall.SIGKILL, 0)
}

// Restart starts process i of role again, with the same port, state and
// environment, and waits until it is ready. It fails if it is running.
func (c *Cluster) Restart(ctx context.Context, role Role, i int) error {
	switch role {
	case Temporal:
		if err := c.temporal.Restart(ctx); err != nil {
			return fmt.Errorf("restart Temporal: %w", err)
		}
		c.tStat.attach(c.temporal.Pid())
		return nil
	case Postgres:
		return errors.New("cluster: PostgreSQL cannot be restarted")
	}
	m, err := c.member(role, i)
	if err != nil {
		return err
	}
	return c.startMember(ctx, m)
}

// Stop ends every process (the application first, with SIGTERM and a short
// grace period, then Temporal and PostgreSQL) and closes the logs. Stats
// still answer afterwards. It is safe to call more than once.
func (c *Cluster) Stop() {
	select {
	case <-c.stopped:
		return
	default:
	}
	var wg sync.WaitGroup
	for _, m := range append(append([]*member{}, c.apis...), c.workers...) {
		if m.running() != nil {
			wg.Go(func() { _ = m.signal(syscall.SIGTERM, 10*time.Second) })
		}
	}
	wg.Wait()
	if c.pool != nil {
		c.pool.Close()
	}
	if c.tc != nil {
		c.tc.Close()
	}
	if c.temporal != nil {
		c.tStat.detach(c.temporal.Stop)
	}
	if c.pg != nil {
		c.pgStat.detach(c.pg.Stop)
	}
	close(c.stopped)
	c.wg.Wait()
	c.closeLogs()
}

// APIURL is the base URL of API process i (http://127.0.0.1:port).
func (c *Cluster) APIURL(i int) string {
	return "http://127.0.0.1:" + strconv.Itoa(c.apis[i].port)
}

// APIURLs are the base URLs of every API process.
func (c *Cluster) APIURLs() []string {
	out := make([]string, len(c.apis))
	for i := range c.apis {
		out[i] = c.APIURL(i)
	}
	return out
}

// DatabaseURL is the application database's connection string.
func (c *Cluster) DatabaseURL() string { return c.pg.URL(Database) }

// TemporalAddress is the Temporal frontend's host:port.
func (c *Cluster) TemporalAddress() string { return c.temporal.Address() }

// TemporalMetricsURL is the Temporal server's Prometheus endpoint.
func (c *Cluster) TemporalMetricsURL() string { return c.temporal.MetricsURL() }

// Pool is a connection pool to the application database (after Start).
func (c *Cluster) Pool() *pgxpool.Pool { return c.pool }

// Store is the application store over Pool, with the cluster's encryption key.
func (c *Cluster) Store() *db.Store { return c.store }

// AdminPassword is the bootstrap admin's password.
func (c *Cluster) AdminPassword() string { return c.adminPW }

// Dir is the run directory.
func (c *Cluster) Dir() string { return c.opts.Dir }

// Count is how many processes of role the cluster runs.
func (c *Cluster) Count(role Role) int {
	switch role {
	case API:
		return len(c.apis)
	case Worker:
		return len(c.workers)
	}
	return 1
}

// Unexpected lists the application processes that ended without being
// killed or stopped by the cluster (a crash is a finding, not noise).
func (c *Cluster) Unexpected() []string {
	var out []string
	for _, m := range append(append([]*member{}, c.apis...), c.workers...) {
		m.mu.Lock()
		out = append(out, m.exitErr...)
		m.mu.Unlock()
	}
	return out
}

func (c *Cluster) member(role Role, i int) (*member, error) {
	var ms []*member
	switch role {
	case API:
		ms = c.apis
	case Worker:
		ms = c.workers
	default:
		return nil, fmt.Errorf("cluster: unknown role %q", role)
	}
	if i < 0 || i >= len(ms) {
		return nil, fmt.Errorf("cluster: no %s %d (have %d)", role, i, len(ms))
	}
	return ms[i], nil
}

func (c *Cluster) openLog(name string) (*os.File, error) {
	f, err := os.OpenFile(filepath.Join(c.opts.Dir, "logs", name+".log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open log: %w", err)
	}
	c.logs = append(c.logs, f)
	return f, nil
}

func (c *Cluster) closeLogs() {
	for _, f := range c.logs {
		_ = f.Close()
	}
	c.logs = nil
}

// freePort is a free port not handed out before in this cluster.
func freePort(ctx context.Context, taken map[int]bool) (int, error) {
	for {
		p, err := localstack.FreePort(ctx)
		if err != nil || !taken[p] {
			taken[p] = true
			return p, err
		}
	}
}

// keptSecret reads dir/name, or creates it with a random value of n bytes.
func keptSecret(dir, name string, n int) (string, error) {
	path := filepath.Join(dir, name)
	if b, err := os.ReadFile(path); err == nil && len(strings.TrimSpace(string(b))) > 0 {
		return strings.TrimSpace(string(b)), nil
	} else if err != nil && !errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("read %s: %w", path, err)
	}
	v := randomKey(n)
	if err := os.WriteFile(path, []byte(v+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("write %s: %w", path, err)
	}
	return v, nil
}

func randomKey(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	if n == 32 {
		return base64.StdEncoding.EncodeToString(b)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}
