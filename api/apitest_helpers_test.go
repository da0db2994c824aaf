package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"

	"github.com/wabuilder/wab/api"
	"github.com/wabuilder/wab/api/auth"
	"github.com/wabuilder/wab/db"
	"github.com/wabuilder/wab/db/dbtest"
)

// testPassword is every test user's password.
const testPassword = "correct horse battery"

// testPasswordHash is bcrypt at the lowest cost, so tests log in fast.
var testPasswordHash = func() string {
	h, err := bcrypt.GenerateFromPassword([]byte(testPassword), bcrypt.MinCost)
	if err != nil {
		panic(err)
	}
	return string(h)
}()

// apiEnv is the API on a real database (one transaction, rolled back when
// the test ends), with an admin and an agent already logged in.
type apiEnv struct {
	t      *testing.T
	ctx    context.Context
	app    *fiber.App
	store  *db.Store
	tokens *auth.Tokens

	admin, agent         db.User
	adminToken, agentTok string
}

// newAPI builds the app; mods adjust the dependencies before it is built.
func newAPI(t *testing.T, mods ...func(*api.Deps)) *apiEnv {
	t.Helper()
	store := dbtest.Store(context.Background(), t)
	d := api.Deps{}
	for _, m := range mods {
		m(&d)
	}
	return envOver(t, store, d)
}

// testTokens signs the tests' login tokens.
func testTokens(t *testing.T) *auth.Tokens {
	t.Helper()
	tokens, err := auth.NewTokens([]byte("test-jwt-key-0123456789abcdef-0123456789"), time.Hour)
	require.NoError(t, err)
	return tokens
}

// envOver builds the app from d over store (which also serves as the
// database probe, the webhook's accounts and its ingest unless d sets
// them) and logs an admin and an agent in.
func envOver(t *testing.T, store *db.Store, d api.Deps) *apiEnv {
	t.Helper()
	d.Store, d.Tokens = store, testTokens(t)
	if d.Database == nil {
		d.Database = store
	}
	if d.Accounts == nil {
		d.Accounts = store
	}
	if d.Ingest == nil {
		d.Ingest = store
	}
	e := &apiEnv{t: t, ctx: context.Background(), app: api.New(d), store: store, tokens: d.Tokens}
	e.admin = e.user(db.RoleAdmin)
	e.agent = e.user(db.RoleAgent)
	e.adminToken = e.token(e.admin)
	e.agentTok = e.token(e.agent)
	return e
}

// forTest is the env with t as the test that fails on errors.
func (e *apiEnv) forTest(t *testing.T) *apiEnv {
	c := *e
	c.t = t
	return &c
}

// user creates a user with testPassword.
func (e *apiEnv) user(role db.Role) db.User {
	e.t.Helper()
	u, err := e.store.CreateUser(e.ctx, db.NewUser{Email: "u" + dbtest.Unique() + "@example.com", PasswordHash: testPasswordHash, Name: string(role), Role: role})
	require.NoError(e.t, err)
	return u
}

// token issues a login token for u without going through /login.
func (e *apiEnv) token(u db.User) string {
	e.t.Helper()
	tok, _, err := e.tokens.Issue(auth.Principal{UserID: u.ID, Email: u.Email, Role: auth.Role(u.Role)})
	require.NoError(e.t, err)
	return tok
}

// response is a decoded answer.
type response struct {
	Status int
	Header map[string]string
	Body   []byte
}

// JSON decodes the body into a generic value.
func (r response) JSON(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(r.Body, &m), "body: %s", r.Body)
	return m
}

// Decode decodes the body into v.
func (r response) Decode(t *testing.T, v any) {
	t.Helper()
	require.NoError(t, json.Unmarshal(r.Body, v), "body: %s", r.Body)
}

// ErrorField returns the error body's message for field, failing if the body
// is not the one error shape.
func (r response) ErrorField(t *testing.T, field string) string {
	t.Helper()
	var body struct {
		Error struct {
			Code    string            `json:"code"`
			Message string            `json:"message"`
			Fields  map[string]string `json:"fields"`
		} `json:"error"`
	}
	require.NoError(t, json.Unmarshal(r.Body, &body), "body: %s", r.Body)
	require.NotEmpty(t, body.Error.Code, "body: %s", r.Body)
	msg, ok := body.Error.Fields[field]
	require.True(t, ok, "no field %q in %s", field, r.Body)
	return msg
}

// call sends a request; body is JSON-encoded unless it is []byte or nil.
// token may be "" (anonymous), a JWT or an API key.
func (e *apiEnv) call(method, path string, body any, token string) response {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		require.NoError(e.t, err)
		rd = bytes.NewReader(raw)
	}
	req := httptest.NewRequestWithContext(e.ctx, method, path, rd)
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := e.app.Test(req, 10_000)
	require.NoError(e.t, err)
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	require.NoError(e.t, err)
	hdr := map[string]string{}
	for k := range res.Header {
		hdr[k] = res.Header.Get(k)
	}
	return response{Status: res.StatusCode, Header: hdr, Body: raw}
}
