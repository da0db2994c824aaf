package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/wabuilder/wab/activities/whatsapp"
	"github.com/wabuilder/wab/activities/whatsapp/sandbox"
	"github.com/wabuilder/wab/db"
	"github.com/wabuilder/wab/db/dbtest"
	"github.com/wabuilder/wab/workflows"
)

type testSessionResp struct {
	ID            uuid.UUID  `json:"id"`
	ChatbotID     uuid.UUID  `json:"chatbotId"`
	CustomerPhone string     `json:"customerPhone"`
	CustomerName  string     `json:"customerName"`
	WorkflowID    string     `json:"workflowId"`
	ClosedAt      *time.Time `json:"closedAt"`
	Session       *struct {
		ID               uuid.UUID       `json:"id"`
		Status           string          `json:"status"`
		IsActive         bool            `json:"isActive"`
		CurrentNodeID    string          `json:"currentNodeId"`
		CompletionReason string          `json:"completionReason"`
		Variables        json.RawMessage `json:"variables"`
	} `json:"session"`
	Messages []transcriptResp `json:"messages"`
}

// outbound is what the bot said, in order.
func (r testSessionResp) outbound() []transcriptResp {
	var out []transcriptResp
	for _, m := range r.Messages {
		if m.Direction == "outbound" {
			out = append(out, m)
		}
	}
	return out
}

// testChannelStack is production minus Meta: a database of its own (the
// worker and the relay commit), a Temporal dev server, a worker running
// the real workflow and activities, the ingest relay and the API. The Graph
// client's network transport fails any call and counts it; the test
// channel is answered by a sandbox inside the process.
type testChannelStack struct {
	e       *apiEnv
	sandbox *sandbox.Server
	network atomic.Int32
	sample  db.ChatbotVersion // the reference sample bot
	decoy   db.ChatbotVersion // what the triggers and the fallback pick
	draft   db.Chatbot        // never published
}

func startTestChannelStack(t *testing.T) *testChannelStack {
	t.Helper()
	ctx := context.Background()
	st := &testChannelStack{sandbox: sandbox.New(sandbox.Options{})}
	t.Cleanup(st.sandbox.Close)
	offline := &http.Client{Transport: roundTrip(func(*http.Request) (*http.Response, error) {
		st.network.Add(1)
		return nil, errors.New("this test has no network")
	})}
	ws := startWorkflowStack(t, whatsapp.NewClient(offline).WithTestChannel(st.sandbox))
	st.e = ws.e
	store := ws.e.store

	// The sample bot under test; a decoy that production selection picks
	// (a global default trigger and the fallback); a draft.
	c, compiled := referenceVersion(t, "sample-chatbot.json")
	nodes, err := json.Marshal(c.Nodes)
	require.NoError(t, err)
	edges, err := json.Marshal(c.Edges)
	require.NoError(t, err)
	bot, err := store.CreateChatbot(ctx, db.NewChatbot{Name: c.Name, Nodes: nodes, Edges: edges})
	require.NoError(t, err)
	st.sample, err = store.PublishChatbot(ctx, bot.ID, compiled, nil)
	require.NoError(t, err)
	st.decoy = dbtest.ChatbotVersion(ctx, t, store, &dbtest.ChatbotVersionOpts{Graph: compiled})
	dbtest.Trigger(ctx, t, store, &dbtest.TriggerOpts{ChatbotID: st.decoy.ChatbotID, Kind: db.TriggerDefault, Priority: 100})
	_, err = store.SetChatbotActive(ctx, st.decoy.ChatbotID, true)
	require.NoError(t, err)
	st.draft = dbtest.Chatbot(ctx, t, store, nil)
	return st
}

type roundTrip func(*http.Request) (*http.Response, error)

func (f roundTrip) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// start opens a test session of the sample bot.
func (st *testChannelStack) start(t *testing.T, name string) testSessionResp {
	t.Helper()
	res := st.e.forTest(t).call(http.MethodPost, "/api/test-sessions", map[string]any{"chatbotId": st.sample.ChatbotID, "customerName": name}, st.e.agentTok)
	require.Equal(t, http.StatusCreated, res.Status, "%s", res.Body)
	var v testSessionResp
	res.Decode(t, &v)
	return v
}

