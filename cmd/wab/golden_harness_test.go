package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/wabuilder/wab/activities/whatsapp"
	"github.com/wabuilder/wab/activities/whatsapp/sandbox"
	"github.com/wabuilder/wab/db"
	"github.com/wabuilder/wab/db/dbtest"
	"github.com/wabuilder/wab/db/secret"
	"github.com/wabuilder/wab/deploy/localstack"
	"github.com/wabuilder/wab/workflows/graph"
)

// golden is the real stack of the end-to-end tests: PostgreSQL, the Temporal
// dev server, `wab dev` (API + worker) and the sandbox as the Graph API. The
// customer writes through signed webhooks; replies are read from the
// sandbox's record of what the app sent. Only Meta is fake.
type golden struct {
	t       *testing.T
	store   *db.Store
	pool    *pgxpool.Pool
	sandbox *sandbox.RunningServer
	app     *started
	secret  string
	// REST calls of the bots go to rest (REST_URL_REWRITES), which answers
	// like httpbin.org/post: it echoes the JSON it got.
	rest     *httptest.Server
	restHits atomic.Int64
	// restRules (see restAnswers) make the echo fail or answer otherwise.
	restRules sync.Map // body substring → restReply
	restMu    sync.Mutex
	restLog   [][]byte // every request body, in order
}

// restReply is what the echo answers instead, for a matching request.
type restReply struct {
	status int
	body   any // nil: the usual echo
}

// restAnswers makes the echo answer every request whose raw body contains
// substr with status and body (nil body: the usual echo). Use a substring
// no other test sends.
func (g *golden) restAnswers(substr string, status int, body any) {
	g.restRules.Store(substr, restReply{status: status, body: body})
}

const goldenSecret = "golden-app-secret"

var goldenNumbers atomic.Int64

func startGolden(t *testing.T) *golden {
	t.Helper()
	return startGoldenWith(t, startTemporal(t).Address())
}

// startGoldenWith runs the stack against the Temporal server at address.
func startGoldenWith(t *testing.T, address string) *golden {
	t.Helper()
	ctx := context.Background()
	dbURL := dbtest.NewDatabase(ctx, t)
	g := &golden{t: t, secret: goldenSecret}
	g.rest = httptest.NewServer(http.HandlerFunc(g.echo))
	t.Cleanup(g.rest.Close)

	appPort, err := localstack.FreePort(ctx)
	require.NoError(t, err)
	g.sandbox, err = sandbox.Start(ctx, "127.0.0.1:0", sandbox.Options{
		AppSecret: goldenSecret, WebhookURL: fmt.Sprintf("http://127.0.0.1:%d/api/webhooks/whatsapp", appPort),
		StatusDelay: 20 * time.Millisecond, AutoRead: true,
	})
	require.NoError(t, err)
	t.Cleanup(func() { _ = g.sandbox.Close() })

	g.app = startOnPort(t, appPort, map[string]string{
		"DATABASE_URL":                  dbURL,
		"MIGRATE_ON_START":              "true",
		"TEMPORAL_ADDRESS":              address,
		"ENCRYPTION_KEY":                testKey,
		"WHATSAPP_PHONE_NUMBER_ID":      "100000000000001",
		"WHATSAPP_ACCESS_TOKEN":         "golden-token",
		"WHATSAPP_APP_SECRET":           goldenSecret,
		"WHATSAPP_WEBHOOK_VERIFY_TOKEN": "golden-verify",
		"WHATSAPP_API_BASE_URL":         g.sandbox.URL,
		"REST_ALLOW_PRIVATE_NETWORKS":   "true",
		"REST_URL_REWRITES":             "https://httpbin.org=" + g.rest.URL,
		"LOG_LEVEL":                     "warn",
	}, "dev")
	g.app.waitHealth(t, http.StatusOK)

	pool, err := pgxpool.New(ctx, dbURL)
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	box, err := secret.NewBox([]byte("0123456789abcdef0123456789abcdef"))
	require.NoError(t, err)
	g.store = db.New(pool, box)
	g.pool = pool
	return g
}

// restRequest returns the JSON body of the one REST request whose raw body
// contains substr.
func (g *golden) restRequest(t *testing.T, substr string) map[string]any {
	t.Helper()
	g.restMu.Lock()
	defer g.restMu.Unlock()
	var found []map[string]any
	for _, b := range g.restLog {
		if bytes.Contains(b, []byte(substr)) {
			var m map[string]any
			require.NoError(t, json.Unmarshal(b, &m), "request body %s", b)
			found = append(found, m)
		}
	}
	require.Len(t, found, 1, "requests containing %q", substr)
	return found[0]
}

