package api

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getsentry/sentry-go"
	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/require"
)

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// A panic is answered with the one error shape, logged with its stack,
// counted as a 500 and reported to Sentry exactly once, from where it happened.
func TestFrontMiddleware_Panic(t *testing.T) {
	t.Parallel()
	var logs syncBuf
	log := slog.New(slog.NewJSONHandler(&logs, nil))
	transport := &sentry.MockTransport{}
	client, err := sentry.NewClient(sentry.ClientOptions{Dsn: "https://key@sentry.example.com/1", Transport: transport})
	require.NoError(t, err)
	d := Deps{Log: log, Sentry: sentry.NewHub(client, sentry.NewScope())}
	m := newAPIMetrics(prometheus.NewRegistry())
	app := fiber.New(fiber.Config{ErrorHandler: errorHandler(log)})
	app.Use(frontMiddleware(d, m)...)
	app.Get("/boom/:id", func(c *fiber.Ctx) error {
		items := []string{"only one"}
		_ = items[c.QueryInt("i", 7)] // a bug: index out of range
		return nil
	})

	res, err := app.Test(httptest.NewRequestWithContext(context.Background(), "GET", "/boom/7", strings.NewReader("body")), -1)
	require.NoError(t, err)
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	require.Equal(t, fiber.StatusInternalServerError, res.StatusCode)
	require.JSONEq(t, `{"error":{"code":"internal","message":"internal error"}}`, string(body))

	require.Contains(t, logs.String(), `"msg":"panic serving request"`)
	require.Contains(t, logs.String(), "middleware_internal_test.go", "the stack is logged")
	require.Contains(t, logs.String(), `"status":500`, "the access log has the final status")
	var count dto.Metric
	require.NoError(t, m.requests.WithLabelValues("GET", "/boom/:id", "500").Write(&count))
	require.InDelta(t, 1.0, count.GetCounter().GetValue(), 0)

	require.Eventually(t, func() bool { return len(transport.Events()) == 1 }, 5*time.Second, 10*time.Millisecond)
	time.Sleep(50 * time.Millisecond)
	require.Len(t, transport.Events(), 1, "reported once, not again as an error")
	ev := transport.Events()[0]
	require.NotEmpty(t, ev.Exception)
	raw, err := json.Marshal(ev)
	require.NoError(t, err)
	require.Contains(t, string(raw), "index out of range")
	require.Contains(t, string(raw), "TestFrontMiddleware_Panic", "the stack is the panicking one")
	require.Empty(t, ev.Request.Data, "no request body")
}

func TestRedactQuery(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"":                          "",
		"page=2&q=ana":              "page=2&q=ana",
		"token=abc&conversation=c1": "conversation=c1&token=REDACTED",
		"hub.mode=subscribe&hub.verify_token=s3cr3t&hub.challenge=9": "hub.challenge=9&hub.mode=subscribe&hub.verify_token=REDACTED",
		"api_key=k&Access_Token=t":                                   "Access_Token=REDACTED&api_key=REDACTED",
		"token=%zz":                                                  "[unparsable query redacted]",
	} {
		require.Equal(t, want, redactQuery(in), in)
	}
}
