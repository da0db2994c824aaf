package api

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"runtime/debug"
	"strings"
	"time"

	"github.com/getsentry/sentry-go"
	sentryfiber "github.com/getsentry/sentry-go/fiber"
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/limiter"
	"github.com/gofiber/fiber/v2/middleware/recover"
	"github.com/gofiber/fiber/v2/middleware/requestid"
	slogfiber "github.com/samber/slog-fiber"
)

// frontMiddleware is what every request passes before routing, outermost
// first: request id, access log, metrics, Sentry, recover. Errors become
// responses in the innermost observer (respond), so the ones outside see the
// status the client gets.
func frontMiddleware(d Deps, m *apiMetrics) []any {
	chain := []any{requestid.New(), accessLog(d.Log), tagRequest, m.observe}
	if d.Sentry != nil {
		chain = append(chain, reportErrors(d.Sentry))
	}
	chain = append(chain, recover.New(recover.Config{EnableStackTrace: true, StackTraceHandler: logPanic(d.Log)}))
	if d.Sentry != nil {
		// Reports the panic with the stack where it happened; recover
		// (outside) then turns it into a 500.
		chain = append(chain, sentryfiber.New(sentryfiber.Options{Repanic: true}))
	}
	return chain
}

// respond turns a handler's error into its response now, as Fiber's error
// handler would after the whole chain, so that middleware sees the final status.
func respond(c *fiber.Ctx, err error) error {
	if err == nil {
		return nil
	}
	return c.App().ErrorHandler(c, err)
}

// accessLog writes one line per request through slog-fiber (JSON when the
// logger is JSON: LOG_FORMAT): info for 2xx and 3xx, warn for 4xx, error for
// 5xx. No headers and no bodies are logged; the query string is, with
// credentials (?token= of the WebSocket, Meta's hub.verify_token) redacted.
// Successful probes and scrapes are not logged: they come every few seconds
// and say nothing.
func accessLog(log *slog.Logger) fiber.Handler {
	return slogfiber.NewWithConfig(slog.New(redactQueries{log.Handler()}), slogfiber.Config{
		DefaultLevel:     slog.LevelInfo,
		ClientErrorLevel: slog.LevelWarn,
		ServerErrorLevel: slog.LevelError,
		Filters:          []slogfiber.Filter{quietProbes},
	})
}

var probePaths = map[string]bool{"/health": true, "/health/liveness": true, "/health/readiness": true, MetricsPath: true}

func quietProbes(c *fiber.Ctx) bool {
	return c.Response().StatusCode() >= fiber.StatusBadRequest || !probePaths[c.Path()]
}

// tagRequest adds the request id (set by requestid) to the access log line.
// Once the handler is done it also drops Content-Encoding: slog-fiber measures
// the body with c.Body(), which would inflate a compressed body (the webhook
// deliberately reads it raw), so the log records the length as received.
func tagRequest(c *fiber.Ctx) error {
	slogfiber.AddCustomAttributes(c, slog.String("request_id", c.GetRespHeader(fiber.HeaderXRequestID)))
	err := respond(c, c.Next())
	c.Request().Header.Del(fiber.HeaderContentEncoding)
	return err
}

// redactQueries is a slog handler that redacts credentials in "query"
// attributes (slog-fiber's request.query) before the wrapped handler sees them.
type redactQueries struct{ slog.Handler }

func (h redactQueries) Handle(ctx context.Context, r slog.Record) error {
	out := slog.NewRecord(r.Time, r.Level, r.Message, r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(redactAttr(a))
		return true
	})
	return h.Handler.Handle(ctx, out)
}

func (h redactQueries) WithAttrs(as []slog.Attr) slog.Handler {
	return redactQueries{h.Handler.WithAttrs(as)}
}

func (h redactQueries) WithGroup(name string) slog.Handler {
	return redactQueries{h.Handler.WithGroup(name)}
}

func redactAttr(a slog.Attr) slog.Attr {
	switch v := a.Value.Resolve(); {
	case v.Kind() == slog.KindGroup:
		attrs := v.Group()
		out := make([]slog.Attr, len(attrs))
		for i, g := range attrs {
			out[i] = redactAttr(g)
		}
		return slog.Attr{Key: a.Key, Value: slog.GroupValue(out...)}
	case a.Key == "query" && v.Kind() == slog.KindString:
		return slog.String(a.Key, redactQuery(v.String()))
	}
	return a
}

