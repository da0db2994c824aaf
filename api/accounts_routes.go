package api

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"regexp"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/wabuilder/wab/activities/whatsapp"
	"github.com/wabuilder/wab/db"
	"github.com/wabuilder/wab/db/secret"
)

// accountView is a business number as the API shows it. Credentials are
// write-only: the view says whether each is set, never what it is.
type accountView struct {
	ID                 uuid.UUID `json:"id"`
	Name               string    `json:"name"`
	PhoneNumberID      string    `json:"phoneNumberId"`
	WABAID             string    `json:"wabaId"`
	DisplayPhoneNumber string    `json:"displayPhoneNumber"`
	APIVersion         string    `json:"apiVersion"`
	APIBaseURL         string    `json:"apiBaseUrl"`
	SendRatePerSecond  int       `json:"sendRatePerSecond" doc:"messages per second this number may send, across every worker"`
	Health             string    `json:"health" validate:"oneof=unknown healthy unhealthy" doc:"from the last connection test or send that failed for the account's sake"`
	HealthReason       string    `json:"healthReason" doc:"why it is unhealthy (Meta's error)"`
	HasAccessToken     bool      `json:"hasAccessToken"`
	HasAppSecret       bool      `json:"hasAppSecret"`
	HasVerifyToken     bool      `json:"hasVerifyToken"`
	IsTestChannel      bool      `json:"isTestChannel" doc:"the console's test sessions' number, not on WhatsApp; managed by the app"`
	CreatedAt          time.Time `json:"createdAt"`
	UpdatedAt          time.Time `json:"updatedAt"`
}

func viewAccount(a db.Account) accountView {
	return accountView{
		ID: a.ID, Name: a.Name, PhoneNumberID: a.PhoneNumberID, WABAID: a.WABAID, DisplayPhoneNumber: a.DisplayPhoneNumber,
		APIVersion: a.APIVersion, APIBaseURL: a.APIBaseURL, SendRatePerSecond: a.SendRatePerSecond,
		Health: string(a.Health), HealthReason: a.HealthReason,
		HasAccessToken: a.AccessToken.Reveal() != "", HasAppSecret: a.AppSecret.Reveal() != "", HasVerifyToken: a.VerifyToken.Reveal() != "",
		IsTestChannel: isTestChannel(a), CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt,
	}
}

type createAccountRequest struct {
	Name               string `json:"name" validate:"max=200" doc:"default: the phone number id"`
	PhoneNumberID      string `json:"phoneNumberId" validate:"required,numeric,max=64" doc:"Meta's phone number id (not the phone number)"`
	WABAID             string `json:"wabaId" validate:"omitempty,numeric,max=64"`
	DisplayPhoneNumber string `json:"displayPhoneNumber" validate:"max=32"`
	AccessToken        string `json:"accessToken" validate:"required,max=4096" doc:"write-only"`
	AppSecret          string `json:"appSecret" validate:"required,max=256" doc:"write-only; checks the webhook's signatures"`
	VerifyToken        string `json:"verifyToken" validate:"omitempty,min=8,max=256" doc:"write-only; generated when empty (see GET /api/accounts/{id}/webhook)"`
	APIVersion         string `json:"apiVersion" validate:"max=16" doc:"Graph API version, e.g. v23.0 (default)"`
	APIBaseURL         string `json:"apiBaseUrl" validate:"omitempty,http_url,max=512" doc:"default https://graph.facebook.com"`
	SendRatePerSecond  int    `json:"sendRatePerSecond" validate:"omitempty,min=1,max=1000" doc:"default 80, Meta's default throughput"`
}

// updateAccountRequest changes what it names; the phone number id is fixed
// (conversations are keyed by it).
type updateAccountRequest struct {
	Name               *string `json:"name" validate:"omitempty,min=1,max=200"`
	WABAID             *string `json:"wabaId" validate:"omitempty,numeric,max=64"`
	DisplayPhoneNumber *string `json:"displayPhoneNumber" validate:"omitempty,max=32"`
	AccessToken        *string `json:"accessToken" validate:"omitempty,min=1,max=4096" doc:"write-only"`
	AppSecret          *string `json:"appSecret" validate:"omitempty,min=1,max=256" doc:"write-only"`
	VerifyToken        *string `json:"verifyToken" validate:"omitempty,min=8,max=256" doc:"write-only"`
	APIVersion         *string `json:"apiVersion" validate:"omitempty,max=16"`
	APIBaseURL         *string `json:"apiBaseUrl" validate:"omitempty,http_url,max=512"`
	SendRatePerSecond  *int    `json:"sendRatePerSecond" validate:"omitempty,min=1,max=1000"`
}

