package api_test

import (
	"encoding/json"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/fasthttp/websocket"
	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/wabuilder/wab/api"
	"github.com/wabuilder/wab/api/live"
	"github.com/wabuilder/wab/db"
	"github.com/wabuilder/wab/db/dbtest"
)

// TestLive runs the WebSocket feed on real sockets: two API processes (and
// more where a test needs other limits) share one database. Not parallel:
// goleak compares the goroutines before and after, once every client has
// gone and every hub has stopped.
func TestLive(t *testing.T) {
	leaks := []goleak.Option{
		goleak.IgnoreCurrent(),
		// fasthttp's clock for the Date header: one per process, for good.
		goleak.IgnoreAnyFunction("github.com/valyala/fasthttp.updateServerDate.func1"),
	}
	t.Cleanup(func() { goleak.VerifyNone(t, leaks...) }) // registered first: runs last
	e := newLiveEnv(t)
	a, b := e.process(live.Options{}), e.process(live.Options{})

	t.Run("refuses before upgrading", func(t *testing.T) { testLiveRefusals(t, e, a) })
	t.Run("accepts every credential", func(t *testing.T) { testLiveCredentials(t, e, a) })
	t.Run("filters by subscription", func(t *testing.T) { testLiveFiltering(t, e, a, b) })
	t.Run("fans out across processes", func(t *testing.T) { testLiveAcrossProcesses(t, e, a, b) })
	t.Run("answers bad requests", func(t *testing.T) { testLiveProtocol(t, e, b) })
	t.Run("drops a slow client, not the others", func(t *testing.T) { testLiveSlowClient(t, e) })
	t.Run("drops a silent client", func(t *testing.T) { testLiveKeepalive(t, e) })
}

func testLiveRefusals(t *testing.T, e *liveEnv, p *liveProc) {
	for name, c := range map[string]struct {
		query  string
		hdr    http.Header
		status int
		code   string
	}{
		"no credential":          {"", nil, http.StatusUnauthorized, "unauthorized"},
		"forged token":           {"", http.Header{"Authorization": {"Bearer eyJhbGciOiJIUzI1NiJ9.e30.c2lnbmF0dXJl"}}, http.StatusUnauthorized, "unauthorized"},
		"unknown key":            {"", http.Header{"X-Api-Key": {"wab_doesnotexist"}}, http.StatusUnauthorized, "unauthorized"},
		"bad query token":        {"?token=nope", http.Header{"Origin": {consoleOrigin}}, http.StatusUnauthorized, "unauthorized"},
		"anonymous, good origin": {"", http.Header{"Origin": {consoleOrigin}}, http.StatusUnauthorized, "unauthorized"},
		"foreign origin":         {"?token=" + e.token, http.Header{"Origin": {"https://evil.example.com"}}, http.StatusForbidden, "forbidden"},
		"opaque origin":          {"", http.Header{"Authorization": {"Bearer " + e.token}, "Origin": {"null"}}, http.StatusForbidden, "forbidden"},
	} {
		conn, status, body := p.dial(c.query, c.hdr)
		require.Nil(t, conn, name)
		require.Equal(t, c.status, status, "%s: %s", name, body)
		errorShape(t, body, c.code)
	}

	// A plain request with a good token is told to upgrade.
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, "http://"+p.addr+"/ws", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+e.token)
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	require.Equal(t, http.StatusUpgradeRequired, res.StatusCode)
	var body struct {
		Error struct{ Code string } `json:"error"`
	}
	require.NoError(t, json.NewDecoder(res.Body).Decode(&body))
	require.Equal(t, "upgrade_required", body.Error.Code)
	http.DefaultClient.CloseIdleConnections()
}

func testLiveCredentials(t *testing.T, e *liveEnv, p *liveProc) {
	for name, c := range map[string]struct {
		query string
		hdr   http.Header
	}{
		"bearer token, no origin": {"", http.Header{"Authorization": {"Bearer " + e.token}}},
		"bearer key":              {"", http.Header{"Authorization": {"Bearer " + e.apiKey}}},
		"X-API-Key":               {"", http.Header{"X-Api-Key": {e.apiKey}}},
		"browser: ?token=":        {"?token=" + e.token, http.Header{"Origin": {consoleOrigin}}},
		"origin in another case":  {"?token=" + e.apiKey, http.Header{"Origin": {"https://Console.Example.com"}}},
	} {
		conn, status, body := p.dial(c.query, c.hdr)
		require.Equal(t, http.StatusSwitchingProtocols, status, "%s: %s", name, body)
		c := &wsClient{t: t, conn: conn}
		c.send(map[string]string{"type": "ping", "id": name})
		require.Equal(t, wsFrame{Type: "pong", ID: name}, c.read(), name)
		require.NoError(t, conn.Close())
	}
}

