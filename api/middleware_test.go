package api_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getsentry/sentry-go"
	"github.com/gofiber/fiber/v2"
	"github.com/stretchr/testify/require"

	"github.com/wabuilder/wab/api"
	"github.com/wabuilder/wab/api/webhook"
	"github.com/wabuilder/wab/db"
	"github.com/wabuilder/wab/db/dbtest"
)

func TestRateLimit_PerPrincipalWithRetryAfter(t *testing.T) {
	t.Parallel()
	e := newAPI(t, func(d *api.Deps) { d.RateLimitPerMinute, d.Log = 3, quiet })
	for i := range 3 {
		res := e.call(http.MethodGet, "/api/auth/me", nil, e.adminToken)
		require.Equal(t, http.StatusOK, res.Status, "request %d", i+1)
		require.Equal(t, strconv.Itoa(2-i), res.Header["X-Ratelimit-Remaining"])
	}
	res := e.call(http.MethodGet, "/api/auth/me", nil, e.adminToken)
	require.Equal(t, http.StatusTooManyRequests, res.Status)
	retry, err := strconv.Atoi(res.Header["Retry-After"])
	require.NoError(t, err, "Retry-After is in seconds: %q", res.Header["Retry-After"])
	require.True(t, retry >= 1 && retry <= 60, "Retry-After %d", retry)
	body := res.JSON(t)["error"].(map[string]any)
	require.Equal(t, "rate_limited", body["code"])
	require.Contains(t, body["message"], res.Header["Retry-After"]+" seconds")

	require.Equal(t, http.StatusOK, e.call(http.MethodGet, "/api/auth/me", nil, e.agentTok).Status, "another user has a budget of their own")

	// An API key of the limited user counts on its own, too.
	created := e.call(http.MethodPost, "/api/auth/api-keys", map[string]any{"name": "ci"}, e.agentTok)
	require.Equal(t, http.StatusCreated, created.Status, "%s", created.Body)
	key, _ := created.JSON(t)["key"].(string)
	require.NotEmpty(t, key, "%s", created.Body)
	for range 3 {
		require.Equal(t, http.StatusOK, e.call(http.MethodGet, "/api/auth/me", nil, key).Status)
	}
	require.Equal(t, http.StatusTooManyRequests, e.call(http.MethodGet, "/api/auth/me", nil, key).Status)

	// Probes and Meta's webhook are never limited.
	for range 5 {
		require.Equal(t, http.StatusOK, e.call(http.MethodGet, "/health/liveness", nil, "").Status)
		require.Equal(t, http.StatusUnauthorized, e.call(http.MethodPost, api.WebhookPath, []byte(`{}`), "").Status)
	}
	// Anonymous callers share their IP's budget.
	for range 3 {
		require.Equal(t, http.StatusUnauthorized, e.call(http.MethodGet, "/api/users", nil, "").Status)
	}
	require.Equal(t, http.StatusTooManyRequests, e.call(http.MethodGet, "/api/users", nil, "").Status)
}

// lockedBuffer is a log sink the server's goroutines and the test share.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// accessLine is the part of slog-fiber's line the tests read.
type accessLine struct {
	Level     string `json:"level"`
	RequestID string `json:"request_id"`
	Request   struct {
		Method string `json:"method"`
		Path   string `json:"path"`
		Route  string `json:"route"`
		Query  string `json:"query"`
		Length int    `json:"length"`
	} `json:"request"`
	Response struct {
		Status int `json:"status"`
	} `json:"response"`
}

func accessLines(t *testing.T, log string) []accessLine {
	t.Helper()
	var out []accessLine
	sc := bufio.NewScanner(strings.NewReader(log))
	for sc.Scan() {
		var l accessLine
		require.NoError(t, json.Unmarshal(sc.Bytes(), &l), "every line is JSON: %s", sc.Text())
		if l.Request.Method != "" {
			out = append(out, l)
		}
	}
	return out
}

func TestAccessLog_JSONWithoutCredentials(t *testing.T) {
	t.Parallel()
	var buf lockedBuffer
	e := newAPI(t, func(d *api.Deps) { d.Log = slog.New(slog.NewJSONHandler(&buf, nil)) })
	key := e.call(http.MethodPost, "/api/auth/api-keys", map[string]any{"name": "log"}, e.adminToken).JSON(t)["key"].(string)

	send := func(id, target, header, value string) int {
		req := httptest.NewRequestWithContext(e.ctx, http.MethodGet, target, nil)
		req.Header.Set(header, value)
		req.Header.Set("X-Request-ID", id)
		res, err := e.app.Test(req, -1)
		require.NoError(t, err)
		_ = res.Body.Close()
		return res.StatusCode
	}
	require.Equal(t, http.StatusOK, send("me", "/api/auth/me?fields=all", "Authorization", "Bearer "+e.adminToken))
	require.Equal(t, http.StatusOK, send("key", "/api/auth/me", "X-API-Key", key))
	send("ws", "/ws?token="+e.agentTok+"&conversation=c1", "X-Trace", "ws")
	send("verify", api.WebhookPath+"?hub.mode=subscribe&hub.verify_token=meta-verify-secret&hub.challenge=42", "X-Trace", "verify")
	require.Equal(t, http.StatusOK, send("probe", "/health/liveness", "X-Trace", "probe"))

	log := buf.String()
	for _, secret := range []string{e.adminToken, e.agentTok, key, "meta-verify-secret"} {
		require.NotContains(t, log, secret)
	}
	lines := accessLines(t, log)
	byID := map[string]accessLine{}
	for _, l := range lines {
		byID[l.RequestID] = l
		require.NotEqual(t, "/health/liveness", l.Request.Path, "successful probes are not logged")
	}
	me := byID["me"]
	require.Equal(t, "GET", me.Request.Method)
	require.Equal(t, "/api/auth/me", me.Request.Path)
	require.Equal(t, "/api/auth/me", me.Request.Route)
	require.Equal(t, "fields=all", me.Request.Query, "harmless parameters stay")
	require.Equal(t, 200, me.Response.Status)
	require.Equal(t, "INFO", me.Level)
	require.Equal(t, 200, byID["key"].Response.Status)
	require.Contains(t, byID["ws"].Request.Query, "token=REDACTED")
	require.Contains(t, byID["ws"].Request.Query, "conversation=c1")
	verify := byID["verify"]
	require.Equal(t, api.WebhookPath, verify.Request.Path)
	require.Contains(t, verify.Request.Query, "hub.verify_token=REDACTED")
	require.Contains(t, verify.Request.Query, "hub.challenge=42")
	require.Equal(t, "WARN", verify.Level, "a 4xx (no account has that token) is a warning")
}

