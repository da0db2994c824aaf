// Package api is the HTTP face of WhatsApp Builder: Meta's webhooks, the REST
// API of the console and integrations, the WebSocket feed, and health probes.
package api

import (
	"log/slog"
	"strings"
	"time"

	"github.com/getsentry/sentry-go"
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/cors"
	"github.com/prometheus/client_golang/prometheus"
	"go.temporal.io/sdk/client"

	"github.com/wabuilder/wab/activities/whatsapp"
	"github.com/wabuilder/wab/api/auth"
	"github.com/wabuilder/wab/api/live"
	"github.com/wabuilder/wab/api/webhook"
	"github.com/wabuilder/wab/db"
)

// WebSocketPath is where the console's live feed is served.
const WebSocketPath = "/ws"

// Deps is everything the handlers need; tests build it with real parts.
type Deps struct {
	Log      *slog.Logger
	Database Pinger
	Temporal Pinger
	// Draining reports that the process is shutting down (readiness goes 503).
	Draining func() bool
	// AllowedOrigins for CORS; empty allows none cross-origin.
	AllowedOrigins []string
	// HeapLimitBytes above which /health reports memory down (default 1 GiB).
	HeapLimitBytes uint64
	// BodyLimit caps request bodies (default 1 MiB); the webhook takes up
	// to webhook.MaxBodyBytes.
	BodyLimit int
	// Metrics is the registry /metrics serves and the API registers its
	// series in; nil gives the app a registry of its own.
	Metrics *prometheus.Registry
	// RateLimitPerMinute caps /api and /ws requests per API key, user or
	// client IP; 0 sets no limit. The webhook and probes are never limited.
	RateLimitPerMinute int
	// Sentry, if set, gets panics and 5xx errors (bodies and credentials
	// scrubbed).
	Sentry *sentry.Hub
	// Accounts gives the webhook its app secrets and verify tokens, cached
	// for AccountsTTL (default 15s); Ingest stores what it receives, and
	// Relay, if set, is woken to hand new messages to Temporal at once.
	// Without Accounts and Ingest the webhook answers 503.
	Accounts    AccountSource
	AccountsTTL time.Duration
	Ingest      IngestStore
	Relay       Notifier

	// Store backs the REST API; Tokens signs and checks login tokens. Without
	// Store every authenticated route answers 401.
	Store  *db.Store
	Tokens *auth.Tokens
	// Workflows reaches the conversation workflows (take over, stop, skip,
	// state); nil answers 503 on those routes.
	Workflows client.Client
	// Graph calls Meta's Graph API (test a number, mark read, media).
	Graph *whatsapp.Client
	// PublicURL is where Meta reaches this API; empty uses the request's URL.
	PublicURL string
	// Live serves the WebSocket feed at /ws; nil answers 503 there.
	Live *live.Hub
}

type handlers struct {
	d        Deps
	accounts *accountCache // nil without Deps.Accounts
	doc      openAPIDoc
}

// New builds the Fiber app. It has no side effects: serving is the caller's job.
func New(d Deps) *fiber.App {
	if d.Log == nil {
		d.Log = slog.Default()
	}
	if d.BodyLimit == 0 {
		d.BodyLimit = 1 << 20
	}
	app := fiber.New(fiber.Config{
		ErrorHandler:          errorHandler(d.Log),
		DisableStartupMessage: true,
		BodyLimit:             max(d.BodyLimit, webhook.MaxBodyBytes), // limitBody applies d.BodyLimit elsewhere
		AppName:               "whatsapp-builder",
	})
	if d.Metrics == nil {
		d.Metrics = prometheus.NewRegistry()
	}
	metrics := newAPIMetrics(d.Metrics)
	if d.Ingest != nil {
		d.Ingest = countingIngest{IngestStore: d.Ingest, m: metrics}
	}
	if d.Store != nil {
		register(d.Metrics, newDBCollector(d.Store, d.Log))
	}
	app.Use(frontMiddleware(d, metrics)...)
	app.Use(limitBody(d.BodyLimit))
	if len(d.AllowedOrigins) > 0 {
		app.Use(cors.New(cors.Config{AllowOrigins: strings.Join(d.AllowedOrigins, ","), AllowCredentials: true}))
	}
	h := &handlers{d: d}
	if d.Accounts != nil {
		h.accounts = newAccountCache(d.Accounts, d.AccountsTTL)
	}
	app.Use("/api", h.authenticate)
	app.Use(WebSocketPath, h.authenticate)
	if limit := rateLimit(d.RateLimitPerMinute); limit != nil { // after authenticate: it keys on the principal
		app.Use("/api", limit)
		app.Use(WebSocketPath, limit)
	}
	h.register(app, h.apiRoutes())
	app.Use(func(c *fiber.Ctx) error { return NotFound("route " + c.Method() + " " + c.Path()) })
	return app
}