// connectionTest is the outcome of GET /{phone_number_id} with the account's token.
type connectionTest struct {
	OK                 bool            `json:"ok"`
	PhoneNumberID      string          `json:"phoneNumberId"`
	DisplayPhoneNumber string          `json:"displayPhoneNumber,omitempty"`
	VerifiedName       string          `json:"verifiedName,omitempty"`
	QualityRating      string          `json:"qualityRating,omitempty" doc:"GREEN, YELLOW, RED or UNKNOWN"`
	Error              *graphErrorView `json:"error,omitempty" doc:"why the test failed"`
	Account            accountView     `json:"account" doc:"the account, its health updated"`
}

// graphErrorView is a Graph API failure as clients see it: Meta's own words,
// never a credential or an internal address.
type graphErrorView struct {
	Kind    string `json:"kind" doc:"WhatsAppAuth, WhatsAppNetwork, ... (see the README's error kinds)"`
	Code    int    `json:"code,omitempty" doc:"Meta's error code"`
	Message string `json:"message"`
}

type webhookSetup struct {
	URL           string `json:"url" doc:"the callback URL to paste into Meta's dashboard"`
	VerifyToken   string `json:"verifyToken" doc:"the verify token to paste next to it"`
	PhoneNumberID string `json:"phoneNumberId"`
	Fields        string `json:"fields" doc:"the webhook fields to subscribe to"`
}

func (h *handlers) accountRoutes() []route {
	return []route{
		{method: fiber.MethodGet, path: "/api/accounts", access: agentAccess, tag: "accounts", summary: "List the WhatsApp business numbers (credentials are never shown)", resp: listOf[accountView]{}, handler: h.listAccounts},
		{method: fiber.MethodPost, path: "/api/accounts", access: adminAccess, tag: "accounts", summary: "Add a WhatsApp business number", body: createAccountRequest{}, resp: accountView{}, status: fiber.StatusCreated, handler: h.createAccount},
		{method: fiber.MethodGet, path: "/api/accounts/:id", access: agentAccess, tag: "accounts", summary: "One business number", resp: accountView{}, handler: h.getAccount},
		{method: fiber.MethodPatch, path: "/api/accounts/:id", access: adminAccess, tag: "accounts", summary: "Change a number's name, credentials, endpoint or send rate", body: updateAccountRequest{}, resp: accountView{}, handler: h.updateAccount},
		{method: fiber.MethodDelete, path: "/api/accounts/:id", access: adminAccess, tag: "accounts", summary: "Delete a number that has no conversations (409 otherwise)", status: fiber.StatusNoContent, handler: h.deleteAccount},
		{method: fiber.MethodGet, path: "/api/accounts/:id/test", access: adminAccess, tag: "accounts", summary: "Test the connection: read the number from the Graph API with its token; updates the health", resp: connectionTest{}, handler: h.testAccount},
		{method: fiber.MethodGet, path: "/api/accounts/:id/webhook", access: adminAccess, tag: "accounts", summary: "The webhook URL and verify token to paste into Meta's dashboard: the only route that shows the verify token, since the admin must copy it", resp: webhookSetup{}, handler: h.accountWebhook},
	}
}

// graphVersion is what Graph accepts as a version: v23.0.
var graphVersion = regexp.MustCompile(`^v\d{1,3}\.\d{1,3}$`)

func checkVersion(v string) error {
	if !graphVersion.MatchString(v) {
		return BadRequest("apiVersion", "must be a Graph API version like v23.0")
	}
	return nil
}

// checkBaseURL keeps real numbers off the test channel's address, which
// only the test channel may have (a constraint ties them together).
func checkBaseURL(u string) error {
	if strings.TrimRight(u, "/") == db.TestChannelBaseURL {
		return BadRequest("apiBaseUrl", "is reserved for the test channel")
	}
	return nil
}

// isTestChannel reports whether a is the test sessions' number.
func isTestChannel(a db.Account) bool { return a.APIBaseURL == db.TestChannelBaseURL }

var errTestChannel = Conflict("the test channel is managed by the app and cannot be changed or deleted")

