package api_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/wabuilder/wab/activities/whatsapp"
	"github.com/wabuilder/wab/activities/whatsapp/sandbox"
	"github.com/wabuilder/wab/api"
	"github.com/wabuilder/wab/db"
	"github.com/wabuilder/wab/db/dbtest"
	"github.com/wabuilder/wab/db/secret"
)

type accountResp struct {
	ID                 string `json:"id"`
	Name               string `json:"name"`
	PhoneNumberID      string `json:"phoneNumberId"`
	DisplayPhoneNumber string `json:"displayPhoneNumber"`
	APIVersion         string `json:"apiVersion"`
	APIBaseURL         string `json:"apiBaseUrl"`
	SendRatePerSecond  int    `json:"sendRatePerSecond"`
	Health             string `json:"health"`
	HealthReason       string `json:"healthReason"`
	HasAccessToken     bool   `json:"hasAccessToken"`
	HasAppSecret       bool   `json:"hasAppSecret"`
	HasVerifyToken     bool   `json:"hasVerifyToken"`
}

// noSecrets fails if any response body shows one of the secrets.
func noSecrets(t *testing.T, res response, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		require.NotContains(t, string(res.Body), s, "a credential leaked into a response")
	}
}

func TestAccounts_CredentialsAreWriteOnly(t *testing.T) {
	t.Parallel()
	e := newAPI(t)
	pnid := dbtest.Unique()
	const token, appSecret, verify = "EAAG-secret-token-1", "app-secret-value-1", "verify-token-value-1"
	created := e.call(http.MethodPost, "/api/accounts", map[string]any{
		"name": "Support line", "phoneNumberId": pnid, "accessToken": token, "appSecret": appSecret, "verifyToken": verify,
	}, e.adminToken)
	require.Equal(t, http.StatusCreated, created.Status, "%s", created.Body)
	noSecrets(t, created, token, appSecret, verify)
	var acc accountResp
	created.Decode(t, &acc)
	require.Equal(t, accountResp{
		ID: acc.ID, Name: "Support line", PhoneNumberID: pnid, APIVersion: whatsapp.DefaultVersion, APIBaseURL: whatsapp.DefaultBaseURL,
		SendRatePerSecond: 80, Health: "unknown", HasAccessToken: true, HasAppSecret: true, HasVerifyToken: true,
	}, acc)

	// Agents read numbers; every read hides the credentials.
	list := e.call(http.MethodGet, "/api/accounts", nil, e.agentTok)
	require.Equal(t, http.StatusOK, list.Status, "%s", list.Body)
	require.Contains(t, string(list.Body), pnid)
	noSecrets(t, list, token, appSecret, verify)
	one := e.call(http.MethodGet, "/api/accounts/"+acc.ID, nil, e.agentTok)
	require.Equal(t, http.StatusOK, one.Status)
	noSecrets(t, one, token, appSecret, verify)

	// A new token clears the health the old one earned.
	id := uuidOf(t, acc.ID)
	require.NoError(t, e.store.SetAccountHealth(e.ctx, id, db.HealthUnhealthy, "token expired"))
	patched := e.call(http.MethodPatch, "/api/accounts/"+acc.ID, map[string]any{"accessToken": "EAAG-secret-token-2", "sendRatePerSecond": 20}, e.adminToken)
	require.Equal(t, http.StatusOK, patched.Status, "%s", patched.Body)
	noSecrets(t, patched, "EAAG-secret-token-2")
	patched.Decode(t, &acc)
	require.Equal(t, "unknown", acc.Health)
	require.Empty(t, acc.HealthReason)
	require.Equal(t, 20, acc.SendRatePerSecond)
	stored, err := e.store.Account(e.ctx, id)
	require.NoError(t, err)
	require.Equal(t, "EAAG-secret-token-2", stored.AccessToken.Reveal())
	require.Equal(t, appSecret, stored.AppSecret.Reveal(), "what the PATCH did not name is kept")
	require.Equal(t, "Support line", stored.Name)

	dup := e.call(http.MethodPost, "/api/accounts", map[string]any{"phoneNumberId": pnid, "accessToken": "x", "appSecret": "y"}, e.adminToken)
	require.Equal(t, http.StatusConflict, dup.Status)
	require.Equal(t, "is taken", dup.ErrorField(t, "phoneNumberId"))

	require.Equal(t, http.StatusNoContent, e.call(http.MethodDelete, "/api/accounts/"+acc.ID, nil, e.adminToken).Status)
	require.Equal(t, http.StatusNotFound, e.call(http.MethodGet, "/api/accounts/"+acc.ID, nil, e.adminToken).Status)
	require.Equal(t, http.StatusNotFound, e.call(http.MethodDelete, "/api/accounts/"+acc.ID, nil, e.adminToken).Status)
}