// await polls the test session until cond holds.
func (st *testChannelStack) await(t *testing.T, id uuid.UUID, what string, cond func(testSessionResp) bool) testSessionResp {
	t.Helper()
	var v testSessionResp
	require.Eventually(t, func() bool {
		// Not e.call: a poll runs on another goroutine and must not FailNow.
		req := httptest.NewRequestWithContext(context.Background(), http.MethodGet, "/api/test-sessions/"+id.String(), nil)
		req.Header.Set("Authorization", "Bearer "+st.e.agentTok)
		res, err := st.e.app.Test(req, 10_000)
		if err != nil {
			return false
		}
		defer res.Body.Close()
		if res.StatusCode != http.StatusOK || json.NewDecoder(res.Body).Decode(&v) != nil {
			return false
		}
		return cond(v)
	}, 30*time.Second, 50*time.Millisecond, "%s; last seen: %+v", what, v)
	return v
}

func waitingAtMenu(v testSessionResp) bool {
	return v.Session != nil && v.Session.Status == "waiting_input" && v.Session.CurrentNodeID == "main-menu"
}

func ended(v testSessionResp) bool { return v.Session != nil && !v.Session.IsActive }

func (st *testChannelStack) operate(t *testing.T, sessionID uuid.UUID, op string) response {
	t.Helper()
	return st.e.forTest(t).call(http.MethodPost, "/api/chatbot-sessions/"+sessionID.String()+"/"+op, nil, st.e.agentTok)
}

