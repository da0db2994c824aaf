package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/wabuilder/wab/db/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

var testKey = base64.StdEncoding.EncodeToString([]byte("0123456789abcdef0123456789abcdef"))

// mapEnv is a getenv over a fixed map.
func mapEnv(kv map[string]string) func(string) string { return func(k string) string { return kv[k] } }

func runCmd(t *testing.T, ctx context.Context, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(ctx, args, mapEnv(env), &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func TestRun_Usage(t *testing.T) {
	t.Parallel()
	code, out, _ := runCmd(t, context.Background(), nil)
	require.Equal(t, exitUsage, code)
	for _, c := range []string{"serve", "worker", "migrate", "dev"} {
		require.Contains(t, out, c)
	}
	code, _, _ = runCmd(t, context.Background(), nil, "help")
	require.Equal(t, exitOK, code)
}

func TestRun_BadInvocation(t *testing.T) {
	t.Parallel()
	good := map[string]string{"DATABASE_URL": "postgres://u@127.0.0.1:1/x", "ENCRYPTION_KEY": testKey}
	tests := []usageCase{
		{"unknown command", good, []string{"frobnicate"}, `unknown command "frobnicate"`},
		{"unknown flag", good, []string{"serve", "-nope"}, "serve: flag provided but not defined: -nope"},
		{"stray argument", good, []string{"worker", "extra"}, `worker takes no arguments, got "extra"`},
		{"bad port", map[string]string{"PORT": "http", "DATABASE_URL": good["DATABASE_URL"], "ENCRYPTION_KEY": testKey}, []string{"serve"}, "PORT must be a port number"},
		{"no database", map[string]string{"ENCRYPTION_KEY": testKey}, []string{"worker"}, "DATABASE_URL or DB_HOST"},
		{"no key", map[string]string{"DATABASE_URL": good["DATABASE_URL"]}, []string{"serve"}, "ENCRYPTION_KEY is required"},
		{"bad key", map[string]string{"DATABASE_URL": good["DATABASE_URL"], "ENCRYPTION_KEY": "abc"}, []string{"dev"}, "ENCRYPTION_KEY must be 32 random bytes"},
	}
	requireUsageErrors(t, "", tests)
}

func TestMigrate(t *testing.T) {
	t.Parallel()
	url := dbtest.NewDatabase(context.Background(), t)
	env := map[string]string{"DATABASE_URL": url}
	for range 2 { // idempotent: the second run finds nothing to do
		code, out, stderr := runCmd(t, context.Background(), env, "migrate")
		require.Equal(t, exitOK, code, stderr)
		require.Contains(t, out, "migrations applied")
	}
	var n int
	require.NoError(t, dbtest.Pool(t).QueryRow(context.Background(), "SELECT 1").Scan(&n))
}

func TestMigrate_DatabaseDown(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // no retry budget: fail at once
	code, _, stderr := runCmd(t, ctx, map[string]string{"DATABASE_URL": "postgres://u@127.0.0.1:1/x"}, "migrate")
	require.Equal(t, exitFailure, code)
	require.Contains(t, stderr, "connect to PostgreSQL")
	require.Equal(t, 1, strings.Count(stderr, "\n"), stderr)
}

// usageCase is a bad invocation and the words its one-line error must contain.
type usageCase struct {
	name    string
	env     map[string]string
	args    []string
	wantErr string
}

// requireUsageErrors runs `wab command args…` for each case and requires exit
// code 2 with exactly one line on stderr naming the problem.
func requireUsageErrors(t *testing.T, command string, tests []usageCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			args := tt.args
			if command != "" {
				args = append([]string{command}, args...)
			}
			code, _, stderr := runCmd(t, context.Background(), tt.env, args...)
			require.Equal(t, exitUsage, code, stderr)
			require.Contains(t, stderr, tt.wantErr)
			require.Equal(t, 1, strings.Count(stderr, "\n"), "one line, no stack trace: %q", stderr)
			require.True(t, strings.HasPrefix(stderr, "wab: "), stderr)
		})
	}
}