func TestAccounts_RejectBadInput(t *testing.T) {
	t.Parallel()
	e := newAPI(t)
	base := func(k string, v any) map[string]any {
		b := map[string]any{"phoneNumberId": dbtest.Unique(), "accessToken": "t", "appSecret": "s"}
		b[k] = v
		return b
	}
	for _, tc := range []struct {
		field string
		body  map[string]any
	}{
		{"phoneNumberId", base("phoneNumberId", "+1 555 0100")},
		{"apiVersion", base("apiVersion", "23")},
		{"apiBaseUrl", base("apiBaseUrl", "graph.facebook.com")},
		{"apiBaseUrl", base("apiBaseUrl", db.TestChannelBaseURL)},
		{"verifyToken", base("verifyToken", "short")},
	} {
		res := e.call(http.MethodPost, "/api/accounts", tc.body, e.adminToken)
		require.Equal(t, http.StatusBadRequest, res.Status, "%s: %s", tc.field, res.Body)
		require.NotEmpty(t, res.ErrorField(t, tc.field))
	}
	acc := dbtest.Account(e.ctx, t, e.store, nil)
	res := e.call(http.MethodPatch, "/api/accounts/"+acc.ID.String(), map[string]any{"accessToken": ""}, e.adminToken)
	require.Equal(t, http.StatusBadRequest, res.Status)
	require.NotEmpty(t, res.ErrorField(t, "accessToken"), "an empty token would silently break sending")

	// The test sessions' number is the app's: shown, marked, not writable.
	tc, err := e.store.TestChannelAccount(e.ctx)
	require.NoError(t, err)
	one := e.call(http.MethodGet, "/api/accounts/"+tc.ID.String(), nil, e.agentTok)
	require.Equal(t, http.StatusOK, one.Status)
	require.Equal(t, true, one.JSON(t)["isTestChannel"])
	require.Equal(t, http.StatusConflict, e.call(http.MethodPatch, "/api/accounts/"+tc.ID.String(), map[string]any{"name": "mine"}, e.adminToken).Status)
	require.Equal(t, http.StatusConflict, e.call(http.MethodDelete, "/api/accounts/"+tc.ID.String(), nil, e.adminToken).Status)
}

func TestAccounts_DeleteKeepsHistory(t *testing.T) {
	t.Parallel()
	e := newAPI(t)
	conv := dbtest.Conversation(e.ctx, t, e.store, nil)
	res := e.call(http.MethodDelete, "/api/accounts/"+conv.AccountID.String(), nil, e.adminToken)
	require.Equal(t, http.StatusConflict, res.Status, "%s", res.Body)
	_, err := e.store.Account(e.ctx, conv.AccountID)
	require.NoError(t, err)
}

func TestAccounts_WebhookSetup(t *testing.T) {
	t.Parallel()
	e := newAPI(t, func(d *api.Deps) { d.PublicURL = "https://bot.example.com/" })
	created := e.call(http.MethodPost, "/api/accounts", map[string]any{"phoneNumberId": dbtest.Unique(), "accessToken": "t", "appSecret": "s"}, e.adminToken)
	require.Equal(t, http.StatusCreated, created.Status, "%s", created.Body)
	var acc accountResp
	created.Decode(t, &acc)
	require.True(t, acc.HasVerifyToken, "a verify token is generated when none is given")

	res := e.call(http.MethodGet, "/api/accounts/"+acc.ID+"/webhook", nil, e.adminToken)
	require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
	setup := res.JSON(t)
	require.Equal(t, "https://bot.example.com"+api.WebhookPath, setup["url"])
	tok, _ := setup["verifyToken"].(string)
	require.GreaterOrEqual(t, len(tok), 32)
	stored, err := e.store.Account(e.ctx, uuidOf(t, acc.ID))
	require.NoError(t, err)
	require.Equal(t, stored.VerifyToken.Reveal(), tok)

	// Without a public URL, the URL the request came in on.
	plain := newAPI(t)
	a := dbtest.Account(plain.ctx, t, plain.store, nil)
	res = plain.call(http.MethodGet, "/api/accounts/"+a.ID.String()+"/webhook", nil, plain.adminToken)
	require.Equal(t, http.StatusOK, res.Status)
	require.Equal(t, "http://example.com"+api.WebhookPath, res.JSON(t)["url"])
}

