package api

import (
	"github.com/gofiber/fiber/v2"

	"github.com/wabuilder/wab/api/auth"
)

// access is who may call a route.
type access int

const (
	// public routes need no credential: the webhook (signed instead), health,
	// metrics, and the API's own description.
	public access = iota
	// agentAccess routes take any valid token or key: agents read and reply.
	agentAccess
	// adminAccess routes change bots, accounts and users.
	adminAccess
)

// route is one API route. The router and the OpenAPI document are both built
// from the route table, so they cannot disagree; a test checks it anyway.
type route struct {
	method  string
	path    string // Fiber syntax: /api/chatbots/:id
	access  access
	tag     string // OpenAPI group
	summary string
	// body, query and resp are zero values of the request body, query
	// parameter and response types, for the document; nil when there is none.
	body  any
	query any
	resp  any
	// status is the success status (default 200).
	status int
	// bodyTypes overrides the request content types (default application/json).
	bodyTypes []string
	handler   fiber.Handler
}

// register mounts every route with its access check.
func (h *handlers) register(app *fiber.App, routes []route) {
	for _, r := range routes {
		handlers := []fiber.Handler{r.handler}
		switch r.access {
		case agentAccess:
			handlers = append([]fiber.Handler{requireRole(auth.RoleAgent)}, handlers...)
		case adminAccess:
			handlers = append([]fiber.Handler{requireRole(auth.RoleAdmin)}, handlers...)
		case public:
		}
		app.Add(r.method, r.path, handlers...)
	}
}

// apiRoutes is the route table: every route of the app but the fallback.
func (h *handlers) apiRoutes() []route {
	var all []route
	for _, group := range [][]route{
		h.opsRoutes(),
		h.metricsRoutes(),
		h.authRoutes(),
		h.userRoutes(),
		h.chatbotRoutes(),
		h.liveRoutes(),
		h.sessionRoutes(),
		h.messagingRoutes(),
	} {
		all = append(all, group...)
	}
	return all
}

func (h *handlers) opsRoutes() []route {
	return []route{
		{method: fiber.MethodGet, path: "/health", tag: "ops", summary: "Health of the process, database, Temporal and memory", resp: healthReport{}, handler: h.health},
		{method: fiber.MethodGet, path: "/health/liveness", tag: "ops", summary: "The process answers", resp: healthReport{}, handler: h.liveness},
		{method: fiber.MethodGet, path: "/health/readiness", tag: "ops", summary: "Ready for traffic (503 while draining)", resp: healthReport{}, handler: h.readiness},
		{method: fiber.MethodGet, path: WebhookPath, tag: "webhooks", summary: "Meta's webhook verification (hub.challenge)", handler: h.verifyWebhook},
		{method: fiber.MethodPost, path: WebhookPath, tag: "webhooks", summary: "Meta's signed webhook", handler: h.receiveWebhook},
		{method: fiber.MethodGet, path: OpenAPIPath, tag: "ops", summary: "This document", handler: h.openAPI},
		{method: fiber.MethodGet, path: DocsPath, tag: "ops", summary: "The API reference, rendered", handler: h.docs},
	}
}
