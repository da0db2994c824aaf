package localstack

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// PostgresOptions says where a cluster lives and how it runs.
type PostgresOptions struct {
	// DataDir holds the cluster; it is created with initdb when empty.
	DataDir string
	// Port to listen on (127.0.0.1 only). Zero picks a free one.
	Port int
	// Fast trades durability for speed (fsync off); for tests only.
	Fast bool
	// Output receives the server's log; nil discards it.
	Output io.Writer
}

// Postgres is a running PostgreSQL server started by this process.
type Postgres struct {
	opts PostgresOptions
	proc *process
}

// StartPostgres initialises the cluster if needed and starts the server. When the
// process runs as root, the cluster is owned by and run as the `postgres` user,
// because initdb and postgres refuse to run as root.
func StartPostgres(ctx context.Context, opts PostgresOptions) (*Postgres, error) {
	bin, err := PostgresBinDir()
	if err != nil {
		return nil, err
	}
	if opts.Output == nil {
		opts.Output = io.Discard
	}
	if opts.Port == 0 {
		if opts.Port, err = FreePort(ctx); err != nil {
			return nil, err
		}
	}
	cred, err := postgresCredential()
	if err != nil {
		return nil, err
	}
	if err := initCluster(ctx, bin, opts.DataDir, cred, opts.Output); err != nil {
		return nil, err
	}
	args := []string{
		"-D", opts.DataDir,
		"-p", strconv.Itoa(opts.Port),
		"-c", "listen_addresses=127.0.0.1",
		"-c", "unix_socket_directories=",
		"-c", "max_connections=200",
	}
	if opts.Fast {
		args = append(args, "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off")
	}
	// A stale pid file from a killed run would stop the server from starting.
	_ = removeStalePid(opts.DataDir)
	proc, err := startProcess("postgres", cred, opts.Output, filepath.Join(bin, "postgres"), args...)
	if err != nil {
		return nil, err
	}
	pg := &Postgres{opts: opts, proc: proc}
	waitCtx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	if err := proc.waitReady(waitCtx, pg.ping); err != nil {
		pg.Stop()
		return nil, err
	}
	return pg, nil
}

// Port is the TCP port the server listens on.
func (p *Postgres) Port() int { return p.opts.Port }

// Pid is the postmaster's process id (its backends are its children).
func (p *Postgres) Pid() int { return p.proc.cmd.Process.Pid }

// URL returns a connection string for database name as the superuser.
func (p *Postgres) URL(database string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", p.opts.Port, database)
}

// CreateDatabase creates database name if it does not exist yet.
func (p *Postgres) CreateDatabase(ctx context.Context, name string) error {
	conn, err := pgx.Connect(ctx, p.URL("postgres"))
	if err != nil {
		return fmt.Errorf("connect to postgres: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		return fmt.Errorf("look up database %s: %w", name, err)
	}
	if exists {
		return nil
	}
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return fmt.Errorf("create database %s: %w", name, err)
	}
	return nil
}

// Stop shuts the server down (fast mode: running transactions are rolled back).
func (p *Postgres) Stop() { p.proc.stop(syscall.SIGINT, 30*time.Second) }

// Kill ends the server with SIGKILL, as a crash would.
func (p *Postgres) Kill() { p.proc.stop(syscall.SIGKILL, 0) }

func (p *Postgres) ping(ctx context.Context) error {
	conn, err := pgx.Connect(ctx, p.URL("postgres"))
	if err != nil {
		return err
	}
	return conn.Close(ctx)
}

func initCluster(ctx context.Context, bin, dir string, cred *syscall.Credential, out io.Writer) error {
	if fileExists(filepath.Join(dir, "PG_VERSION")) {
		return nil
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	if cred != nil {
		if err := os.Chown(dir, int(cred.Uid), int(cred.Gid)); err != nil {
			return fmt.Errorf("give %s to the postgres user: %w", dir, err)
		}
		if err := allowTraverse(dir); err != nil {
			return err
		}
	}
	cmd := exec.CommandContext(ctx, filepath.Join(bin, "initdb"), //nolint:gosec // bin comes from PostgresBinDir.
		"-D", dir, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("initdb %s: %w", dir, err)
	}
	return nil
}

// allowTraverse makes every parent of dir searchable, so the postgres user can
// reach a cluster inside a root-owned temporary directory.
func allowTraverse(dir string) error {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	for d := filepath.Dir(abs); d != "/" && d != "."; d = filepath.Dir(d) {
		st, err := os.Stat(d)
		if err != nil {
			return err
		}
		if st.Mode().Perm()&0o001 == 0 {
			if err := os.Chmod(d, st.Mode().Perm()|0o711); err != nil {
				return fmt.Errorf("let the postgres user reach %s: %w", d, err)
			}
		}
	}
	return nil
}

func removeStalePid(dir string) error {
	pidFile := filepath.Join(dir, "postmaster.pid")
	data, err := os.ReadFile(pidFile)
	if err != nil {
		return err
	}
	var pid int
	if _, err := fmt.Sscanf(string(data), "%d", &pid); err == nil && pid > 0 {
		if syscall.Kill(pid, 0) == nil {
			return nil // still running: let postgres report it
		}
	}
	return os.Remove(pidFile)
}

// postgresCredential is the postgres user's identity when we run as root, else nil.
func postgresCredential() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("running as root needs the postgres user (apt-get install postgresql): %w", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil //nolint:gosec // uids fit in uint32.
}

// PostgresBinDir finds the server binaries: $PG_BINDIR, else the newest
// /usr/lib/postgresql/*/bin, else the directory of pg_ctl on PATH.
func PostgresBinDir() (string, error) {
	if dir := os.Getenv("PG_BINDIR"); dir != "" {
		return dir, nil
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return pgMajor(dirs[i]) > pgMajor(dirs[j]) })
	for _, d := range dirs {
		if fileExists(filepath.Join(d, "initdb")) && fileExists(filepath.Join(d, "postgres")) {
			return d, nil
		}
	}
	if p, err := exec.LookPath("pg_ctl"); err == nil {
		return filepath.Dir(p), nil
	}
	return "", fmt.Errorf("PostgreSQL server binaries %w (apt-get install postgresql, or set PG_BINDIR)", ErrNotInstalled)
}

func pgMajor(binDir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return n
}