// Each client gets what it subscribed to, and nothing else: after the
// events under test, a marker event each client wants proves (NOTIFYs
// arrive in commit order) that nothing else came in between.
func testLiveFiltering(t *testing.T, e *liveEnv, a, b *liveProc) {
	ctx := t.Context()
	acc := dbtest.Account(ctx, t, e.store, nil)
	y := dbtest.Conversation(ctx, t, e.store, nil).ID
	s := uuid.New()
	// Creating x announces it; fences on both processes see that through,
	// so that the clients under test start after it.
	fences := []*wsClient{a.connect(t, e), b.connect(t, e)}
	for _, f := range fences {
		f.subscribe(map[string]any{"all": true})
	}
	x := ingestMessage(t, e.store, acc, "wamid.live1").ConversationID
	for _, f := range fences {
		f.await(db.EventMessageReceived, x)
		f.await(db.EventConversationUpdated, x)
	}

	all, byConv, bySess := a.connect(t, e), b.connect(t, e), a.connect(t, e)
	all.subscribe(map[string]any{"all": true})
	byConv.subscribe(map[string]any{"conversationId": x})
	bySess.subscribe(map[string]any{"sessionId": s})

	second := ingestMessage(t, e.store, acc, "wamid.live2")
	require.NoError(t, e.store.SetHandoff(ctx, db.Handoff{ConversationID: y, By: e.agent.ID.String(), At: time.Now()}))
	notify(t, e.store, db.Event{Type: db.EventSessionNode, ConversationID: y, SessionID: &s, Status: "waiting_input", Node: "q1"})
	notify(t, e.store, db.Event{Type: db.EventSessionCompleted, ConversationID: x, SessionID: &s, Status: "completed"})

	got := all.expect(db.EventMessageReceived, x)
	require.Equal(t, second.ID, *got.Data.MessageID)
	require.Equal(t, "wamid.live2", got.Data.WAMID)
	all.expect(db.EventConversationUpdated, x)
	got = all.expect(db.EventHandoffChanged, y)
	require.Equal(t, "agent", got.Data.Status)
	require.Equal(t, e.agent.ID, *got.Data.UserID)
	all.expect(db.EventConversationUpdated, y)
	got = all.expect(db.EventSessionNode, y)
	require.Equal(t, live.Data{ConversationID: y, SessionID: &s, Status: "waiting_input", Node: "q1", At: got.Data.At}, got.Data)
	all.expect(db.EventSessionCompleted, x)

	byConv.expect(db.EventMessageReceived, x)
	byConv.expect(db.EventConversationUpdated, x)
	byConv.expect(db.EventSessionCompleted, x) // the marker: nothing of y came

	bySess.expect(db.EventSessionNode, y)
	bySess.expect(db.EventSessionCompleted, x) // in the session, though not the conversation: once

	// After unsubscribing, x's events stop; the marker is another conversation's.
	byConv.send(map[string]any{"type": "unsubscribe", "id": "u", "conversationId": x})
	require.Equal(t, wsFrame{Type: "ack", ID: "u", Action: "unsubscribe", ConversationID: &x}, byConv.read())
	byConv.subscribe(map[string]any{"conversationId": y})
	notify(t, e.store, db.Event{Type: db.EventConversationUpdated, ConversationID: x})
	notify(t, e.store, db.Event{Type: db.EventConversationUpdated, ConversationID: y})
	byConv.expect(db.EventConversationUpdated, y)
}

// An event NOTIFYed by one API process reaches clients of every process.
func testLiveAcrossProcesses(t *testing.T, e *liveEnv, a, b *liveProc) {
	conv := uuid.New()
	onA, onB := a.connect(t, e), b.connect(t, e)
	onA.subscribe(map[string]any{"all": true})
	onB.subscribe(map[string]any{"conversationId": conv})
	notify(t, a.store, db.Event{Type: db.EventMessageStatus, ConversationID: conv, Status: "read"})
	notify(t, b.store, db.Event{Type: db.EventConversationUpdated, ConversationID: conv})
	for _, c := range []*wsClient{onA, onB} {
		require.Equal(t, "read", c.await(db.EventMessageStatus, conv).Data.Status)
		c.expect(db.EventConversationUpdated, conv)
	}
}

