package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fasthttp/websocket"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/wabuilder/wab/api"
	"github.com/wabuilder/wab/api/auth"
	"github.com/wabuilder/wab/api/live"
	"github.com/wabuilder/wab/db"
	"github.com/wabuilder/wab/db/dbtest"
)

// consoleOrigin is the one browser origin the live tests allow.
const consoleOrigin = "https://console.example.com"

// liveEnv is one committed database (NOTIFY is sent on commit) that any
// number of API processes share, an agent and an API key of theirs.
type liveEnv struct {
	t      *testing.T
	ctx    context.Context
	url    string
	store  *db.Store // stands for a process without clients: the worker
	tokens *auth.Tokens
	agent  db.User
	token  string // the agent's login token
	apiKey string // the agent's API key
}

func newLiveEnv(t *testing.T) *liveEnv {
	t.Helper()
	ctx := context.Background()
	e := &liveEnv{t: t, ctx: ctx, url: dbtest.NewDatabase(ctx, t)}
	pool, err := pgxpool.New(ctx, e.url)
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	require.NoError(t, db.Migrate(ctx, pool))
	e.store = db.New(pool, dbtest.Box(t))
	e.tokens = testTokens(t)
	e.agent, err = e.store.CreateUser(ctx, db.NewUser{Email: "agent@example.com", PasswordHash: testPasswordHash, Name: "Agent", Role: db.RoleAgent})
	require.NoError(t, err)
	e.token, _, err = e.tokens.Issue(auth.Principal{UserID: e.agent.ID, Email: e.agent.Email, Role: auth.RoleAgent})
	require.NoError(t, err)
	key, display, hash, err := auth.NewAPIKey()
	require.NoError(t, err)
	_, err = e.store.CreateAPIKey(ctx, db.NewAPIKey{UserID: e.agent.ID, Name: "live", Prefix: display, Hash: hash, Role: db.RoleAgent})
	require.NoError(t, err)
	e.apiKey = key
	return e
}

// liveProc is one API process: its own pool, hub and HTTP server on loopback.
type liveProc struct {
	t     *testing.T
	addr  string
	hub   *live.Hub
	store *db.Store
	stop  func() // idempotent; also runs at cleanup
}

func (e *liveEnv) process(opts live.Options) *liveProc {
	t := e.t
	t.Helper()
	pool, err := pgxpool.New(e.ctx, e.url)
	require.NoError(t, err)
	store := db.New(pool, dbtest.Box(t))
	opts.Log = quiet
	hub := live.New(pool, opts)
	hubCtx, cancel := context.WithCancel(e.ctx)
	hubDone := make(chan error, 1)
	go func() { hubDone <- hub.Run(hubCtx) }()
	app := api.New(api.Deps{
		Log: quiet, Database: store, Store: store, Tokens: e.tokens, AllowedOrigins: []string{consoleOrigin}, Live: hub,
	})
	// fasthttp's worker-pool cleaner sleeps this long between checks for
	// its stop: short, so that it is gone by the leak check.
	app.Server().MaxIdleWorkerDuration = 50 * time.Millisecond
	ln, err := (&net.ListenConfig{}).Listen(e.ctx, "tcp", "127.0.0.1:0")
	require.NoError(t, err)
	served := make(chan error, 1)
	go func() { served <- app.Listener(ln) }()
	var once sync.Once
	p := &liveProc{t: t, addr: ln.Addr().String(), hub: hub, store: store}
	// stop may run on another goroutine than the test's: it reports, never fails.
	p.stop = func() {
		once.Do(func() {
			if err := app.Shutdown(); err != nil {
				t.Errorf("shut down the app: %v", err)
			}
			if err := <-served; err != nil {
				t.Errorf("serve: %v", err)
			}
			cancel()
			if err := <-hubDone; err != nil {
				t.Errorf("hub: %v", err)
			}
			pool.Close()
		})
	}
	t.Cleanup(p.stop)
	select {
	case <-hub.Listening():
	case <-time.After(10 * time.Second):
		t.Fatal("the hub did not LISTEN")
	}
	return p
}

// wsURL is the feed's address; query may hold ?token=.
func (p *liveProc) wsURL(query string) string { return "ws://" + p.addr + api.WebSocketPath + query }

// dial connects, or returns the refusal's status and body.
func (p *liveProc) dial(query string, hdr http.Header) (*websocket.Conn, int, []byte) {
	p.t.Helper()
	d := websocket.Dialer{HandshakeTimeout: 5 * time.Second}
	conn, resp, err := d.DialContext(context.Background(), p.wsURL(query), hdr)
	if resp != nil {
		defer resp.Body.Close()
	}
	if err == nil {
		return conn, http.StatusSwitchingProtocols, nil
	}
	require.ErrorIs(p.t, err, websocket.ErrBadHandshake)
	body, readErr := io.ReadAll(resp.Body)
	require.NoError(p.t, readErr)
	return nil, resp.StatusCode, body
}

