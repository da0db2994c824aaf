package api_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/wabuilder/wab/api"
	"github.com/wabuilder/wab/api/webhook"
	"github.com/wabuilder/wab/db"
	"github.com/wabuilder/wab/db/dbtest"
	"github.com/wabuilder/wab/db/secret"
)

// webhookBundle is an app over a rolled-back transaction with one account.
type webhookBundle struct {
	app    *fiber.App
	tx     pgx.Tx
	store  *db.Store
	acc    db.Account
	notify *countingNotifier
}

func setupWebhook(t *testing.T) *webhookBundle {
	t.Helper()
	ctx := context.Background()
	tx := dbtest.Tx(ctx, t)
	s := db.New(tx, dbtest.Box(t))
	acc := dbtest.Account(ctx, t, s, &dbtest.AccountOpts{VerifyToken: secret.Value("verify-" + dbtest.Unique())})
	n := &countingNotifier{}
	app := api.New(api.Deps{Log: quiet, Database: s, Temporal: s, Accounts: s, Ingest: s, Relay: n})
	return &webhookBundle{app: app, tx: tx, store: s, acc: acc, notify: n}
}

func (b *webhookBundle) count(t *testing.T, sql string) int {
	t.Helper()
	var n int
	require.NoError(t, b.tx.QueryRow(context.Background(), sql, b.acc.ID).Scan(&n))
	return n
}

func (b *webhookBundle) stored(t *testing.T) (messages, outbox int) {
	t.Helper()
	return b.count(t, `SELECT count(*) FROM messages WHERE account_id = $1`),
		b.count(t, `SELECT count(*) FROM ingest_outbox WHERE account_id = $1`)
}

func TestWebhook_Verify(t *testing.T) {
	t.Parallel()
	b := setupWebhook(t)
	token := b.acc.VerifyToken.Reveal()
	for _, tc := range []struct {
		name       string
		query      url.Values
		wantStatus int
		wantBody   string // the challenge, or the error code
	}{
		{"ok", url.Values{"hub.mode": {"subscribe"}, "hub.verify_token": {token}, "hub.challenge": {"1158201444"}}, 200, "1158201444"},
		{"wrong token", url.Values{"hub.mode": {"subscribe"}, "hub.verify_token": {"nope"}, "hub.challenge": {"1"}}, 403, "forbidden"},
		{"wrong mode", url.Values{"hub.mode": {"unsubscribe"}, "hub.verify_token": {token}, "hub.challenge": {"1"}}, 400, "invalid_request"},
		{"no challenge", url.Values{"hub.mode": {"subscribe"}, "hub.verify_token": {token}}, 400, "invalid_request"},
		{"nothing", url.Values{}, 400, "invalid_request"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequestWithContext(context.Background(), "GET", api.WebhookPath+"?"+tc.query.Encode(), nil)
			resp, err := b.app.Test(req, -1)
			require.NoError(t, err)
			defer resp.Body.Close()
			body, err := io.ReadAll(resp.Body)
			require.NoError(t, err)
			require.Equal(t, tc.wantStatus, resp.StatusCode, string(body))
			if tc.wantStatus == 200 {
				require.Equal(t, tc.wantBody, string(body))
				require.True(t, strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain"))
				return
			}
			require.Equal(t, tc.wantBody, errorCode(t, string(body)))
		})
	}
}