// writableAccount refuses writes to the test channel.
func (h *handlers) writableAccount(ctx context.Context, id uuid.UUID) error {
	a, err := h.d.Store.Account(ctx, id)
	if err != nil {
		return storeError("account", err)
	}
	if isTestChannel(a) {
		return errTestChannel
	}
	return nil
}

func (h *handlers) listAccounts(c *fiber.Ctx) error {
	accounts, err := h.d.Store.Accounts(c.UserContext())
	if err != nil {
		return internal("list accounts", err)
	}
	out := make([]accountView, len(accounts))
	for i, a := range accounts {
		out[i] = viewAccount(a)
	}
	return c.JSON(listOf[accountView]{Data: out})
}

func (h *handlers) createAccount(c *fiber.Ctx) error {
	var req createAccountRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	in := db.AccountInput{
		Name: strings.TrimSpace(req.Name), PhoneNumberID: req.PhoneNumberID, WABAID: req.WABAID,
		DisplayPhoneNumber: req.DisplayPhoneNumber, AccessToken: secret.Value(req.AccessToken),
		AppSecret: secret.Value(req.AppSecret), VerifyToken: secret.Value(req.VerifyToken),
		APIVersion: orDefault(req.APIVersion, whatsapp.DefaultVersion), APIBaseURL: orDefault(req.APIBaseURL, whatsapp.DefaultBaseURL),
		SendRatePerSecond: req.SendRatePerSecond,
	}
	if err := checkVersion(in.APIVersion); err != nil {
		return err
	}
	if err := checkBaseURL(in.APIBaseURL); err != nil {
		return err
	}
	if in.VerifyToken == "" {
		tok, err := newVerifyToken()
		if err != nil {
			return internal("generate verify token", err)
		}
		in.VerifyToken = secret.Value(tok)
	}
	a, err := h.d.Store.CreateAccount(c.UserContext(), in)
	if errors.Is(err, db.ErrConflict) {
		return &Error{Status: fiber.StatusConflict, Code: "conflict", Message: "phoneNumberId: this number exists", Fields: map[string]string{"phoneNumberId": "is taken"}}
	}
	if err != nil {
		return internal("create account", err)
	}
	h.accountsChanged()
	return c.Status(fiber.StatusCreated).JSON(viewAccount(a))
}

func (h *handlers) getAccount(c *fiber.Ctx) error {
	id, err := paramUUID(c, "id")
	if err != nil {
		return err
	}
	a, err := h.d.Store.Account(c.UserContext(), id)
	if err != nil {
		return storeError("account", err)
	}
	return c.JSON(viewAccount(a))
}

func (h *handlers) updateAccount(c *fiber.Ctx) error {
	id, err := paramUUID(c, "id")
	if err != nil {
		return err
	}
	var req updateAccountRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	if req.APIVersion != nil {
		if err := checkVersion(*req.APIVersion); err != nil {
			return err
		}
	}
	if req.APIBaseURL != nil {
		if err := checkBaseURL(*req.APIBaseURL); err != nil {
			return err
		}
	}
	if err := h.writableAccount(c.UserContext(), id); err != nil {
		return err
	}
	ch := db.AccountChange{
		Name: req.Name, WABAID: req.WABAID, DisplayPhoneNumber: req.DisplayPhoneNumber,
		AccessToken: secretPtr(req.AccessToken), AppSecret: secretPtr(req.AppSecret), VerifyToken: secretPtr(req.VerifyToken),
		APIVersion: req.APIVersion, APIBaseURL: req.APIBaseURL, SendRatePerSecond: req.SendRatePerSecond,
	}
	a, err := h.d.Store.UpdateAccount(c.UserContext(), id, ch)
	if err != nil {
		return storeError("account", err)
	}
	h.accountsChanged()
	return c.JSON(viewAccount(a))
}

func (h *handlers) deleteAccount(c *fiber.Ctx) error {
	id, err := paramUUID(c, "id")
	if err != nil {
		return err
	}
	if err := h.writableAccount(c.UserContext(), id); err != nil {
		return err
	}
	err = h.d.Store.DeleteAccount(c.UserContext(), id)
	if errors.Is(err, db.ErrInUse) {
		return Conflict("this number has conversations; its history would be lost")
	}
	if err != nil {
		return storeError("account", err)
	}
	h.accountsChanged()
	return c.SendStatus(fiber.StatusNoContent)
}