func testLiveProtocol(t *testing.T, e *liveEnv, p *liveProc) {
	c := p.connect(t, e)
	c.send(`{"type":`)
	f := c.read()
	require.Equal(t, "error", f.Type)
	require.Equal(t, "invalid_request", f.Error.Code)

	c.send(map[string]any{"type": "subscribe", "id": "7", "conversationId": "not-a-uuid"})
	f = c.read()
	require.Equal(t, "7", f.ID)
	require.Equal(t, "must be a UUID", f.Error.Fields["conversationId"])

	require.NoError(t, c.conn.WriteMessage(websocket.BinaryMessage, []byte{1, 2}))
	require.Equal(t, "error", c.read().Type)

	// A frame beyond the limit ends the connection with 1009.
	require.NoError(t, c.conn.WriteMessage(websocket.TextMessage, make([]byte, 8192)))
	require.Equal(t, websocket.CloseMessageTooBig, c.closedWith())
}

// A client that stops reading is dropped once its queue fills, while a
// client that reads gets every event, before and after.
func testLiveSlowClient(t *testing.T, e *liveEnv) {
	p := e.process(live.Options{SendBuffer: 8, WriteTimeout: 300 * time.Millisecond})
	slow, fast := p.connect(t, e), p.connect(t, e)
	slow.subscribe(map[string]any{"all": true})
	fast.subscribe(map[string]any{"all": true})
	require.Equal(t, 2, p.hub.Clients())
	conv := uuid.New()
	publish := func(i int) {
		p.hub.Publish(db.Event{Type: db.EventSessionNode, ConversationID: conv, Node: strconv.Itoa(i), At: time.Now()})
		require.Equal(t, strconv.Itoa(i), fast.await(db.EventSessionNode, conv).Data.Node)
	}
	// The socket's buffers take some hundreds of KiB first.
	i := 0
	for ; p.hub.Clients() == 2; i++ {
		require.Less(t, i, 200_000, "the slow client was never dropped")
		publish(i)
	}
	require.Positive(t, i)
	for j := range 10 {
		publish(i + j)
	}
	require.Equal(t, 1, p.hub.Clients())
	// 1008 if the close frame still fit; 1006 if the socket was full and is
	// just cut off.
	require.Contains(t, []int{websocket.ClosePolicyViolation, websocket.CloseAbnormalClosure}, slow.closedWith())

	// Stopping the process closes the others with 1001.
	go p.stop()
	require.Equal(t, websocket.CloseGoingAway, fast.closedWith())
}

// A client that answers no ping is dropped; one that does stays.
func testLiveKeepalive(t *testing.T, e *liveEnv) {
	p := e.process(live.Options{PingInterval: 100 * time.Millisecond, PongWait: 300 * time.Millisecond})
	silent, alive := p.connect(t, e), p.connect(t, e)
	alive.subscribe(map[string]any{"all": true})
	silent.subscribe(map[string]any{"all": true}) // and never reads again
	conv := uuid.New()
	// alive answers pings whenever it reads; it reads for 3 PongWaits.
	for end := time.Now().Add(time.Second); time.Now().Before(end); {
		p.hub.Publish(db.Event{Type: db.EventConversationUpdated, ConversationID: conv})
		alive.await(db.EventConversationUpdated, conv)
		time.Sleep(50 * time.Millisecond)
	}
	require.Equal(t, 1, p.hub.Clients(), "the silent client is dropped, the other stays")
	require.Equal(t, websocket.CloseAbnormalClosure, silent.closedWith(), "dropped without a close frame")
}

// Without a hub, /ws answers 503 in the one error shape rather than panic.
func TestLive_Unconfigured(t *testing.T) {
	t.Parallel()
	e := newAPI(t)
	res := e.call(http.MethodGet, api.WebSocketPath, nil, e.agentTok)
	require.Equal(t, http.StatusServiceUnavailable, res.Status, "%s", res.Body)
	assertErrorShape(t, res, "unavailable")
}
