package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/wabuilder/wab/activities/whatsapp/sandbox"
	"github.com/wabuilder/wab/deploy/localstack"
	"github.com/wabuilder/wab/workflows"
)

// Default ports of the local stack, fixed so bookmarks and the Temporal UI link
// stay the same across runs. PostgreSQL avoids 5432 to leave a system server alone.
const (
	stackPostgresPort = 54329
	stackTemporalPort = 7233
	stackTemporalUI   = 8233
	stackDatabase     = "whatsapp_builder"
	stackAdminEmail   = "admin@example.com"
)

// stackPorts are the ports the stack listens on (flags of `wab dev`).
type stackPorts struct {
	postgres, temporal, temporalUI, sandbox int
}

// stack is the PostgreSQL cluster and Temporal dev server of `wab dev -stack`,
// with their state under one directory (.data by default) so a restart keeps
// conversations. Processes found already running there are reused, not owned.
type stack struct {
	dir      string
	ports    stackPorts
	pg       *localstack.Postgres
	temporal *localstack.Temporal
	pgURL    string
	tAddr    string
	uiURL    string
	logs     []io.Closer

	sandbox       *sandbox.RunningServer
	sandboxSecret string
}

func startStack(ctx context.Context, dir string, ports stackPorts) (*stack, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create %s: %w", dir, err)
	}
	s := &stack{dir: dir, ports: ports}
	if err := s.startPostgres(ctx); err != nil {
		s.stop() //nolint:contextcheck // shutdown must outlive the cancelled run context.
		return nil, err
	}
	if err := s.startTemporal(ctx); err != nil {
		s.stop() //nolint:contextcheck // shutdown must outlive the cancelled run context.
		return nil, err
	}
	return s, nil
}

func (s *stack) startPostgres(ctx context.Context) error {
	dataDir := filepath.Join(s.dir, "postgres")
	if port, ok := runningPostgres(ctx, dataDir); ok {
		s.pgURL = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", port, stackDatabase)
		return nil
	}
	if localstack.PortInUse(ctx, s.ports.postgres) {
		return fmt.Errorf("port %d is taken by another program; stop it, pass -pg-port, or set DATABASE_URL to your own PostgreSQL", s.ports.postgres)
	}
	out, err := s.logFile("postgres.log")
	if err != nil {
		return err
	}
	pg, err := localstack.StartPostgres(ctx, localstack.PostgresOptions{DataDir: dataDir, Port: s.ports.postgres, Output: out})
	if err != nil {
		return fmt.Errorf("start PostgreSQL (log: %s): %w", filepath.Join(s.dir, "postgres.log"), err)
	}
	s.pg = pg
	if err := pg.CreateDatabase(ctx, stackDatabase); err != nil {
		return err
	}
	s.pgURL = pg.URL(stackDatabase)
	return nil
}

func (s *stack) startTemporal(ctx context.Context) error {
	s.tAddr = "127.0.0.1:" + strconv.Itoa(s.ports.temporal)
	s.uiURL = "http://localhost:" + strconv.Itoa(s.ports.temporalUI)
	if localstack.PortInUse(ctx, s.ports.temporal) {
		// Another dev server (or the user's own) is up: use it as it is.
		return nil
	}
	out, err := s.logFile("temporal.log")
	if err != nil {
		return err
	}
	t, err := localstack.StartTemporal(ctx, localstack.TemporalOptions{
		Port:             s.ports.temporal,
		UIPort:           s.ports.temporalUI,
		DBFile:           filepath.Join(s.dir, "temporal.db"),
		SearchAttributes: workflows.SearchAttributeTypes,
		Output:           out,
	})
	if err != nil {
		return fmt.Errorf("start the Temporal dev server (log: %s): %w", filepath.Join(s.dir, "temporal.log"), err)
	}
	s.temporal = t
	return nil
}

// env is the configuration the stack implies. Variables the user set win.
func (s *stack) env(getenv func(string) string) (map[string]string, error) {
	key, err := s.persistentSecret("encryption.key", 32)
	if err != nil {
		return nil, err
	}
	pw, err := s.persistentSecret("admin-password", 12)
	if err != nil {
		return nil, err
	}
	env := map[string]string{
		"DATABASE_URL":     s.pgURL,
		"TEMPORAL_ADDRESS": s.tAddr,
		"ENCRYPTION_KEY":   key,
		"MIGRATE_ON_START": "true",
		"ADMIN_EMAIL":      stackAdminEmail,
		"ADMIN_PASSWORD":   pw,
		"LOG_FORMAT":       "text",
	}
	sb, err := s.sandboxEnv(getenv)
	if err != nil {
		return nil, err
	}
	for k, v := range sb {
		env[k] = v
	}
	return env, nil
}

// stop ends the processes this stack started (Temporal first: it may still be
// flushing to disk while PostgreSQL is unaffected).
func (s *stack) stop() {
	if s.sandbox != nil {
		_ = s.sandbox.Close()
	}
	if s.temporal != nil {
		s.temporal.Stop()
	}
	if s.pg != nil {
		s.pg.Stop()
	}
	for _, l := range s.logs {
		_ = l.Close()
	}
}

func (s *stack) logFile(name string) (io.Writer, error) {
	f, err := os.OpenFile(filepath.Join(s.dir, name), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open log %s: %w", name, err)
	}
	s.logs = append(s.logs, f)
	return f, nil
}

// persistentSecret reads dir/name, creating it with n random bytes the first time.
func (s *stack) persistentSecret(name string, n int) (string, error) {
	path := filepath.Join(s.dir, name)
	if b, err := os.ReadFile(path); err == nil {
		return strings.TrimSpace(string(b)), nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("read %s: %w", path, err)
	}
	buf := make([]byte, n)
	_, _ = rand.Read(buf)
	v := base64.RawURLEncoding.EncodeToString(buf)
	if n == 32 {
		v = base64.StdEncoding.EncodeToString(buf)
	}
	if err := os.WriteFile(path, []byte(v+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("write %s: %w", path, err)
	}
	return v, nil
}

// runningPostgres reports the port of a server already running on dataDir.
func runningPostgres(ctx context.Context, dataDir string) (int, bool) {
	f, err := os.Open(filepath.Join(dataDir, "postmaster.pid"))
	if err != nil {
		return 0, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	var lines []string
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	// postmaster.pid: pid, data dir, start time, port, ...
	if len(lines) < 4 {
		return 0, false
	}
	port, err := strconv.Atoi(strings.TrimSpace(lines[3]))
	if err != nil || !localstack.PortInUse(ctx, port) {
		return 0, false
	}
	return port, true
}