// echo answers like httpbin.org/post.
func (g *golden) echo(w http.ResponseWriter, r *http.Request) {
	g.restHits.Add(1)
	body, _ := io.ReadAll(r.Body)
	g.restMu.Lock()
	g.restLog = append(g.restLog, body)
	g.restMu.Unlock()
	var parsed any
	_ = json.Unmarshal(body, &parsed)
	reply := restReply{status: http.StatusOK}
	g.restRules.Range(func(k, v any) bool {
		if bytes.Contains(body, []byte(k.(string))) {
			reply = v.(restReply)
			return false
		}
		return true
	})
	if reply.body == nil {
		reply.body = map[string]any{"json": parsed, "data": string(body), "url": "https://httpbin.org" + r.URL.Path}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(reply.status)
	_ = json.NewEncoder(w).Encode(reply.body)
}

// bot publishes a reference chatbot on a business number of its own (so the
// bots of parallel tests never answer each other's customers) and returns
// that number's phone number id.
func (g *golden) bot(t *testing.T, file string) string {
	t.Helper()
	ctx := context.Background()
	raw := readReference(t, file)
	c, err := graph.Parse(raw)
	require.NoError(t, err, "the reference bot imports unchanged")
	v, rep := graph.Compile(c)
	require.NoError(t, rep.Err(), "the reference bot publishes")
	compiled, err := json.Marshal(v)
	require.NoError(t, err)

	pnid := strconv.FormatInt(200000000000000+goldenNumbers.Add(1), 10)
	acc, err := g.store.UpsertAccount(ctx, db.AccountInput{
		Name: file, PhoneNumberID: pnid, AccessToken: "golden-token", AppSecret: goldenSecret,
		VerifyToken: "golden-verify", APIBaseURL: g.sandbox.URL, APIVersion: "v23.0",
	})
	require.NoError(t, err)
	nodes, _ := json.Marshal(c.Nodes)
	edges, _ := json.Marshal(c.Edges)
	bot, err := g.store.CreateChatbot(ctx, db.NewChatbot{
		Name: c.Name, Nodes: nodes, Edges: edges,
		Settings: json.RawMessage(`{}`), Metadata: json.RawMessage(`{}`),
	})
	require.NoError(t, err)
	_, err = g.store.PublishChatbot(ctx, bot.ID, compiled, nil)
	require.NoError(t, err)
	_, err = g.store.CreateTrigger(ctx, db.NewTrigger{AccountID: &acc.ID, ChatbotID: bot.ID, Kind: db.TriggerDefault, IsActive: true})
	require.NoError(t, err)
	return pnid
}

func readReference(t *testing.T, name string) []byte {
	t.Helper()
	dir, err := os.Getwd()
	require.NoError(t, err)
	for {
		if b, err := os.ReadFile(filepath.Join(dir, "shared", "reference", "chatbots", name)); err == nil {
			return b
		}
		parent := filepath.Dir(dir)
		require.NotEqual(t, parent, dir, "shared/reference/chatbots/%s not found", name)
		dir = parent
	}
}

// customer is one WhatsApp user writing to one business number.
type customer struct {
	t        *testing.T
	g        *golden
	pnid     string
	waID     string
	seen     int
	lastFlow *whatsapp.Flow
}

var customerNumbers atomic.Int64

func (g *golden) customer(t *testing.T, pnid string) *customer {
	return &customer{t: t, g: g, pnid: pnid, waID: strconv.FormatInt(905300000000+customerNumbers.Add(1), 10)}
}

func (c *customer) send(spec sandbox.InboundSpec) {
	t := c.t
	t.Helper()
	body, sig := c.g.sandbox.BuildInbound(c.pnid, "15550000000", c.waID, "Golden Customer", spec)
	c.post(body, sig)
}

// post delivers a signed webhook body to the app.
func (c *customer) post(body []byte, sig string) {
	t := c.t
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, c.g.app.base+"/api/webhooks/whatsapp", bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Hub-Signature-256", sig)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	answer, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		out := c.g.app.out.String()
		require.Equal(t, http.StatusOK, resp.StatusCode, "webhook answered %s\napp output (tail):\n%s", answer, out[max(0, len(out)-4000):])
	}
}

func (c *customer) says(text string) {
	c.send(sandbox.InboundSpec{Type: sandbox.InboundText, Text: text})
}

func (c *customer) taps(id, title string) {
	c.send(sandbox.InboundSpec{Type: sandbox.InboundButtonReply, ID: id, Title: title})
}

func (c *customer) picks(id, title string) {
	c.send(sandbox.InboundSpec{Type: sandbox.InboundListReply, ID: id, Title: title})
}