func TestWebhook_RejectsWithoutStoring(t *testing.T) {
	t.Parallel()
	b := setupWebhook(t)
	ctx := context.Background()
	other := dbtest.Account(ctx, t, b.store, &dbtest.AccountOpts{AppSecret: "other-app-secret"})
	good := hookBody(t, change{PhoneNumberID: b.acc.PhoneNumberID, Messages: []map[string]any{textMsg("16505551234", "wamid.r1", "hi")}})
	// Signed by our app, but also speaking for a number of another app.
	mixed := hookBody(t,
		change{PhoneNumberID: b.acc.PhoneNumberID, Messages: []map[string]any{textMsg("16505551234", "wamid.r2", "hi")}},
		change{PhoneNumberID: other.PhoneNumberID, Messages: []map[string]any{textMsg("16505551234", "wamid.r3", "hi")}})
	malformed := []byte(`{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"messages":[1]}}]}]`)
	huge := []byte(`{"object":"whatsapp_business_account","pad":"` + strings.Repeat("x", webhook.MaxBodyBytes) + `"}`)

	for _, tc := range []struct {
		name       string
		body       []byte
		sig        string
		wantStatus int
		wantCode   string
	}{
		{"missing signature", good, "", 401, "unauthorized"},
		{"wrong secret", good, webhook.Sign(good, "not-the-secret"), 401, "unauthorized"},
		{"signature of another body", good, webhook.Sign(mixed, testSecret), 401, "unauthorized"},
		{"garbage signature", good, "sha256=zz", 401, "unauthorized"},
		{"number of another app", mixed, webhook.Sign(mixed, testSecret), 401, "unauthorized"},
		{"malformed JSON", malformed, webhook.Sign(malformed, testSecret), 400, "invalid_request"},
		{"not JSON", []byte("hello"), webhook.Sign([]byte("hello"), testSecret), 400, "invalid_request"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body := post(t, b.app, tc.body, tc.sig)
			require.Equal(t, tc.wantStatus, status, body)
			require.Equal(t, tc.wantCode, errorCode(t, body))
		})
	}
	t.Run("too large", func(t *testing.T) {
		// Fasthttp refuses it on the Content-Length, before routing; app.Test
		// reports that as an error, so this goes through a real listener. The
		// body is not sent: the server answers and closes without reading it.
		conn, err := (&net.Dialer{}).DialContext(context.Background(), "tcp", strings.TrimPrefix(serve(t, b.app), "http://"))
		require.NoError(t, err)
		defer conn.Close()
		_, err = fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"+
			"%s: %s\r\nContent-Length: %d\r\n\r\n", api.WebhookPath, webhook.SignatureHeader, webhook.Sign(huge, testSecret), len(huge))
		require.NoError(t, err)
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		require.NoError(t, err)
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		require.Equal(t, 413, resp.StatusCode)
		require.Equal(t, "body_too_large", errorCode(t, string(body)))
	})
	messages, outbox := b.stored(t)
	require.Zero(t, messages)
	require.Zero(t, outbox)
	require.Zero(t, b.count(t, `SELECT count(*) FROM contacts WHERE account_id = $1`))
	require.Zero(t, b.notify.n.Load())
}

func TestWebhook_StoresMessagesAndWakesRelay(t *testing.T) {
	t.Parallel()
	b := setupWebhook(t)
	body := hookBody(t,
		change{PhoneNumberID: b.acc.PhoneNumberID, Messages: []map[string]any{
			textMsg("16505551234", "wamid.s1", "hello"), textMsg("16505550000", "wamid.s2", "hi"),
		}},
		change{PhoneNumberID: "unknown-number", Messages: []map[string]any{textMsg("16505551234", "wamid.s3", "lost")}})
	status, _ := post(t, b.app, body, webhook.Sign(body, testSecret))
	require.Equal(t, 200, status, "unknown numbers are skipped, not redelivered forever")
	messages, outbox := b.stored(t)
	require.Equal(t, 2, messages)
	require.Equal(t, 2, outbox)
	require.EqualValues(t, 1, b.notify.n.Load())
	require.Equal(t, 2, b.count(t, `SELECT count(*) FROM conversations WHERE account_id = $1`))

	var workflowID, payload string
	require.NoError(t, b.tx.QueryRow(context.Background(), `SELECT workflow_id, payload::text FROM ingest_outbox
		WHERE account_id = $1 ORDER BY id LIMIT 1`, b.acc.ID).Scan(&workflowID, &payload))
	require.Equal(t, "conv/"+b.acc.PhoneNumberID+"/16505551234", workflowID)
	require.Contains(t, payload, `"WAMID": "wamid.s1"`)
	require.Contains(t, payload, `"kind": "text"`)

	// The same POST again: still 200, nothing new, nobody woken.
	status, _ = post(t, b.app, body, webhook.Sign(body, testSecret))
	require.Equal(t, 200, status)
	messages, outbox = b.stored(t)
	require.Equal(t, 2, messages)
	require.Equal(t, 2, outbox)
	require.EqualValues(t, 1, b.notify.n.Load())
}

func TestWebhook_StatusesAdvanceMonotonically(t *testing.T) {
	t.Parallel()
	b := setupWebhook(t)
	ctx := context.Background()
	conv := dbtest.Conversation(ctx, t, b.store, &dbtest.ConversationOpts{AccountID: b.acc.ID})
	var sent []db.Message
	for _, w := range []string{"wamid.out1", "wamid.out2"} {
		m, _, err := b.store.InsertMessage(ctx, db.NewMessage{
			AccountID: b.acc.ID, ConversationID: conv.ID, Direction: db.Outbound, WAMID: w,
			IdempotencyKey: conv.WorkflowID + "/" + w, Type: "text", Status: db.StatusSent, Sender: "bot",
		})
		require.NoError(t, err)
		sent = append(sent, m)
	}
	postStatuses := func(statuses ...map[string]any) {
		body := hookBody(t, change{PhoneNumberID: b.acc.PhoneNumberID, Statuses: statuses})
		status, resp := post(t, b.app, body, webhook.Sign(body, testSecret))
		require.Equal(t, 200, status, resp)
	}
	statusOfRow := func(m db.Message) (status string, code *int, title *string) {
		require.NoError(t, b.tx.QueryRow(ctx, `SELECT status, error_code, error_title FROM messages WHERE id = $1`, m.ID).
			Scan(&status, &code, &title))
		return status, code, title
	}

	postStatuses(statusOf("wamid.out1", "sent"))
	postStatuses(statusOf("wamid.out1", "read"))
	postStatuses(statusOf("wamid.out1", "delivered")) // late: must not overwrite read
	st, _, _ := statusOfRow(sent[0])
	require.Equal(t, "read", st)

	postStatuses(statusOf("wamid.out2", "failed", map[string]any{
		"code": 131026, "title": "Message undeliverable", "error_data": map[string]any{"details": "Message Undeliverable."},
	}), statusOf("wamid.unknown", "read"))
	st, code, title := statusOfRow(sent[1])
	require.Equal(t, "failed", st)
	require.Equal(t, 131026, *code)
	require.Equal(t, "Message undeliverable", *title)
	require.Zero(t, b.notify.n.Load(), "statuses wake no workflow")
}

