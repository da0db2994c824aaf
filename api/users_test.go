package api_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wabuilder/wab/db"
)

func TestLogin(t *testing.T) {
	e := newAPI(t)
	res := e.call(http.MethodPost, "/api/auth/login", map[string]string{"email": strings.ToUpper(e.agent.Email), "password": testPassword}, "")
	require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
	var login struct {
		AccessToken string    `json:"accessToken"`
		TokenType   string    `json:"tokenType"`
		ExpiresAt   time.Time `json:"expiresAt"`
		User        struct {
			Email string `json:"email"`
			Role  string `json:"role"`
		} `json:"user"`
	}
	res.Decode(t, &login)
	assert.Equal(t, "Bearer", login.TokenType)
	assert.Equal(t, e.agent.Email, login.User.Email)
	assert.Equal(t, "agent", login.User.Role)
	assert.WithinDuration(t, time.Now().Add(time.Hour), login.ExpiresAt, time.Minute)
	assert.NotContains(t, string(res.Body), "password", "no password hash in the response")

	me := e.call(http.MethodGet, "/api/auth/me", nil, login.AccessToken)
	require.Equal(t, http.StatusOK, me.Status, "%s", me.Body)
	assert.Equal(t, e.agent.ID.String(), me.JSON(t)["id"])

	for name, body := range map[string]map[string]string{
		"wrong password": {"email": e.agent.Email, "password": "wrong password"},
		"unknown email":  {"email": "nobody@example.com", "password": testPassword},
	} {
		bad := e.call(http.MethodPost, "/api/auth/login", body, "")
		assert.Equal(t, http.StatusUnauthorized, bad.Status, name)
		assert.Contains(t, string(bad.Body), "wrong email or password", "%s: the same answer whether or not the email exists", name)
	}
	badEmail := e.call(http.MethodPost, "/api/auth/login", map[string]string{"email": "not-an-email", "password": "x"}, "")
	require.Equal(t, http.StatusBadRequest, badEmail.Status)
	assert.Equal(t, "must be an email address", badEmail.ErrorField(t, "email"))
}

func TestLogin_DeactivatedUserLosesAccess(t *testing.T) {
	e := newAPI(t)
	require.Equal(t, http.StatusOK, e.call(http.MethodGet, "/api/auth/me", nil, e.agentTok).Status)
	off := false
	_, err := e.store.UpdateUser(e.ctx, e.agent.ID, db.UserChange{IsActive: &off})
	require.NoError(t, err)
	assert.Equal(t, http.StatusUnauthorized, e.call(http.MethodGet, "/api/auth/me", nil, e.agentTok).Status, "an issued token stops working at once")
	res := e.call(http.MethodPost, "/api/auth/login", map[string]string{"email": e.agent.Email, "password": testPassword}, "")
	assert.Equal(t, http.StatusUnauthorized, res.Status, "a deactivated user cannot log in")
}

func TestLogin_DemotionTakesEffectAtOnce(t *testing.T) {
	e := newAPI(t)
	second := e.user(db.RoleAdmin)
	tok := e.token(second)
	require.Equal(t, http.StatusOK, e.call(http.MethodGet, "/api/users", nil, tok).Status)
	agent := db.RoleAgent
	_, err := e.store.UpdateUser(e.ctx, second.ID, db.UserChange{Role: &agent})
	require.NoError(t, err)
	assert.Equal(t, http.StatusForbidden, e.call(http.MethodGet, "/api/users", nil, tok).Status, "the token still says admin; the database decides")
}

