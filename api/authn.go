package api

import (
	"context"
	"errors"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/wabuilder/wab/api/auth"
	"github.com/wabuilder/wab/db"
)

const principalKey = "wab.principal"

// authenticate reads the credential, if any, and stores who calls. A
// credential that is present but bad is refused here (401), so a typo never
// silently degrades to an anonymous call. Whether a route needs a credential
// at all is requireRole's job.
//
// The credential is "Authorization: Bearer <jwt or key>" or "X-API-Key: <key>";
// browsers cannot set headers on a WebSocket upgrade, so /ws also takes
// ?token=.
func (h *handlers) authenticate(c *fiber.Ctx) error {
	cred := credential(c)
	if cred == "" || c.Path() == WebhookPath { // Meta signs instead
		return c.Next()
	}
	p, err := h.resolve(c.UserContext(), cred)
	if err != nil {
		return err
	}
	c.Locals(principalKey, p)
	return c.Next()
}

func credential(c *fiber.Ctx) string {
	if v, ok := strings.CutPrefix(c.Get(fiber.HeaderAuthorization), "Bearer "); ok {
		return strings.TrimSpace(v)
	}
	if v := c.Get("X-API-Key"); v != "" {
		return strings.TrimSpace(v)
	}
	if c.Path() == WebSocketPath {
		return c.Query("token")
	}
	return ""
}

func (h *handlers) resolve(ctx context.Context, cred string) (auth.Principal, error) {
	if !auth.IsAPIKey(cred) {
		if h.d.Tokens == nil {
			return auth.Principal{}, errUnauthorized
		}
		p, err := h.d.Tokens.Parse(cred)
		if err != nil || h.d.Store == nil {
			return auth.Principal{}, errUnauthorized
		}
		// Tokens live for hours: re-read the user so that deactivating or
		// demoting someone takes effect on their next request.
		u, err := h.d.Store.User(ctx, p.UserID)
		switch {
		case errors.Is(err, db.ErrNotFound):
			return auth.Principal{}, errUnauthorized
		case err != nil:
			return auth.Principal{}, internal("check token", err)
		case !u.IsActive:
			return auth.Principal{}, errUnauthorized
		}
		p.Role, p.Email = auth.Role(u.Role), u.Email
		return p, nil
	}
	if h.d.Store == nil {
		return auth.Principal{}, errUnauthorized
	}
	owner, err := h.d.Store.UseAPIKey(ctx, auth.HashAPIKey(cred))
	switch {
	case errors.Is(err, db.ErrNotFound):
		return auth.Principal{}, errUnauthorized
	case err != nil:
		return auth.Principal{}, internal("check api key", err)
	}
	id := owner.KeyID
	return auth.Principal{UserID: owner.UserID, Email: owner.Email, Role: auth.Role(owner.Role), APIKeyID: &id}, nil
}

var errUnauthorized = &Error{Status: fiber.StatusUnauthorized, Code: "unauthorized", Message: "a valid token or API key is required"}

// requireRole refuses anonymous callers (401) and callers without the role (403).
func requireRole(need auth.Role) fiber.Handler {
	return func(c *fiber.Ctx) error {
		p, ok := principalOf(c)
		if !ok {
			return errUnauthorized
		}
		if !p.Role.Allows(need) {
			return &Error{Status: fiber.StatusForbidden, Code: "forbidden", Message: "this needs the " + string(need) + " role"}
		}
		return c.Next()
	}
}

// principalOf returns who calls, if anyone authenticated.
func principalOf(c *fiber.Ctx) (auth.Principal, bool) {
	p, ok := c.Locals(principalKey).(auth.Principal)
	return p, ok
}

// caller returns who calls; only for routes behind requireRole.
func caller(c *fiber.Ctx) auth.Principal {
	p, _ := principalOf(c)
	return p
}