// A send that died after Meta accepted its message left it pending with no
// wamid; the status webhook echoes the send's idempotency key as
// biz_opaque_callback_data, which gives the message its wamid and status.
func TestWebhook_CallbackDataCompletesALostSend(t *testing.T) {
	t.Parallel()
	b := setupWebhook(t)
	ctx := context.Background()
	conv := dbtest.Conversation(ctx, t, b.store, &dbtest.ConversationOpts{AccountID: b.acc.ID})
	pending, _, err := b.store.InsertMessage(ctx, db.NewMessage{
		AccountID: b.acc.ID, ConversationID: conv.ID, Direction: db.Outbound,
		IdempotencyKey: conv.WorkflowID + "/7", Type: "text", Status: db.StatusPending, Sender: "bot",
	})
	require.NoError(t, err)
	st := statusOf("wamid.lost", "sent")
	st["biz_opaque_callback_data"] = pending.IdempotencyKey
	body := hookBody(t, change{PhoneNumberID: b.acc.PhoneNumberID, Statuses: []map[string]any{st}})
	status, resp := post(t, b.app, body, webhook.Sign(body, testSecret))
	require.Equal(t, 200, status, resp)

	got, err := b.store.MessageByIdempotencyKey(ctx, b.acc.ID, pending.IdempotencyKey)
	require.NoError(t, err)
	require.Equal(t, "wamid.lost", got.WAMID)
	require.Equal(t, db.StatusSent, got.Status)
}

func TestWebhook_DisabledWithoutAccounts(t *testing.T) {
	t.Parallel()
	app := api.New(api.Deps{})
	status, body := post(t, app, []byte(`{}`), "sha256=00")
	require.Equal(t, 503, status)
	require.Equal(t, "unavailable", errorCode(t, body))
}

// Other routes keep the API's own body limit, below the webhook's.
func TestBodyLimit_OtherRoutes(t *testing.T) {
	t.Parallel()
	app := api.New(api.Deps{BodyLimit: 1024})
	req := httptest.NewRequestWithContext(context.Background(), "POST", "/nowhere", strings.NewReader(strings.Repeat("x", 2048)))
	resp, err := app.Test(req, -1)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, 413, resp.StatusCode)
}

// A number added after the accounts were cached is not mistaken for an
// unknown one (which would be acknowledged and dropped).
func TestWebhook_SeesAccountsAddedSinceCached(t *testing.T) {
	t.Parallel()
	b := setupWebhook(t)
	ctx := context.Background()
	first := hookBody(t, change{PhoneNumberID: b.acc.PhoneNumberID, Messages: []map[string]any{textMsg("16505551234", "wamid.f1", "hi")}})
	status, _ := post(t, b.app, first, webhook.Sign(first, testSecret)) // loads the cache
	require.Equal(t, 200, status)

	added := dbtest.Account(ctx, t, b.store, &dbtest.AccountOpts{VerifyToken: "added-token"})
	body := hookBody(t, change{PhoneNumberID: added.PhoneNumberID, Messages: []map[string]any{textMsg("16505551234", "wamid.f2", "hi")}})
	status, _ = post(t, b.app, body, webhook.Sign(body, testSecret))
	require.Equal(t, 200, status)
	var n int
	require.NoError(t, b.tx.QueryRow(ctx, `SELECT count(*) FROM messages WHERE account_id = $1`, added.ID).Scan(&n))
	require.Equal(t, 1, n)

	q := url.Values{"hub.mode": {"subscribe"}, "hub.verify_token": {"added-token"}, "hub.challenge": {"42"}}
	resp, err := b.app.Test(httptest.NewRequestWithContext(ctx, "GET", api.WebhookPath+"?"+q.Encode(), nil), -1)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, 200, resp.StatusCode)
}