func TestAPIKeys(t *testing.T) {
	e := newAPI(t)
	res := e.call(http.MethodPost, "/api/auth/api-keys", map[string]any{"name": "crm sync"}, e.adminToken)
	require.Equal(t, http.StatusCreated, res.Status, "%s", res.Body)
	created := res.JSON(t)
	key, _ := created["key"].(string)
	require.True(t, strings.HasPrefix(key, "wab_"), "%s", res.Body)
	assert.Equal(t, "admin", created["role"], "a key defaults to its owner's role")
	assert.True(t, strings.HasPrefix(key, created["prefix"].(string)))

	// The key works as a bearer token and as X-API-Key, with its owner's rights.
	assert.Equal(t, http.StatusOK, e.call(http.MethodGet, "/api/users", nil, key).Status)
	req := e.call(http.MethodGet, "/api/auth/me", nil, key)
	require.Equal(t, http.StatusOK, req.Status)
	assert.Equal(t, e.admin.ID.String(), req.JSON(t)["id"])

	// The listing never shows the key again.
	list := e.call(http.MethodGet, "/api/auth/api-keys", nil, e.adminToken)
	require.Equal(t, http.StatusOK, list.Status)
	assert.NotContains(t, string(list.Body), key)
	assert.Contains(t, string(list.Body), "crm sync")

	// A key cannot mint keys.
	minted := e.call(http.MethodPost, "/api/auth/api-keys", map[string]any{"name": "more"}, key)
	assert.Equal(t, http.StatusForbidden, minted.Status, "%s", minted.Body)

	// Revoked keys stop working; revoking twice is 404.
	id := created["id"].(string)
	require.Equal(t, http.StatusNoContent, e.call(http.MethodDelete, "/api/auth/api-keys/"+id, nil, e.adminToken).Status)
	assert.Equal(t, http.StatusUnauthorized, e.call(http.MethodGet, "/api/auth/me", nil, key).Status)
	assert.Equal(t, http.StatusNotFound, e.call(http.MethodDelete, "/api/auth/api-keys/"+id, nil, e.adminToken).Status)
}

func TestAPIKeys_RoleAndExpiry(t *testing.T) {
	e := newAPI(t)
	res := e.call(http.MethodPost, "/api/auth/api-keys", map[string]any{"name": "escalate", "role": "admin"}, e.agentTok)
	require.Equal(t, http.StatusForbidden, res.Status, "an agent cannot create an admin key: %s", res.Body)
	assert.NotEmpty(t, res.ErrorField(t, "role"))

	res = e.call(http.MethodPost, "/api/auth/api-keys", map[string]any{"name": "x", "role": "owner"}, e.adminToken)
	require.Equal(t, http.StatusBadRequest, res.Status)
	assert.Equal(t, "must be one of: admin, agent", res.ErrorField(t, "role"))

	res = e.call(http.MethodPost, "/api/auth/api-keys", map[string]any{"name": "x", "expiresAt": time.Now().Add(-time.Hour)}, e.adminToken)
	require.Equal(t, http.StatusBadRequest, res.Status)
	assert.Equal(t, "must be in the future", res.ErrorField(t, "expiresAt"))

	// An agent key of an admin reads but cannot administer.
	res = e.call(http.MethodPost, "/api/auth/api-keys", map[string]any{"name": "read only", "role": "agent"}, e.adminToken)
	require.Equal(t, http.StatusCreated, res.Status, "%s", res.Body)
	key := res.JSON(t)["key"].(string)
	assert.Equal(t, http.StatusOK, e.call(http.MethodGet, "/api/auth/me", nil, key).Status)
	assert.Equal(t, http.StatusForbidden, e.call(http.MethodGet, "/api/users", nil, key).Status)
}

