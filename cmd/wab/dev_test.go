package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/wabuilder/wab/db/dbtest"
	"github.com/wabuilder/wab/deploy/localstack"
	"github.com/wabuilder/wab/workflows"
)

// syncBuffer is a bytes.Buffer safe for the process's writers and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// started is a `wab` process run in-process, stopped like Ctrl-C does.
type started struct {
	cancel context.CancelFunc
	done   chan int
	out    *syncBuffer
	base   string
}

func start(t *testing.T, env map[string]string, args ...string) *started {
	t.Helper()
	port, err := localstack.FreePort(context.Background())
	require.NoError(t, err)
	return startOnPort(t, port, env, args...)
}

// startOnPort runs `wab args…` in-process with the API on port.
func startOnPort(t *testing.T, port int, env map[string]string, args ...string) *started {
	t.Helper()
	env["PORT"] = strconv.Itoa(port)
	ctx, cancel := context.WithCancel(context.Background())
	s := &started{cancel: cancel, done: make(chan int, 1), out: &syncBuffer{}, base: fmt.Sprintf("http://127.0.0.1:%d", port)}
	go func() { s.done <- run(ctx, args, mapEnv(env), s.out, s.out) }()
	t.Cleanup(func() { s.stop(t) })
	return s
}

// stop cancels the context (Ctrl-C) and requires a clean exit.
func (s *started) stop(t *testing.T) {
	t.Helper()
	if s.cancel == nil {
		return
	}
	s.cancel()
	s.cancel = nil
	select {
	case code := <-s.done:
		require.Equal(t, exitOK, code, s.out.String())
	case <-time.After(60 * time.Second):
		t.Fatalf("process did not stop within 60s; output:\n%s", s.out.String())
	}
}

type healthBody struct {
	Status string                       `json:"status"`
	Info   map[string]map[string]any    `json:"info"`
	Error  map[string]map[string]string `json:"error"`
}

// waitHealth polls /health until it answers want, or fails the test.
func (s *started) waitHealth(t *testing.T, want int) healthBody {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	var last string
	for time.Now().Before(deadline) {
		select {
		case code := <-s.done:
			t.Fatalf("process exited with %d; output:\n%s", code, s.out.String())
		default:
		}
		req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, s.base+"/health", nil)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			var b healthBody
			_ = json.NewDecoder(resp.Body).Decode(&b)
			_ = resp.Body.Close()
			if resp.StatusCode == want {
				return b
			}
			last = fmt.Sprintf("status %d: %+v", resp.StatusCode, b)
		} else {
			last = err.Error()
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("/health never answered %d (last: %s); output:\n%s", want, last, s.out.String())
	return healthBody{}
}

// waitOutput waits until the process has logged text.
func (s *started) waitOutput(t *testing.T, text string) {
	t.Helper()
	require.Eventually(t, func() bool { return strings.Contains(s.out.String(), text) }, 60*time.Second, 50*time.Millisecond,
		"never logged %q; output:\n%s", text, s.out.String())
}

func startTemporal(t *testing.T) *localstack.Temporal {
	t.Helper()
	tmp, err := localstack.StartTemporal(context.Background(), localstack.TemporalOptions{SearchAttributes: workflows.SearchAttributeTypes})
	require.NoError(t, err, "the Temporal dev server must start for integration tests (run `make tools`)")
	t.Cleanup(tmp.Stop)
	return tmp
}