// redactQuery replaces the values of parameters that look like credentials.
func redactQuery(q string) string {
	if q == "" {
		return q
	}
	vals, err := url.ParseQuery(q)
	if err != nil {
		return "[unparsable query redacted]"
	}
	redacted := false
	for k := range vals {
		if secretParam(k) {
			vals[k] = []string{"REDACTED"}
			redacted = true
		}
	}
	if !redacted {
		return q
	}
	return vals.Encode()
}

func secretParam(name string) bool {
	n := strings.ToLower(name)
	for _, s := range []string{"token", "key", "secret", "password", "signature"} {
		if strings.Contains(n, s) {
			return true
		}
	}
	return false
}

const panicKey = "wab.panicked"

// logPanic logs a recovered panic with its stack and marks the request, so
// reportErrors leaves it to sentryfiber (which has the panicking stack).
func logPanic(log *slog.Logger) func(*fiber.Ctx, any) {
	return func(c *fiber.Ctx, r any) {
		c.Locals(panicKey, true)
		log.ErrorContext(c.UserContext(), "panic serving request", "panic", fmt.Sprint(r),
			"method", c.Method(), "route", c.Route().Path, "stack", string(debug.Stack()))
	}
}

// reportErrors gives each request its own Sentry hub and reports errors that
// end in a 5xx; 4xx are the client's business and never reported. Request
// bodies, credentials and cookies are scrubbed from every event.
func reportErrors(hub *sentry.Hub) fiber.Handler {
	return func(c *fiber.Ctx) error {
		h := hub.Clone()
		h.Scope().AddEventProcessor(scrubEvent)
		sentryfiber.SetHubOnContext(c, h)
		cause := c.Next()
		err := respond(c, cause)
		if cause != nil && c.Response().StatusCode() >= fiber.StatusInternalServerError && c.Locals(panicKey) == nil {
			h.WithScope(func(s *sentry.Scope) {
				s.SetTag("route", c.Route().Path)
				s.SetTag("request_id", c.GetRespHeader(fiber.HeaderXRequestID))
				h.CaptureException(cause)
			})
		}
		return err
	}
}

// scrubEvent removes what must never leave the process: bodies (webhooks
// carry customers' messages), cookies, credential headers and query values.
func scrubEvent(e *sentry.Event, _ *sentry.EventHint) *sentry.Event {
	if e.Request == nil {
		return e
	}
	e.Request.Data = ""
	e.Request.Cookies = ""
	for k := range e.Request.Headers {
		switch strings.ToLower(k) {
		case "authorization", "x-api-key", "cookie", "x-hub-signature-256":
			delete(e.Request.Headers, k)
		}
	}
	e.Request.QueryString = redactQuery(e.Request.QueryString)
	if u, err := url.Parse(e.Request.URL); err == nil && u.RawQuery != "" {
		u.RawQuery = redactQuery(u.RawQuery)
		e.Request.URL = u.String()
	}
	return e
}

// rateLimit caps requests per API key, else per user, else per client IP,
// in fixed one-minute windows: 429 with Retry-After (seconds to the window's
// end) in the one error shape. It runs after authenticate, which puts the
// principal in c.Locals. Meta's webhook is exempt (it bursts, and refusing
// it only makes Meta redeliver); it is mounted under /api and /ws only, so
// health probes and /metrics never see it. The count is per process.
// perMinute <= 0 gives nil: no limit.
func rateLimit(perMinute int) fiber.Handler {
	if perMinute <= 0 {
		return nil
	}
	return limiter.New(limiter.Config{
		Max:          perMinute,
		Expiration:   time.Minute,
		Next:         func(c *fiber.Ctx) bool { return c.Path() == WebhookPath },
		KeyGenerator: rateKey,
		LimitReached: func(c *fiber.Ctx) error {
			return &Error{
				Status: fiber.StatusTooManyRequests, Code: "rate_limited",
				Message: "too many requests: retry after " + c.GetRespHeader(fiber.HeaderRetryAfter) + " seconds",
			}
		},
	})
}

func rateKey(c *fiber.Ctx) string {
	if p, ok := principalOf(c); ok {
		if p.APIKeyID != nil {
			return "key:" + p.APIKeyID.String()
		}
		return "user:" + p.UserID.String()
	}
	return "ip:" + c.IP()
}
