package api_test

import (
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// publicRoutes are the only routes that answer without a credential: Meta's
// webhook (signed instead), probes, metrics, login, and the API's description.
var publicRoutes = []string{
	"GET /health", "GET /health/liveness", "GET /health/readiness",
	"GET /api/webhooks/whatsapp", "POST /api/webhooks/whatsapp",
	"GET /metrics",
	"POST /api/auth/login",
	"GET /api/openapi.json", "GET /api/docs",
}

// docRoute is one operation of the OpenAPI document.
type docRoute struct {
	method, path string // path in Fiber syntax
	op           *openapi3.Operation
}

var docParam = regexp.MustCompile(`\{([^}]+)\}`)

func loadDoc(t *testing.T, e *apiEnv) (*openapi3.T, map[string]docRoute) {
	t.Helper()
	res := e.call(http.MethodGet, "/api/openapi.json", nil, "")
	require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
	doc, err := openapi3.NewLoader().LoadFromData(res.Body)
	require.NoError(t, err)
	require.NoError(t, doc.Validate(t.Context()), "the document must be valid OpenAPI 3")
	routes := map[string]docRoute{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			fp := docParam.ReplaceAllString(path, ":$1")
			routes[method+" "+fp] = docRoute{method: method, path: fp, op: op}
		}
	}
	return doc, routes
}

// routerRoutes lists what the app serves, without Fiber's implicit HEAD
// routes and the catch-all.
func routerRoutes(e *apiEnv) map[string]bool {
	out := map[string]bool{}
	for _, r := range e.app.GetRoutes(true) {
		if r.Method == http.MethodHead || r.Path == "/" || strings.HasSuffix(r.Path, "*") {
			continue
		}
		out[r.Method+" "+r.Path] = true
	}
	return out
}

// TestOpenAPI_MatchesRouter walks the router and the document and fails on
// any route in one but not the other.
func TestOpenAPI_MatchesRouter(t *testing.T) {
	e := newAPI(t)
	_, doc := loadDoc(t, e)
	router := routerRoutes(e)
	for r := range router {
		assert.Contains(t, doc, r, "the router serves %s but the document does not describe it", r)
	}
	for r := range doc {
		assert.True(t, router[r], "the document describes %s but the router does not serve it", r)
	}
	require.Greater(t, len(router), len(publicRoutes), "the router scan found too little")

	page := e.call(http.MethodGet, "/api/docs", nil, "")
	require.Equal(t, http.StatusOK, page.Status)
	assert.Contains(t, string(page.Body), "/api/openapi.json", "the docs page must render this API's document")
}

// fill replaces path parameters with values of the right shape that name
// nothing.
func fill(path string) string {
	return regexp.MustCompile(`:[A-Za-z_]+`).ReplaceAllString(path, "00000000-0000-4000-8000-00000000abcd")
}

// TestAuth_EveryRouteRefusesAnonymous: every route but the public ones answers
// 401 without a credential and with a bad one; admin routes answer an agent 403.
func TestAuth_EveryRouteRefusesAnonymous(t *testing.T) {
	e := newAPI(t)
	_, doc := loadDoc(t, e)
	for key, r := range doc {
		access, _ := r.op.Extensions["x-access"].(string)
		isPublic := slices.Contains(publicRoutes, key)
		require.Equal(t, isPublic, access == "public", "%s: the document says access %q", key, access)
		if isPublic {
			continue
		}
		path := fill(r.path)
		for name, token := range map[string]string{"no credential": "", "forged token": "eyJhbGciOiJIUzI1NiJ9.e30.c2lnbmF0dXJl", "unknown key": "wab_doesnotexist"} {
			res := e.call(r.method, path, nil, token)
			assert.Equal(t, http.StatusUnauthorized, res.Status, "%s with %s: %s", key, name, res.Body)
			assertErrorShape(t, res, "unauthorized")
		}
		if access == "admin" {
			res := e.call(r.method, path, nil, e.agentTok)
			assert.Equal(t, http.StatusForbidden, res.Status, "%s as an agent: %s", key, res.Body)
			assertErrorShape(t, res, "forbidden")
		}
	}
}

// TestWriteRoutes_RejectBadInput: every route that takes a JSON body answers
// a broken body, a body of the wrong type and (when fields are required) an
// empty object with a 400 naming the field.
func TestWriteRoutes_RejectBadInput(t *testing.T) {
	e := newAPI(t)
	_, doc := loadDoc(t, e)
	checked := 0
	for key, r := range doc {
		if r.op.RequestBody == nil || r.op.RequestBody.Value.Content.Get("application/json") == nil || key == "POST /api/webhooks/whatsapp" {
			continue
		}
		checked++
		path := fill(r.path)
		token := e.adminToken
		if key == "POST /api/auth/login" {
			token = ""
		}
		broken := e.call(r.method, path, []byte(`{"name":`), token)
		require.Equal(t, http.StatusBadRequest, broken.Status, "%s with broken JSON: %s", key, broken.Body)
		assert.NotEmpty(t, broken.ErrorField(t, "body"), key)

		wrongType := e.call(r.method, path, []byte(`[1,2]`), token)
		require.Equal(t, http.StatusBadRequest, wrongType.Status, "%s with an array body: %s", key, wrongType.Body)
		assert.NotEmpty(t, wrongType.ErrorField(t, "body"), key)

		schema := r.op.RequestBody.Value.Content.Get("application/json").Schema.Value
		if len(schema.Required) > 0 {
			empty := e.call(r.method, path, []byte(`{}`), token)
			require.Equal(t, http.StatusBadRequest, empty.Status, "%s with {}: %s", key, empty.Body)
			var body struct {
				Error struct {
					Fields map[string]string `json:"fields"`
				} `json:"error"`
			}
			require.NoError(t, json.Unmarshal(empty.Body, &body))
			for _, f := range schema.Required {
				assert.Contains(t, body.Error.Fields, f, "%s with {} must name the required field %q: %s", key, f, empty.Body)
			}
		}
	}
	require.Positive(t, checked)
}

func assertErrorShape(t *testing.T, res response, code string) {
	t.Helper()
	var body struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if assert.NoError(t, json.Unmarshal(res.Body, &body), "body: %s", res.Body) {
		assert.Equal(t, code, body.Error.Code, "body: %s", res.Body)
		assert.NotEmpty(t, body.Error.Message)
	}
}
