// Package api is the HTTP face of WhatsApp Builder: Meta's webhooks, the REST
// API of the console and integrations, the WebSocket feed, and health probes.
package api

import (
	"log/slog"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/cors"
	"github.com/gofiber/fiber/v2/middleware/recover"
	"github.com/gofiber/fiber/v2/middleware/requestid"
)

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
	// BodyLimit caps request bodies (default 1 MiB).
	BodyLimit int
}

type handlers struct{ d Deps }

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
		BodyLimit:             d.BodyLimit,
		AppName:               "whatsapp-builder",
	})
	app.Use(recover.New(), requestid.New())
	if len(d.AllowedOrigins) > 0 {
		app.Use(cors.New(cors.Config{AllowOrigins: strings.Join(d.AllowedOrigins, ","), AllowCredentials: true}))
	}
	h := &handlers{d: d}
	app.Get("/health", h.health)
	app.Get("/health/liveness", h.liveness)
	app.Get("/health/readiness", h.readiness)
	app.Use(func(c *fiber.Ctx) error { return NotFound("route " + c.Method() + " " + c.Path()) })
	return app
}