// accountTestTimeout bounds the connection test: Meta answers it in well
// under a second when it answers at all.
const accountTestTimeout = 15 * time.Second

func (h *handlers) testAccount(c *fiber.Ctx) error {
	id, err := paramUUID(c, "id")
	if err != nil {
		return err
	}
	if h.d.Graph == nil {
		return Unavailable("the Graph API client is not configured")
	}
	ctx := c.UserContext()
	a, err := h.d.Store.Account(ctx, id)
	if err != nil {
		return storeError("account", err)
	}
	callCtx, cancel := context.WithTimeout(ctx, accountTestTimeout)
	info, err := h.d.Graph.PhoneNumberInfo(callCtx, graphAccount(a))
	cancel()
	out := connectionTest{PhoneNumberID: a.PhoneNumberID}
	switch {
	case err == nil:
		out.OK, out.DisplayPhoneNumber, out.VerifiedName, out.QualityRating = true, info.DisplayPhoneNumber, info.VerifiedName, info.QualityRating
		err = h.d.Store.SetAccountHealth(ctx, id, db.HealthHealthy, "")
	case whatsapp.IsAccountProblem(err):
		out.Error = viewGraphError(err)
		err = h.d.Store.SetAccountHealth(ctx, id, db.HealthUnhealthy, out.Error.Kind+": "+out.Error.Message)
	default: // Meta or the network failed, not the account: its health stands.
		out.Error = viewGraphError(err)
		err = nil
	}
	if err != nil {
		return internal("record account health", err)
	}
	if a, err = h.d.Store.Account(ctx, id); err != nil {
		return storeError("account", err)
	}
	out.Account = viewAccount(a)
	return c.JSON(out)
}

func (h *handlers) accountWebhook(c *fiber.Ctx) error {
	id, err := paramUUID(c, "id")
	if err != nil {
		return err
	}
	a, err := h.d.Store.Account(c.UserContext(), id)
	if err != nil {
		return storeError("account", err)
	}
	base := strings.TrimRight(h.d.PublicURL, "/")
	if base == "" {
		base = c.BaseURL()
	}
	return c.JSON(webhookSetup{URL: base + WebhookPath, VerifyToken: a.VerifyToken.Reveal(), PhoneNumberID: a.PhoneNumberID, Fields: "messages"})
}

// accountsChanged makes the webhook see an account write at once, rather
// than when its cache expires (other API processes see it within their
// cache's TTL, or at once for a signature or number they do not know).
func (h *handlers) accountsChanged() {
	if h.accounts != nil {
		h.accounts.invalidate()
	}
}

// invalidate drops the cached set; the next request loads a fresh one. A
// load in progress holds the lock, so it cannot store its older set after.
func (c *accountCache) invalidate() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.cur = nil
}

// graphAccount is the Graph client's view of an account.
func graphAccount(a db.Account) whatsapp.Account {
	return whatsapp.Account{BaseURL: a.APIBaseURL, Version: a.APIVersion, PhoneNumberID: a.PhoneNumberID, AccessToken: a.AccessToken.Reveal()}
}

// viewGraphError describes a Graph failure without anything internal:
// Meta's message for an answer, a fixed text for no answer.
func viewGraphError(err error) *graphErrorView {
	v := &graphErrorView{Kind: whatsapp.KindOf(err), Message: "the Graph API could not be reached"}
	var apiErr *whatsapp.APIError
	var accErr *whatsapp.AccountError
	switch {
	case errors.As(err, &apiErr):
		v.Code = apiErr.Code
		v.Message = firstNonBlank(apiErr.Title, apiErr.Message, "Meta refused the request")
		if apiErr.Details != "" && apiErr.Details != v.Message {
			v.Message += ": " + apiErr.Details
		}
	case errors.As(err, &accErr):
		v.Message = "the account is misconfigured: " + accErr.Reason
	}
	if v.Kind == "" {
		v.Kind = whatsapp.ErrKindNetwork
	}
	return v
}

func newVerifyToken() (string, error) {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

func secretPtr(s *string) *secret.Value {
	if s == nil {
		return nil
	}
	v := secret.Value(*s)
	return &v
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func firstNonBlank(ss ...string) string {
	for _, s := range ss {
		if strings.TrimSpace(s) != "" {
			return s
		}
	}
	return ""
}