func TestSentry_ReportsServerErrorsOnlyScrubbed(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	live := dbtest.Store(ctx, t)
	acc := dbtest.Account(ctx, t, live, nil)
	dead := dbtest.Tx(ctx, t)
	require.NoError(t, dead.Rollback(ctx)) // the ingest fails: a 500
	transport := &sentry.MockTransport{}
	client, err := sentry.NewClient(sentry.ClientOptions{Dsn: "https://key@sentry.example.com/1", Transport: transport})
	require.NoError(t, err)
	app := api.New(api.Deps{
		Log: quiet, Accounts: live, Ingest: db.New(dead, dbtest.Box(t)),
		Sentry: sentry.NewHub(client, sentry.NewScope()),
	})
	body := hookBody(t, change{PhoneNumberID: acc.PhoneNumberID, Messages: []map[string]any{textMsg("905551112233", "wamid.S"+dbtest.Unique(), "my secret order")}})
	postWith := func(sig string) int {
		req := httptest.NewRequestWithContext(ctx, http.MethodPost, api.WebhookPath+"?token=query-secret", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set(webhook.SignatureHeader, sig)
		req.Header.Set("X-API-Key", "header-secret")
		req.Header.Set("Authorization", "Bearer bearer-secret")
		req.Header.Set("Cookie", "session=cookie-secret")
		res, err := app.Test(req, -1)
		require.NoError(t, err)
		_, _ = io.Copy(io.Discard, res.Body)
		_ = res.Body.Close()
		return res.StatusCode
	}
	require.Equal(t, http.StatusUnauthorized, postWith(webhook.Sign(body, "wrong")))
	require.Empty(t, transport.Events(), "a 4xx is not reported")

	require.Equal(t, http.StatusInternalServerError, postWith(webhook.Sign(body, testSecret)))
	require.Eventually(t, func() bool { return len(transport.Events()) == 1 }, 5*time.Second, 10*time.Millisecond)
	ev := transport.Events()[0]
	require.Equal(t, api.WebhookPath, ev.Tags["route"])
	require.NotEmpty(t, ev.Exception)
	raw, err := json.Marshal(ev)
	require.NoError(t, err)
	for _, secret := range []string{"my secret order", "query-secret", "header-secret", "bearer-secret", "cookie-secret", "sha256="} {
		require.NotContains(t, string(raw), secret)
	}
	require.NotNil(t, ev.Request)
	require.Empty(t, ev.Request.Data)
}

func TestShutdown_InFlightRequestsFinish(t *testing.T) {
	t.Parallel()
	entered, release := make(chan struct{}), make(chan struct{})
	slowDB := api.PingFunc(func(ctx context.Context) error {
		close(entered)
		<-release
		return nil
	})
	app := api.New(api.Deps{Log: quiet, Database: slowDB})
	base := serveUntilShutdown(t, app)

	type answer struct {
		status int
		err    error
	}
	answered := make(chan answer, 1)
	go func() {
		req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, base+"/health/readiness", nil)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			answered <- answer{err: err}
			return
		}
		_, _ = io.Copy(io.Discard, res.Body)
		_ = res.Body.Close()
		answered <- answer{status: res.StatusCode}
	}()
	<-entered
	stopped := make(chan error, 1)
	go func() { stopped <- app.ShutdownWithTimeout(10 * time.Second) }()

	select {
	case err := <-stopped:
		t.Fatalf("shutdown returned (%v) with a request in flight", err)
	case <-time.After(300 * time.Millisecond):
	}
	close(release)
	a := <-answered
	require.NoError(t, a.err)
	require.Equal(t, http.StatusOK, a.status, "the in-flight request got its answer")
	require.NoError(t, <-stopped)
	conn, err := (&net.Dialer{}).DialContext(context.Background(), "tcp", strings.TrimPrefix(base, "http://"))
	if err == nil {
		_ = conn.Close()
	}
	require.Error(t, err, "no new connections after shutdown")
}

// serveUntilShutdown serves app on a loopback listener; the test shuts it down.
func serveUntilShutdown(t *testing.T, app *fiber.App) string {
	t.Helper()
	ln, err := (&net.ListenConfig{}).Listen(context.Background(), "tcp", "127.0.0.1:0")
	require.NoError(t, err)
	go func() { _ = app.Listener(ln) }()
	return "http://" + ln.Addr().String()
}
