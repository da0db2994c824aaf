package dbtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/wabuilder/wab/deploy/localstack"
)

// tempPrefix names the directories of throwaway servers, so stale ones from a
// killed run can be recognised and removed.
const tempPrefix = "wab-dbtest-"

// server is where test databases are created: an existing server named by
// $TEST_DATABASE_URL, or a throwaway one.
type server struct {
	base    *url.URL             // any database on the server; the path is replaced
	pg      *localstack.Postgres // nil for an existing server
	dir     string               // the throwaway server's directory
	created []string             // databases to drop at close (existing server only)
}

func startServer(ctx context.Context) (*server, error) {
	if raw := os.Getenv(EnvURL); raw != "" {
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
			return nil, fmt.Errorf("%s must be a postgres:// URL", EnvURL)
		}
		return &server{base: u}, nil
	}
	removeStaleDirs()
	dir, err := os.MkdirTemp("", tempPrefix)
	if err != nil {
		return nil, fmt.Errorf("create a directory for the test server: %w", err)
	}
	s := &server{dir: dir}
	log := &syncBuffer{}
	pg, err := localstack.StartPostgres(ctx, localstack.PostgresOptions{
		DataDir: filepath.Join(dir, "pgdata"), Fast: true, Output: log,
	})
	if err != nil {
		return s, fmt.Errorf("start a throwaway PostgreSQL: %w\n%s", err, tail(log.String(), 2000))
	}
	s.pg = pg
	s.base, err = url.Parse(pg.URL("postgres"))
	return s, err
}

// close drops what an existing server got, or stops and deletes a throwaway one.
func (s *server) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, name := range s.created {
		if err := s.dropDatabase(ctx, name); err != nil {
			fmt.Fprintf(os.Stderr, "dbtest: drop %s: %v\n", name, err)
		}
	}
	if s.pg != nil {
		s.pg.Stop()
	}
	if s.dir != "" {
		_ = os.RemoveAll(s.dir)
	}
}

func (s *server) urlFor(database string) string {
	u := *s.base
	u.Path = "/" + database
	return u.String()
}

// createDatabase makes an empty database with a name no other run will use.
func (s *server) createDatabase(ctx context.Context) (string, error) {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "wab_test_" + hex.EncodeToString(b)
	if err := s.admin(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return "", fmt.Errorf("create database %s: %w", name, err)
	}
	if s.pg == nil {
		s.created = append(s.created, name)
	}
	return name, nil
}

func (s *server) dropDatabase(ctx context.Context, name string) error {
	return s.admin(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
}

// admin runs a statement on the server's own database; CREATE and DROP
// DATABASE cannot run inside the database they affect.
func (s *server) admin(ctx context.Context, sql string) error {
	conn, err := pgx.Connect(ctx, s.base.String())
	if err != nil {
		return fmt.Errorf("connect to %s: %w", redact(s.base), err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	_, err = conn.Exec(ctx, sql)
	return err
}

func redact(u *url.URL) string { return u.Redacted() }

// removeStaleDirs deletes throwaway servers' directories left by runs that
// were killed (SIGKILL, a test timeout): old ones whose server is gone.
func removeStaleDirs() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), tempPrefix+"*"))
	for _, d := range dirs {
		st, err := os.Stat(d)
		if err != nil || time.Since(st.ModTime()) < 10*time.Minute || serverAlive(d) {
			continue
		}
		_ = os.RemoveAll(d)
	}
}

func serverAlive(dir string) bool {
	data, err := os.ReadFile(filepath.Join(dir, "pgdata", "postmaster.pid"))
	if err != nil {
		return false
	}
	pid, err := strconv.Atoi(strings.TrimSpace(strings.SplitN(string(data), "\n", 2)[0]))
	return err == nil && pid > 0 && syscall.Kill(pid, 0) == nil
}

// syncBuffer collects the server's log; the server writes from its own goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

func tail(s string, n int) string {
	if len(s) > n {
		return "..." + s[len(s)-n:]
	}
	return s
}