// TestDev_HealthFollowsDependencies runs API + worker against a real
// PostgreSQL and a real Temporal server, then takes Temporal away.
func TestDev_HealthFollowsDependencies(t *testing.T) {
	t.Parallel()
	tmp := startTemporal(t)
	dbURL := dbtest.NewDatabase(context.Background(), t)
	s := start(t, map[string]string{
		"DATABASE_URL":                  dbURL,
		"MIGRATE_ON_START":              "true",
		"TEMPORAL_ADDRESS":              tmp.Address(),
		"ENCRYPTION_KEY":                testKey,
		"ADMIN_EMAIL":                   "boss@example.com",
		"ADMIN_PASSWORD":                "long enough password",
		"WHATSAPP_PHONE_NUMBER_ID":      "106540352242922",
		"WHATSAPP_ACCESS_TOKEN":         "EAAG-very-secret-token",
		"WHATSAPP_APP_SECRET":           "app-secret-value",
		"WHATSAPP_WEBHOOK_VERIFY_TOKEN": "verify-me",
		"LOG_LEVEL":                     "debug",
	}, "dev")

	h := s.waitHealth(t, http.StatusOK)
	require.Equal(t, "up", h.Info["database"]["status"])
	require.Equal(t, "up", h.Info["temporal"]["status"])

	// The bootstrap created the admin and the business number, secrets sealed.
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dbURL)
	require.NoError(t, err)
	defer conn.Close(ctx)
	var role string
	require.NoError(t, conn.QueryRow(ctx, "SELECT role FROM users WHERE email = 'boss@example.com'").Scan(&role))
	require.Equal(t, "admin", role)
	var token []byte
	require.NoError(t, conn.QueryRow(ctx, "SELECT access_token_enc FROM accounts WHERE phone_number_id = '106540352242922'").Scan(&token))
	require.NotContains(t, string(token), "very-secret")

	s.waitOutput(t, "worker polling")
	tmp.Kill()
	h = s.waitHealth(t, http.StatusServiceUnavailable)
	require.Equal(t, "down", h.Error["temporal"]["status"])
	require.Equal(t, "up", h.Info["database"]["status"])

	s.stop(t)
	for _, secret := range []string{"EAAG-very-secret-token", "app-secret-value", "verify-me", "long enough password"} {
		require.NotContains(t, s.out.String(), secret, "secrets never reach the logs")
	}
}

// TestDevStack_MakeRun is what `make run` does: start PostgreSQL and Temporal
// under a data directory, serve, stop on Ctrl-C, and reuse the state next time.
func TestDevStack_MakeRun(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ports := make([]string, 4)
	for i := range ports {
		p, err := localstack.FreePort(context.Background())
		require.NoError(t, err)
		ports[i] = strconv.Itoa(p)
	}
	args := []string{
		"dev", "-stack", "-data", dir, "-pg-port", ports[0], "-temporal-port", ports[1],
		"-temporal-ui-port", ports[2], "-sandbox-port", ports[3],
	}

	s := start(t, map[string]string{}, args...)
	h := s.waitHealth(t, http.StatusOK)
	require.Equal(t, "up", h.Info["temporal"]["status"])
	require.Contains(t, s.out.String(), "Temporal UI  http://localhost:"+ports[2])
	resp, err := http.Get("http://127.0.0.1:" + ports[2]) //nolint:noctx // test probe
	require.NoError(t, err, "the Temporal UI answers")
	_ = resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	pw, err := os.ReadFile(filepath.Join(dir, "admin-password"))
	require.NoError(t, err)
	require.NotContains(t, s.out.String(), strings.TrimSpace(string(pw)), "the password stays in its file")
	require.Contains(t, s.out.String(), filepath.Join(dir, "admin-password"))

	// A customer writes to the sandbox number and the demo bot answers.
	secret, err := os.ReadFile(filepath.Join(dir, "sandbox-app-secret"))
	require.NoError(t, err)
	var transcript syncBuffer
	err = chat(context.Background(), chatConfig{
		appURL: s.base, sandboxURL: "http://127.0.0.1:" + ports[3], phoneNumberID: sandboxPhoneNumberID,
		from: "905550000042", name: "Ada", appSecret: strings.TrimSpace(string(secret)),
		replyWait: 30 * time.Second, quiet: time.Second, pollWait: 5 * time.Second,
	}, strings.NewReader("hi\n2\n"), &transcript)
	require.NoError(t, err)
	require.Contains(t, transcript.String(), "bot: Hi Ada! I am the WhatsApp Builder demo bot.")
	require.Contains(t, transcript.String(), "1) Tell you my name")
	require.Contains(t, transcript.String(), "Which fruit do you like best?")
	s.stop(t)
	for _, p := range ports {
		n, _ := strconv.Atoi(p)
		require.False(t, localstack.PortInUse(context.Background(), n), "port %s still in use after Ctrl-C", p)
	}

	// Second run: same cluster, same key, same admin password.
	s = start(t, map[string]string{}, args...)
	s.waitHealth(t, http.StatusOK)
	pw2, err := os.ReadFile(filepath.Join(dir, "admin-password"))
	require.NoError(t, err)
	require.Equal(t, pw, pw2)
	require.FileExists(t, filepath.Join(dir, "temporal.db"))
	s.stop(t)
}
