package api

import (
	"errors"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"
	"golang.org/x/crypto/bcrypt"

	"github.com/wabuilder/wab/api/auth"
	"github.com/wabuilder/wab/db"
)

// dummyHash is compared against when the email is unknown, so a login takes
// as long whether or not the account exists.
var dummyHash, _ = bcrypt.GenerateFromPassword([]byte("not a real password"), bcrypt.DefaultCost)

type loginRequest struct {
	Email    string `json:"email" validate:"required,email"`
	Password string `json:"password" validate:"required"`
}

type loginResponse struct {
	AccessToken string    `json:"accessToken"`
	TokenType   string    `json:"tokenType"`
	ExpiresAt   time.Time `json:"expiresAt"`
	User        userView  `json:"user"`
}

type userView struct {
	ID        uuid.UUID `json:"id"`
	Email     string    `json:"email"`
	Name      string    `json:"name"`
	Role      string    `json:"role"`
	IsActive  bool      `json:"isActive"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
}

func viewUser(u db.User) userView {
	return userView{ID: u.ID, Email: u.Email, Name: u.Name, Role: string(u.Role), IsActive: u.IsActive, CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt}
}

type apiKeyRequest struct {
	Name string `json:"name" validate:"required,max=100"`
	// Role defaults to the caller's; it cannot exceed it.
	Role      string     `json:"role" validate:"omitempty,oneof=admin agent"`
	ExpiresAt *time.Time `json:"expiresAt"`
}

type apiKeyView struct {
	ID         uuid.UUID  `json:"id"`
	Name       string     `json:"name"`
	Prefix     string     `json:"prefix"`
	Role       string     `json:"role"`
	LastUsedAt *time.Time `json:"lastUsedAt"`
	ExpiresAt  *time.Time `json:"expiresAt"`
	RevokedAt  *time.Time `json:"revokedAt"`
	CreatedAt  time.Time  `json:"createdAt"`
}

// createdAPIKey carries the key itself: shown once, never again.
type createdAPIKey struct {
	apiKeyView
	Key string `json:"key"`
}

func viewAPIKey(k db.APIKey) apiKeyView {
	return apiKeyView{ID: k.ID, Name: k.Name, Prefix: k.Prefix, Role: string(k.Role), LastUsedAt: k.LastUsedAt, ExpiresAt: k.ExpiresAt, RevokedAt: k.RevokedAt, CreatedAt: k.CreatedAt}
}

type createUserRequest struct {
	Email    string `json:"email" validate:"required,email,max=254"`
	Password string `json:"password" validate:"required,min=8,max=72"` // bcrypt reads 72 bytes
	Name     string `json:"name" validate:"max=200"`
	Role     string `json:"role" validate:"required,oneof=admin agent"`
}

type updateUserRequest struct {
	Name     *string `json:"name" validate:"omitempty,max=200"`
	Role     *string `json:"role" validate:"omitempty,oneof=admin agent"`
	IsActive *bool   `json:"isActive"`
	Password *string `json:"password" validate:"omitempty,min=8,max=72"`
}

type listOf[T any] struct {
	Data []T `json:"data"`
}

func (h *handlers) authRoutes() []route {
	return []route{
		{method: fiber.MethodPost, path: "/api/auth/login", tag: "auth", summary: "Log in with email and password; returns a bearer token", body: loginRequest{}, resp: loginResponse{}, handler: h.login},
		{method: fiber.MethodGet, path: "/api/auth/me", access: agentAccess, tag: "auth", summary: "Who the token or key belongs to", resp: userView{}, handler: h.me},
		{method: fiber.MethodGet, path: "/api/auth/api-keys", access: agentAccess, tag: "auth", summary: "Your API keys (the keys themselves are never shown again)", resp: listOf[apiKeyView]{}, handler: h.listAPIKeys},
		{method: fiber.MethodPost, path: "/api/auth/api-keys", access: agentAccess, tag: "auth", summary: "Create an API key; the response is the only time it is shown", body: apiKeyRequest{}, resp: createdAPIKey{}, status: fiber.StatusCreated, handler: h.createAPIKey},
		{method: fiber.MethodDelete, path: "/api/auth/api-keys/:id", access: agentAccess, tag: "auth", summary: "Revoke one of your API keys", status: fiber.StatusNoContent, handler: h.revokeAPIKey},
	}
}

func (h *handlers) userRoutes() []route {
	return []route{
		{method: fiber.MethodGet, path: "/api/users", access: adminAccess, tag: "users", summary: "List users", resp: listOf[userView]{}, handler: h.listUsers},
		{method: fiber.MethodPost, path: "/api/users", access: adminAccess, tag: "users", summary: "Create a user", body: createUserRequest{}, resp: userView{}, status: fiber.StatusCreated, handler: h.createUser},
		{method: fiber.MethodGet, path: "/api/users/:id", access: adminAccess, tag: "users", summary: "One user", resp: userView{}, handler: h.getUser},
		{method: fiber.MethodPatch, path: "/api/users/:id", access: adminAccess, tag: "users", summary: "Change a user's name, role, password or active flag", body: updateUserRequest{}, resp: userView{}, handler: h.updateUser},
		{method: fiber.MethodDelete, path: "/api/users/:id", access: adminAccess, tag: "users", summary: "Delete a user and their API keys", status: fiber.StatusNoContent, handler: h.deleteUser},
	}
}

var errBadLogin = &Error{Status: fiber.StatusUnauthorized, Code: "unauthorized", Message: "wrong email or password"}

func (h *handlers) login(c *fiber.Ctx) error {
	var req loginRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	if h.d.Tokens == nil {
		return Unavailable("logins are not configured")
	}
	u, err := h.d.Store.UserByEmail(c.UserContext(), req.Email)
	switch {
	case errors.Is(err, db.ErrNotFound):
		_ = bcrypt.CompareHashAndPassword(dummyHash, []byte(req.Password))
		return errBadLogin
	case err != nil:
		return internal("login", err)
	}
	if bcrypt.CompareHashAndPassword([]byte(u.PasswordHash.Reveal()), []byte(req.Password)) != nil || !u.IsActive {
		return errBadLogin
	}
	tok, exp, err := h.d.Tokens.Issue(auth.Principal{UserID: u.ID, Email: u.Email, Role: auth.Role(u.Role)})
	if err != nil {
		return internal("login", err)
	}
	return c.JSON(loginResponse{AccessToken: tok, TokenType: "Bearer", ExpiresAt: exp, User: viewUser(u)})
}

func (h *handlers) me(c *fiber.Ctx) error {
	u, err := h.d.Store.User(c.UserContext(), caller(c).UserID)
	if err != nil {
		return storeError("user", err)
	}
	return c.JSON(viewUser(u))
}

func (h *handlers) listAPIKeys(c *fiber.Ctx) error {
	keys, err := h.d.Store.APIKeys(c.UserContext(), caller(c).UserID)
	if err != nil {
		return internal("list api keys", err)
	}
	out := make([]apiKeyView, len(keys))
	for i, k := range keys {
		out[i] = viewAPIKey(k)
	}
	return c.JSON(listOf[apiKeyView]{Data: out})
}

func (h *handlers) createAPIKey(c *fiber.Ctx) error {
	p := caller(c)
	if p.APIKeyID != nil {
		// A leaked key must not be able to mint more keys.
		return &Error{Status: fiber.StatusForbidden, Code: "forbidden", Message: "API keys are created by a logged-in user, not by another key"}
	}
	var req apiKeyRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	role := p.Role
	if req.Role != "" {
		role = auth.Role(req.Role)
	}
	if !p.Role.Allows(role) {
		return &Error{Status: fiber.StatusForbidden, Code: "forbidden", Message: "role: a key cannot have more rights than its owner", Fields: map[string]string{"role": "cannot exceed your own role"}}
	}
	if req.ExpiresAt != nil && !req.ExpiresAt.After(time.Now()) {
		return BadRequest("expiresAt", "must be in the future")
	}
	key, prefix, hash, err := auth.NewAPIKey()
	if err != nil {
		return internal("create api key", err)
	}
	k, err := h.d.Store.CreateAPIKey(c.UserContext(), db.NewAPIKey{
		UserID: p.UserID, Name: strings.TrimSpace(req.Name), Prefix: prefix, Hash: hash, Role: db.Role(role), ExpiresAt: req.ExpiresAt,
	})
	if err != nil {
		return internal("create api key", err)
	}
	return c.Status(fiber.StatusCreated).JSON(createdAPIKey{apiKeyView: viewAPIKey(k), Key: key})
}

func (h *handlers) revokeAPIKey(c *fiber.Ctx) error {
	id, err := paramUUID(c, "id")
	if err != nil {
		return err
	}
	if err := h.d.Store.RevokeAPIKey(c.UserContext(), caller(c).UserID, id); err != nil {
		return storeError("api key", err)
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (h *handlers) listUsers(c *fiber.Ctx) error {
	users, err := h.d.Store.Users(c.UserContext())
	if err != nil {
		return internal("list users", err)
	}
	out := make([]userView, len(users))
	for i, u := range users {
		out[i] = viewUser(u)
	}
	return c.JSON(listOf[userView]{Data: out})
}

func (h *handlers) createUser(c *fiber.Ctx) error {
	var req createUserRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(req.Password), bcrypt.DefaultCost)
	if err != nil {
		return internal("hash password", err)
	}
	u, err := h.d.Store.CreateUser(c.UserContext(), db.NewUser{Email: req.Email, PasswordHash: string(hash), Name: req.Name, Role: db.Role(req.Role)})
	if errors.Is(err, db.ErrConflict) {
		return &Error{Status: fiber.StatusConflict, Code: "conflict", Message: "email: a user with this email exists", Fields: map[string]string{"email": "is taken"}}
	}
	if err != nil {
		return internal("create user", err)
	}
	return c.Status(fiber.StatusCreated).JSON(viewUser(u))
}

func (h *handlers) getUser(c *fiber.Ctx) error {
	id, err := paramUUID(c, "id")
	if err != nil {
		return err
	}
	u, err := h.d.Store.User(c.UserContext(), id)
	if err != nil {
		return storeError("user", err)
	}
	return c.JSON(viewUser(u))
}

func (h *handlers) updateUser(c *fiber.Ctx) error {
	id, err := paramUUID(c, "id")
	if err != nil {
		return err
	}
	var req updateUserRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	ch := db.UserChange{Name: req.Name, IsActive: req.IsActive}
	if req.Role != nil {
		r := db.Role(*req.Role)
		ch.Role = &r
	}
	if req.Password != nil {
		hash, err := bcrypt.GenerateFromPassword([]byte(*req.Password), bcrypt.DefaultCost)
		if err != nil {
			return internal("hash password", err)
		}
		s := string(hash)
		ch.PasswordHash = &s
	}
	u, err := h.d.Store.UpdateUser(c.UserContext(), id, ch)
	if errors.Is(err, db.ErrLastAdmin) {
		return Conflict("the last active admin cannot be demoted or deactivated")
	}
	if err != nil {
		return storeError("user", err)
	}
	return c.JSON(viewUser(u))
}

func (h *handlers) deleteUser(c *fiber.Ctx) error {
	id, err := paramUUID(c, "id")
	if err != nil {
		return err
	}
	if id == caller(c).UserID {
		return Conflict("you cannot delete yourself")
	}
	err = h.d.Store.DeleteUser(c.UserContext(), id)
	if errors.Is(err, db.ErrLastAdmin) {
		return Conflict("the last active admin cannot be deleted")
	}
	if err != nil {
		return storeError("user", err)
	}
	return c.SendStatus(fiber.StatusNoContent)
}