// connect opens a socket as the agent (bearer token) and closes it at cleanup.
func (p *liveProc) connect(t *testing.T, e *liveEnv) *wsClient {
	t.Helper()
	conn, status, body := p.dial("", http.Header{"Authorization": {"Bearer " + e.token}})
	require.Equal(t, http.StatusSwitchingProtocols, status, "%s", body)
	c := &wsClient{t: t, conn: conn}
	t.Cleanup(func() { _ = conn.Close() })
	return c
}

// wsFrame is any server frame, decoded loosely.
type wsFrame struct {
	Type           string     `json:"type"`
	ID             string     `json:"id"`
	Action         string     `json:"action"`
	All            bool       `json:"all"`
	ConversationID *uuid.UUID `json:"conversationId"`
	SessionID      *uuid.UUID `json:"sessionId"`
	Data           live.Data  `json:"data"`
	Error          *struct {
		Code    string            `json:"code"`
		Message string            `json:"message"`
		Fields  map[string]string `json:"fields"`
	} `json:"error"`
}

type wsClient struct {
	t    *testing.T
	conn *websocket.Conn
}

func (c *wsClient) send(v any) {
	c.t.Helper()
	raw, ok := v.(string)
	if !ok {
		b, err := json.Marshal(v)
		require.NoError(c.t, err)
		raw = string(b)
	}
	require.NoError(c.t, c.conn.WriteMessage(websocket.TextMessage, []byte(raw)))
}

// read returns the next frame, failing after 10 seconds.
func (c *wsClient) read() wsFrame {
	c.t.Helper()
	require.NoError(c.t, c.conn.SetReadDeadline(time.Now().Add(10*time.Second)))
	typ, msg, err := c.conn.ReadMessage()
	require.NoError(c.t, err)
	require.Equal(c.t, websocket.TextMessage, typ)
	var f wsFrame
	require.NoError(c.t, json.Unmarshal(msg, &f), "%s", msg)
	return f
}

// subscribe sends a subscription and waits for its ack.
func (c *wsClient) subscribe(sel map[string]any) {
	c.t.Helper()
	req := map[string]any{"type": "subscribe", "id": "s"}
	for k, v := range sel {
		req[k] = v
	}
	c.send(req)
	ack := c.read()
	require.Equal(c.t, "ack", ack.Type, "%+v", ack)
	require.Equal(c.t, "subscribe", ack.Action)
}

// expect reads the next frame and checks it is the event typ of conversation conv.
func (c *wsClient) expect(typ string, conv uuid.UUID) wsFrame {
	c.t.Helper()
	f := c.read()
	require.Equal(c.t, typ, f.Type, "%+v", f)
	require.Equal(c.t, conv, f.Data.ConversationID, "%+v", f)
	require.False(c.t, f.Data.At.IsZero(), "events carry their time")
	return f
}

// await skips events of other conversations (stragglers of earlier tests
// on a process that listens to everything) and expects typ on conv.
func (c *wsClient) await(typ string, conv uuid.UUID) wsFrame {
	c.t.Helper()
	for {
		f := c.read()
		if f.Data.ConversationID == conv || f.Type == "resync" {
			require.Equal(c.t, typ, f.Type, "%+v", f)
			return f
		}
	}
}

// closedWith reads (draining queued frames) until the socket ends and
// returns the close code.
func (c *wsClient) closedWith() int {
	c.t.Helper()
	require.NoError(c.t, c.conn.SetReadDeadline(time.Now().Add(15*time.Second)))
	for {
		_, _, err := c.conn.ReadMessage()
		if err == nil {
			continue
		}
		var ce *websocket.CloseError
		require.True(c.t, errors.As(err, &ce), "the socket ended without a close: %v", err)
		return ce.Code
	}
}

// errorShape checks a refused upgrade's body is the API's one error shape.
func errorShape(t *testing.T, body []byte, code string) {
	t.Helper()
	var b struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	require.NoError(t, json.Unmarshal(body, &b), "%s", body)
	require.Equal(t, code, b.Error.Code, "%s", body)
	require.NotEmpty(t, b.Error.Message)
	require.False(t, strings.Contains(string(body), "sql"), "%s", body)
}

// ingestMessage stores an inbound message as the webhook does.
func ingestMessage(t *testing.T, s *db.Store, acc db.Account, wamid string) db.StoredMessage {
	t.Helper()
	const waID = "15550001"
	res, err := s.Ingest(t.Context(), db.IngestBatch{Messages: []db.IngestMessage{{
		ID: uuid.New(), AccountID: acc.ID, WAID: waID, WorkflowID: "conv/" + acc.PhoneNumberID + "/" + waID,
		WAMID: wamid, Type: "text", Payload: json.RawMessage(`{"body":"hi"}`), Preview: "hi", Timestamp: time.Now(),
		Outbox: json.RawMessage(`{}`),
	}}})
	require.NoError(t, err)
	require.Len(t, res.Stored, 1)
	return res.Stored[0]
}

func notify(t *testing.T, s *db.Store, e db.Event) {
	t.Helper()
	require.NoError(t, s.Notify(t.Context(), e))
}