func TestTestSessions_EndToEnd(t *testing.T) {
	t.Parallel()
	st := startTestChannelStack(t)
	t.Cleanup(func() {
		require.Zero(t, st.network.Load(), "a test session reached for the network")
	})

	t.Run("the chosen bot answers through the production path", func(t *testing.T) {
		t.Parallel()
		e := st.e.forTest(t)
		started := st.start(t, "Ayşe")
		require.Equal(t, st.sample.ChatbotID, started.ChatbotID)
		require.Equal(t, "Ayşe", started.CustomerName)
		require.Regexp(t, `^999\d{12}$`, started.CustomerPhone)
		require.Equal(t, workflows.ConversationID(db.TestChannelPhoneNumberID, started.CustomerPhone), started.WorkflowID)
		require.Equal(t, "inbound", started.Messages[0].Direction)
		require.Equal(t, "Hi", started.Messages[0].Text)

		v := st.await(t, started.ID, "the welcome and the menu", waitingAtMenu)
		out := v.outbound()
		require.Len(t, out, 2)
		require.Contains(t, out[0].Text, "WhatsApp Builder Destek Hattına hoşgeldiniz")
		require.Equal(t, "Lütfen aşağıdaki seçeneklerden birini seçin:", out[1].Text)
		require.Equal(t, []string{"btn_tech", "btn_price", "btn_info"}, []string{out[1].Buttons[0].ID, out[1].Buttons[1].ID, out[1].Buttons[2].ID})
		require.Equal(t, "Fiyat Bilgisi", out[1].Buttons[1].Title)
		for _, m := range out {
			require.Equal(t, "sent", m.Status)
			require.NotEmpty(t, m.WAMID, "the sandbox assigned the wamid, as Meta would")
		}

		// The session is the chosen bot's, not the one the triggers pick.
		res := e.call(http.MethodGet, "/api/chatbot-sessions/"+v.Session.ID.String(), nil, st.e.agentTok)
		require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
		var d sessionDetailResp
		res.Decode(t, &d)
		require.Equal(t, st.sample.ChatbotID, d.ChatbotID)
		require.True(t, d.IsTest)
		require.Equal(t, "Ayşe", d.CustomerName)

		// A button that was never offered is refused; a real one is tapped.
		res = e.call(http.MethodPost, "/api/test-sessions/"+started.ID.String()+"/messages", map[string]string{"buttonId": "btn_nope"}, st.e.agentTok)
		require.Equal(t, http.StatusBadRequest, res.Status, "%s", res.Body)
		require.NotEmpty(t, res.ErrorField(t, "buttonId"))
		res = e.call(http.MethodPost, "/api/test-sessions/"+started.ID.String()+"/messages", map[string]string{"buttonId": "btn_price"}, st.e.agentTok)
		require.Equal(t, http.StatusAccepted, res.Status, "%s", res.Body)
		var tapped testSessionResp
		res.Decode(t, &tapped)
		require.GreaterOrEqual(t, len(tapped.Messages), 4, "the bot may have answered already")
		last := tapped.Messages[3]
		require.Equal(t, "inbound", last.Direction)
		require.Equal(t, "btn_price", last.Reply.ID)
		require.Equal(t, "Fiyat Bilgisi", last.Reply.Title, "the tap carries the button's title, as WhatsApp's does")

		v = st.await(t, started.ID, "the answer and the goodbye", ended)
		require.Equal(t, "completed", v.Session.Status)
		require.Equal(t, "flow_completed", v.Session.CompletionReason)
		var dirs []string
		for _, m := range v.Messages {
			dirs = append(dirs, m.Direction)
		}
		require.Equal(t, []string{"inbound", "outbound", "outbound", "inbound", "outbound", "outbound"}, dirs)
		require.Contains(t, v.Messages[4].Text, "Starter Paket: 99 TL/ay")
		require.Contains(t, v.Messages[5].Text, "Bizi tercih ettiginiz icin tesekkurler")
		require.JSONEq(t, `"btn_price"`, string(mustField(t, v.Session.Variables, "menu_selection")))

		// What reached "Meta" is what the transcript shows: the sandbox got it.
		sent := st.sandbox.SentTo(started.CustomerPhone)
		require.Len(t, sent, 4)
		require.Equal(t, db.TestChannelPhoneNumberID, sent[1].PhoneNumberID)
		require.Equal(t, out[1].WAMID, sent[1].WAMID)

		// The session's page: its timeline and its messages.
		res = e.call(http.MethodGet, "/api/chatbot-sessions/"+v.Session.ID.String(), nil, st.e.agentTok)
		res.Decode(t, &d)
		var nodes []string
		for _, n := range d.Timeline {
			nodes = append(nodes, n.NodeID)
			require.NotNil(t, n.LeftAt, n.NodeID)
		}
		require.Equal(t, []string{"start-1", "welcome-msg", "main-menu", "price-response", "goodbye-msg"}, nodes)
		require.Equal(t, "Ana Menü", d.Timeline[2].NodeLabel)
		require.Len(t, d.Messages, 6)

		require.Equal(t, http.StatusNoContent, e.call(http.MethodDelete, "/api/test-sessions/"+started.ID.String(), nil, st.e.agentTok).Status)
		res = e.call(http.MethodPost, "/api/test-sessions/"+started.ID.String()+"/messages", map[string]string{"text": "hello?"}, st.e.agentTok)
		require.Equal(t, http.StatusConflict, res.Status, "a stopped test takes no messages: %s", res.Body)
	})

	t.Run("operators skip and stop through the workflow", func(t *testing.T) {
		t.Parallel()
		e := st.e.forTest(t)
		started := st.start(t, "Operator")
		v := st.await(t, started.ID, "the menu", waitingAtMenu)
		first := v.Session.ID

		// Skip leaves the menu by its first edge: technical support, goodbye.
		res := st.operate(t, first, "skip")
		require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
		var s sessionResp
		res.Decode(t, &s)
		require.Equal(t, "completed", s.Status, "the reply comes once the workflow has recorded the turn")
		require.Equal(t, http.StatusConflict, st.operate(t, first, "skip").Status)
		require.Equal(t, http.StatusConflict, st.operate(t, first, "stop").Status, "stopping an ended session")
		v = st.await(t, started.ID, "the skip's messages", func(v testSessionResp) bool { return len(v.outbound()) == 4 })
		require.Contains(t, v.outbound()[2].Text, "Teknik Destek")

		// The next message starts a new session of the same bot; stop it.
		res = e.call(http.MethodPost, "/api/test-sessions/"+started.ID.String()+"/messages", map[string]string{"text": "again"}, st.e.agentTok)
		require.Equal(t, http.StatusAccepted, res.Status, "%s", res.Body)
		v = st.await(t, started.ID, "a second session at the menu", func(v testSessionResp) bool { return waitingAtMenu(v) && v.Session.ID != first })
		res = st.operate(t, v.Session.ID, "stop")
		require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
		res.Decode(t, &s)
		require.Equal(t, "stopped", s.Status)
		require.Equal(t, "operator_stopped", s.CompletionReason)
		require.Equal(t, st.sample.ChatbotID, s.ChatbotID)
		require.Equal(t, http.StatusConflict, st.operate(t, v.Session.ID, "stop").Status)

		// Ended sessions can be deleted.
		require.Equal(t, http.StatusNoContent, e.call(http.MethodDelete, "/api/chatbot-sessions/"+first.String(), nil, st.e.adminToken).Status)
		require.Equal(t, http.StatusNotFound, e.call(http.MethodGet, "/api/chatbot-sessions/"+first.String(), nil, st.e.agentTok).Status)
	})

	// A live row no workflow runs (left by a run that ended without it):
	// stop ends it, skip has nothing to skip.
	t.Run("a session no workflow runs can be stopped", func(t *testing.T) {
		t.Parallel()
		orphan := dbtest.Session(context.Background(), t, st.e.store, nil)
		require.Equal(t, http.StatusConflict, st.operate(t, orphan.ID, "skip").Status)
		res := st.operate(t, orphan.ID, "stop")
		require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
		var s sessionResp
		res.Decode(t, &s)
		require.Equal(t, "stopped", s.Status)
		require.Equal(t, "operator_stopped", s.CompletionReason)
		require.Equal(t, http.StatusConflict, st.operate(t, orphan.ID, "stop").Status)
	})

	t.Run("stopping a test session stops its bot", func(t *testing.T) {
		t.Parallel()
		e := st.e.forTest(t)
		started := st.start(t, "Stopper")
		st.await(t, started.ID, "the menu", waitingAtMenu)
		require.Equal(t, http.StatusNoContent, e.call(http.MethodDelete, "/api/test-sessions/"+started.ID.String(), nil, st.e.agentTok).Status)
		res := e.call(http.MethodGet, "/api/test-sessions/"+started.ID.String(), nil, st.e.agentTok)
		var v testSessionResp
		res.Decode(t, &v)
		require.NotNil(t, v.ClosedAt)
		require.Equal(t, "stopped", v.Session.Status)
		require.Equal(t, "operator_stopped", v.Session.CompletionReason)
		require.Equal(t, http.StatusNoContent, e.call(http.MethodDelete, "/api/test-sessions/"+started.ID.String(), nil, st.e.agentTok).Status, "stopping twice is fine")
	})

	t.Run("only published bots, only real sessions", func(t *testing.T) {
		t.Parallel()
		e := st.e.forTest(t)
		res := e.call(http.MethodPost, "/api/test-sessions", map[string]any{"chatbotId": st.draft.ID}, st.e.agentTok)
		require.Equal(t, http.StatusUnprocessableEntity, res.Status, "%s", res.Body)
		require.NotEmpty(t, res.ErrorField(t, "chatbotId"))
		res = e.call(http.MethodPost, "/api/test-sessions", map[string]any{"chatbotId": uuid.New()}, st.e.agentTok)
		require.Equal(t, http.StatusNotFound, res.Status, "%s", res.Body)
		res = e.call(http.MethodPost, "/api/test-sessions", map[string]any{"chatbotId": "bot"}, st.e.agentTok)
		require.Equal(t, http.StatusBadRequest, res.Status)
		require.NotEmpty(t, res.ErrorField(t, "chatbotId"))
		for _, path := range []string{"/api/test-sessions/" + uuid.NewString(), "/api/test-sessions/" + uuid.NewString() + "/messages"} {
			method := http.MethodGet
			var body any
			if path[len(path)-1] == 's' {
				method, body = http.MethodPost, map[string]string{"text": "hi"}
			}
			require.Equal(t, http.StatusNotFound, e.call(method, path, body, st.e.agentTok).Status, path)
		}
		started := st.start(t, "Picky")
		for _, body := range []map[string]string{{}, {"text": "a", "buttonId": "b"}} {
			res = e.call(http.MethodPost, "/api/test-sessions/"+started.ID.String()+"/messages", body, st.e.agentTok)
			require.Equal(t, http.StatusBadRequest, res.Status, "%v: %s", body, res.Body)
			require.NotEmpty(t, res.ErrorField(t, "text"))
		}
	})
}

func mustField(t *testing.T, obj json.RawMessage, key string) json.RawMessage {
	t.Helper()
	var m map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(obj, &m), "%s", obj)
	v, ok := m[key]
	require.True(t, ok, "no %q in %s", key, obj)
	return v
}