func TestUsers(t *testing.T) {
	e := newAPI(t)
	res := e.call(http.MethodPost, "/api/users", map[string]any{"email": "new.agent@example.com", "password": "longenough", "role": "agent", "name": "New"}, e.adminToken)
	require.Equal(t, http.StatusCreated, res.Status, "%s", res.Body)
	id := res.JSON(t)["id"].(string)

	dup := e.call(http.MethodPost, "/api/users", map[string]any{"email": "NEW.agent@example.com", "password": "longenough", "role": "agent"}, e.adminToken)
	require.Equal(t, http.StatusConflict, dup.Status, "emails are unique in any case: %s", dup.Body)
	assert.Equal(t, "is taken", dup.ErrorField(t, "email"))

	short := e.call(http.MethodPost, "/api/users", map[string]any{"email": "a@example.com", "password": "short", "role": "agent"}, e.adminToken)
	require.Equal(t, http.StatusBadRequest, short.Status)
	assert.Equal(t, "must be at least 8 characters long", short.ErrorField(t, "password"))

	// The new user logs in, then an admin changes their password.
	login := e.call(http.MethodPost, "/api/auth/login", map[string]string{"email": "new.agent@example.com", "password": "longenough"}, "")
	require.Equal(t, http.StatusOK, login.Status)
	upd := e.call(http.MethodPatch, "/api/users/"+id, map[string]any{"password": "another-password", "name": "Renamed"}, e.adminToken)
	require.Equal(t, http.StatusOK, upd.Status, "%s", upd.Body)
	assert.Equal(t, "Renamed", upd.JSON(t)["name"])
	assert.Equal(t, http.StatusUnauthorized, e.call(http.MethodPost, "/api/auth/login", map[string]string{"email": "new.agent@example.com", "password": "longenough"}, "").Status)
	assert.Equal(t, http.StatusOK, e.call(http.MethodPost, "/api/auth/login", map[string]string{"email": "new.agent@example.com", "password": "another-password"}, "").Status)

	list := e.call(http.MethodGet, "/api/users", nil, e.adminToken)
	require.Equal(t, http.StatusOK, list.Status)
	assert.Contains(t, string(list.Body), "new.agent@example.com")
	assert.NotContains(t, string(list.Body), "$2a$", "no password hashes in listings")

	require.Equal(t, http.StatusNoContent, e.call(http.MethodDelete, "/api/users/"+id, nil, e.adminToken).Status)
	assert.Equal(t, http.StatusNotFound, e.call(http.MethodGet, "/api/users/"+id, nil, e.adminToken).Status)
	assert.Equal(t, http.StatusBadRequest, e.call(http.MethodGet, "/api/users/not-a-uuid", nil, e.adminToken).Status)
}

func TestUsers_LastAdminStays(t *testing.T) {
	e := newAPI(t)
	// Other tests' admins live in other transactions; here e.admin is the only one.
	users, err := e.store.Users(e.ctx)
	require.NoError(t, err)
	for _, u := range users {
		if u.Role == db.RoleAdmin && u.ID != e.admin.ID {
			require.NoError(t, e.store.DeleteUser(e.ctx, u.ID))
		}
	}
	self := e.call(http.MethodDelete, "/api/users/"+e.admin.ID.String(), nil, e.adminToken)
	assert.Equal(t, http.StatusConflict, self.Status, "%s", self.Body)
	demote := e.call(http.MethodPatch, "/api/users/"+e.admin.ID.String(), map[string]any{"role": "agent"}, e.adminToken)
	assert.Equal(t, http.StatusConflict, demote.Status, "%s", demote.Body)
	off := e.call(http.MethodPatch, "/api/users/"+e.admin.ID.String(), map[string]any{"isActive": false}, e.adminToken)
	assert.Equal(t, http.StatusConflict, off.Status, "%s", off.Body)
	me := e.call(http.MethodGet, "/api/auth/me", nil, e.adminToken)
	require.Equal(t, http.StatusOK, me.Status)
	assert.Equal(t, "admin", me.JSON(t)["role"], "the refused change was rolled back")
}

// TestJSONBody_RefusesCompression: a compressed body could inflate far past
// the body limit, so JSON routes take only plain bodies.
func TestJSONBody_RefusesCompression(t *testing.T) {
	e := newAPI(t)
	req := httptest.NewRequestWithContext(e.ctx, http.MethodPost, "/api/auth/login", strings.NewReader("\x1f\x8b not really gzip"))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Content-Encoding", "gzip")
	res, err := e.app.Test(req, 10_000)
	require.NoError(t, err)
	defer res.Body.Close()
	assert.Equal(t, http.StatusUnsupportedMediaType, res.StatusCode)
}
