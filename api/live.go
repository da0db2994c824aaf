package api

import (
	"runtime/debug"
	"strings"
	"time"

	"github.com/fasthttp/websocket"
	contrib "github.com/gofiber/contrib/websocket"
	"github.com/gofiber/fiber/v2"

	"github.com/wabuilder/wab/api/auth"
)

// liveQuery documents the browser's way to authenticate the upgrade.
type liveQuery struct {
	Token string `query:"token" doc:"a login token or API key, for browsers, which cannot set headers on a WebSocket upgrade"`
}

// liveRoutes is the live event feed; package live documents its protocol.
func (h *handlers) liveRoutes() []route {
	upgrade := contrib.New(h.serveLive, contrib.Config{
		HandshakeTimeout: 10 * time.Second,
		// Origins stay unset (any): the upgrader would also refuse requests
		// without an Origin, which non-browser clients rightly send.
		// checkOrigin has answered 403 by now, in the one error shape.
		RecoverHandler: h.recoverLive,
	})
	return []route{{
		method: fiber.MethodGet, path: WebSocketPath, access: agentAccess, tag: "live",
		summary: "Live events over WebSocket: subscribe to everything, a conversation or a session",
		query:   liveQuery{}, status: fiber.StatusSwitchingProtocols,
		handler: func(c *fiber.Ctx) error {
			if err := h.checkOrigin(c); err != nil {
				return err
			}
			if h.d.Live == nil {
				return Unavailable("the live feed is not configured")
			}
			if !contrib.IsWebSocketUpgrade(c) {
				return &Error{Status: fiber.StatusUpgradeRequired, Code: "upgrade_required", Message: "connect with a WebSocket client"}
			}
			return upgrade(c)
		},
	}}
}

// checkOrigin refuses browsers on pages other than the console: a page
// elsewhere could otherwise ride on a token it got hold of. A request
// without Origin comes from no browser and has nothing to forge.
func (h *handlers) checkOrigin(c *fiber.Ctx) error {
	origin := c.Get(fiber.HeaderOrigin)
	if origin == "" {
		return nil
	}
	for _, o := range h.d.AllowedOrigins {
		if strings.EqualFold(o, origin) {
			return nil
		}
	}
	return &Error{Status: fiber.StatusForbidden, Code: "forbidden", Message: "origin not allowed"}
}

// serveLive runs on the upgraded connection, after the request is gone.
func (h *handlers) serveLive(conn *contrib.Conn) {
	p, _ := conn.Locals(principalKey).(auth.Principal) // requireRole let only principals through
	h.d.Live.Serve(conn.Conn, p.UserID)
}

// recoverLive replaces contrib's default, which prints the panic to stderr
// and sends it to the client.
func (h *handlers) recoverLive(conn *contrib.Conn) {
	if r := recover(); r != nil {
		h.d.Log.Error("live: panic serving a client", "panic", r, "stack", string(debug.Stack()))
		_ = conn.WriteControl(websocket.CloseMessage,
			websocket.FormatCloseMessage(websocket.CloseInternalServerErr, "internal error"), time.Now().Add(time.Second))
	}
}