// sendsImage sends a photo with a caption, as WhatsApp posts it.
func (c *customer) sendsImage(caption string) {
	t := c.t
	t.Helper()
	body, _ := c.g.sandbox.BuildInbound(c.pnid, "15550000000", c.waID, "Golden Customer", sandbox.InboundSpec{Type: sandbox.InboundText})
	var env map[string]any
	require.NoError(t, json.Unmarshal(body, &env))
	value := env["entry"].([]any)[0].(map[string]any)["changes"].([]any)[0].(map[string]any)["value"].(map[string]any)
	m := value["messages"].([]any)[0].(map[string]any)
	delete(m, "text")
	m["type"] = "image"
	m["image"] = map[string]any{"id": "media-" + c.waID, "mime_type": "image/jpeg", "sha256": "golden", "caption": caption}
	body, err := json.Marshal(env)
	require.NoError(t, err)
	mac := hmac.New(sha256.New, []byte(c.g.secret))
	mac.Write(body)
	c.post(body, "sha256="+hex.EncodeToString(mac.Sum(nil)))
}

// lastSent is the last message this customer got (after gets).
func (c *customer) lastSent() whatsapp.OutboundMessage {
	c.t.Helper()
	sent := c.g.sandbox.SentTo(c.waID)
	require.NotZero(c.t, c.seen, "nothing was sent")
	require.GreaterOrEqual(c.t, len(sent), c.seen)
	return sent[c.seen-1].Message
}

// lastFlowSent is the last flow message this customer got (after gets).
func (c *customer) lastFlowSent() whatsapp.Flow {
	c.t.Helper()
	require.NotNil(c.t, c.lastFlow, "no flow was sent")
	return *c.lastFlow
}

// submits answers the last flow message with data, as WhatsApp's nfm_reply does.
func (c *customer) submits(data map[string]any) {
	c.t.Helper()
	require.NotNil(c.t, c.lastFlow, "no flow was sent")
	c.send(sandbox.InboundSpec{Type: sandbox.InboundFlowReply, FlowToken: c.lastFlow.FlowToken, FlowResponse: data})
}

// submitsTo answers flow f (say, one sent earlier) with data.
func (c *customer) submitsTo(f whatsapp.Flow, data map[string]any) {
	c.send(sandbox.InboundSpec{Type: sandbox.InboundFlowReply, FlowToken: f.FlowToken, FlowResponse: data})
}

// gets waits for exactly the next len(want) messages to this customer and
// checks each: a text as is, a question as "body [option|option]", a flow as
// "flow:<body>". A want ending in "…" matches by prefix.
func (c *customer) gets(want ...string) {
	t := c.t
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	sent, err := c.g.sandbox.WaitSent(ctx, c.waID, c.seen+len(want))
	require.NoError(t, err, "waiting for %d messages to %s; got %v", len(want), c.waID, renderAll(c.g.sandbox.SentTo(c.waID)))
	got := renderAll(sent[c.seen:])
	for i, m := range sent[c.seen:] {
		if m.Message.Flow != nil {
			f := *m.Message.Flow
			c.lastFlow = &f
		}
		if i < len(want) && strings.HasSuffix(want[i], "…") {
			require.True(t, strings.HasPrefix(got[i], strings.TrimSuffix(want[i], "…")), "message %d: %q does not start with %q", i, got[i], want[i])
			got[i] = want[i]
		}
	}
	require.Equal(t, want, got[:len(want)])
	c.seen += len(want)
}

// hearsNothing checks that no further message arrives for a while.
func (c *customer) hearsNothing() {
	t := c.t
	t.Helper()
	time.Sleep(700 * time.Millisecond)
	sent := c.g.sandbox.SentTo(c.waID)
	require.Equal(t, c.seen, len(sent), "unexpected: %q", renderAll(sent[min(c.seen, len(sent)):]))
}

func renderAll(sent []sandbox.Sent) []string {
	out := make([]string, len(sent))
	for i, s := range sent {
		out[i] = renderSent(s.Message)
	}
	return out
}

func renderSent(m whatsapp.OutboundMessage) string {
	switch {
	case m.Text != nil:
		return m.Text.Body
	case m.Buttons != nil:
		var titles []string
		for _, b := range m.Buttons.Buttons {
			titles = append(titles, b.Title)
		}
		return m.Buttons.Body + " [" + strings.Join(titles, "|") + "]"
	case m.List != nil:
		var titles []string
		for _, s := range m.List.Sections {
			for _, r := range s.Rows {
				titles = append(titles, r.Title)
			}
		}
		return m.List.Body + " [" + strings.Join(titles, "|") + "]"
	case m.Flow != nil:
		return "flow:" + m.Flow.Body
	}
	return string(m.Type)
}