// A rotated verify token takes effect at once: the webhook's cache is
// dropped on every account write, not left to expire.
func TestAccounts_WritesReachTheWebhookAtOnce(t *testing.T) {
	t.Parallel()
	e := newAPI(t, func(d *api.Deps) { d.AccountsTTL = 12 * time.Hour })
	old := "old-verify-" + dbtest.Unique()
	a := dbtest.Account(e.ctx, t, e.store, &dbtest.AccountOpts{VerifyToken: secret.Value(old)})
	handshake := func(tok string) int {
		q := url.Values{"hub.mode": {"subscribe"}, "hub.verify_token": {tok}, "hub.challenge": {"42"}}
		return e.call(http.MethodGet, api.WebhookPath+"?"+q.Encode(), nil, "").Status
	}
	require.Equal(t, http.StatusOK, handshake(old), "primes the cache")

	rotated := "new-verify-" + dbtest.Unique()
	res := e.call(http.MethodPatch, "/api/accounts/"+a.ID.String(), map[string]any{"verifyToken": rotated}, e.adminToken)
	require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
	require.Equal(t, http.StatusForbidden, handshake(old), "the old token stops working at once")
	require.Equal(t, http.StatusOK, handshake(rotated))

	require.Equal(t, http.StatusNoContent, e.call(http.MethodDelete, "/api/accounts/"+a.ID.String(), nil, e.adminToken).Status)
	require.Equal(t, http.StatusForbidden, handshake(rotated), "a deleted number's token is gone too")
}

func TestAccounts_ConnectionTest(t *testing.T) {
	t.Parallel()
	sb := sandbox.New(sandbox.Options{Numbers: []sandbox.Number{{PhoneNumberID: "100999", DisplayPhoneNumber: "+1 555 0100", VerifiedName: "Acme Support"}}})
	srv := httptest.NewServer(sb)
	t.Cleanup(func() { srv.Close(); sb.Close() })
	e := newAPI(t, func(d *api.Deps) { d.Graph = whatsapp.NewClient(srv.Client()) })
	test := func(a db.Account) (response, map[string]any) {
		t.Helper()
		res := e.call(http.MethodGet, "/api/accounts/"+a.ID.String()+"/test", nil, e.adminToken)
		require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
		noSecrets(t, res, a.AccessToken.Reveal())
		return res, res.JSON(t)
	}

	good := dbtest.Account(e.ctx, t, e.store, &dbtest.AccountOpts{PhoneNumberID: "100999", APIBaseURL: srv.URL, AccessToken: secret.Value("good-token-123")})
	_, out := test(good)
	require.Equal(t, true, out["ok"])
	require.Equal(t, "Acme Support", out["verifiedName"])
	require.Equal(t, "+1 555 0100", out["displayPhoneNumber"])
	require.Equal(t, "GREEN", out["qualityRating"])
	require.Equal(t, "healthy", out["account"].(map[string]any)["health"])
	reqs := sb.Requests()
	require.Equal(t, sandbox.KindPhoneNumberInfo, reqs[len(reqs)-1].Kind)

	// Meta refuses the token (the sandbox refuses a blank one): the account
	// is unhealthy, with Meta's reason.
	revoked := dbtest.Account(e.ctx, t, e.store, &dbtest.AccountOpts{APIBaseURL: srv.URL, AccessToken: secret.Value("\t\t")})
	_, out = test(revoked)
	require.Equal(t, false, out["ok"])
	require.Equal(t, whatsapp.ErrKindAuth, out["error"].(map[string]any)["kind"])
	require.InDelta(t, 190, out["error"].(map[string]any)["code"], 0)
	acc := out["account"].(map[string]any)
	require.Equal(t, "unhealthy", acc["health"])
	require.Contains(t, acc["healthReason"], whatsapp.ErrKindAuth)

	// No answer says nothing about the account: its health stands.
	unreachable := dbtest.Account(e.ctx, t, e.store, &dbtest.AccountOpts{AccessToken: secret.Value("unreachable-token-9")})
	res, out := test(unreachable)
	require.Equal(t, false, out["ok"])
	require.Equal(t, whatsapp.ErrKindNetwork, out["error"].(map[string]any)["kind"])
	require.Equal(t, "unknown", out["account"].(map[string]any)["health"])
	require.Equal(t, "the Graph API could not be reached", out["error"].(map[string]any)["message"], "no internal addresses or errors: %s", res.Body)
}

func TestAccounts_ConnectionTestNeedsGraph(t *testing.T) {
	t.Parallel()
	e := newAPI(t)
	a := dbtest.Account(e.ctx, t, e.store, nil)
	res := e.call(http.MethodGet, "/api/accounts/"+a.ID.String()+"/test", nil, e.adminToken)
	require.Equal(t, http.StatusServiceUnavailable, res.Status)
	assertErrorShape(t, res, "unavailable")
}

func uuidOf(t *testing.T, s string) uuid.UUID {
	t.Helper()
	id, err := uuid.Parse(s)
	require.NoError(t, err)
	return id
}
