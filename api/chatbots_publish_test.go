package api_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/wabuilder/wab/db"
	"github.com/wabuilder/wab/db/dbtest"
	"github.com/wabuilder/wab/workflows/graph"
)

func TestChatbots_ValidateLocatesErrors(t *testing.T) {
	t.Parallel()
	e := newAPI(t)
	b := e.createBot(map[string]any{
		"name": uniqueName("Menu"),
		"nodes": []any{
			map[string]any{"id": "start-1", "type": "start", "data": map[string]any{"label": "Start"}},
			map[string]any{"id": "q1", "type": "question", "data": map[string]any{
				"label": "Pick", "content": "Pick one", "questionType": "buttons",
				"buttons": []any{map[string]any{"id": "a", "title": "A title far longer than twenty characters"}},
			}},
			map[string]any{"id": "lost", "type": "message", "data": map[string]any{"label": "Lost", "content": "never reached"}},
		},
		"edges": []any{map[string]any{"source": "start-1", "target": "q1"}},
	})
	res := e.call(http.MethodPost, "/api/chatbots/"+b.ID.String()+"/validate", nil, e.agentTok)
	require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
	var v validationResp
	res.Decode(t, &v)
	require.False(t, v.Valid)
	require.NotEmpty(t, v.Errors)
	require.Equal(t, "q1", v.Errors[0].NodeID)
	require.Contains(t, v.Errors[0].Field, "buttons[0].title")
	var unreachable bool
	for _, w := range v.Warnings {
		unreachable = unreachable || (w.NodeID == "lost" && w.Code == "unreachable")
	}
	require.True(t, unreachable, "%+v", v.Warnings)
	require.Equal(t, "question_1", v.AutoVariables["q1"])

	// Publishing refuses it with the same located errors; nothing is published.
	res = e.call(http.MethodPost, "/api/chatbots/"+b.ID.String()+"/publish", nil, e.adminToken)
	require.Equal(t, http.StatusUnprocessableEntity, res.Status, "%s", res.Body)
	var refused struct {
		Error struct {
			Code   string            `json:"code"`
			Fields map[string]string `json:"fields"`
		} `json:"error"`
		Errors []issueResp `json:"errors"`
	}
	res.Decode(t, &refused)
	require.Equal(t, "invalid_chatbot", refused.Error.Code)
	require.Equal(t, v.Errors, refused.Errors)
	require.Contains(t, refused.Error.Fields, "nodes.q1."+v.Errors[0].Field)
	res = e.call(http.MethodGet, "/api/chatbots/"+b.ID.String()+"/versions", nil, e.agentTok)
	require.Equal(t, http.StatusOK, res.Status)
	require.JSONEq(t, `{"data":[]}`, string(res.Body))
}

func TestChatbots_PublishKeepsVersionsImmutable(t *testing.T) {
	t.Parallel()
	e := newAPI(t)
	b := e.createBot(simpleBot(uniqueName("Versioned")))
	path := "/api/chatbots/" + b.ID.String()

	res := e.call(http.MethodPost, path+"/publish", nil, e.agentTok)
	require.Equal(t, http.StatusForbidden, res.Status)

	v1 := e.publishBot(b.ID)
	require.Equal(t, 1, v1.Version)
	require.Equal(t, b.ID, v1.ChatbotID)

	// Editing the draft leaves version 1 as it was; publishing again makes 2.
	edit := simpleBot("")
	edit["nodes"].([]any)[1].(map[string]any)["data"] = map[string]any{"label": "Hello", "content": "Changed text"}
	delete(edit, "name")
	res = e.call(http.MethodPatch, path, edit, e.adminToken)
	require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
	stored, err := e.store.ChatbotVersion(e.ctx, v1.ID)
	require.NoError(t, err)
	var first graph.Version
	require.NoError(t, json.Unmarshal(stored.Graph, &first))
	n, ok := first.Node("m1")
	require.True(t, ok)
	require.Equal(t, "Hello {{customer_name}}", n.Data.Content)

	v2 := e.publishBot(b.ID)
	require.Equal(t, 2, v2.Version)
	res = e.call(http.MethodGet, path+"/versions", nil, e.agentTok)
	require.Equal(t, http.StatusOK, res.Status)
	var versions struct {
		Data []versionResp `json:"data"`
	}
	res.Decode(t, &versions)
	require.Equal(t, []versionResp{v2, v1}, versions.Data, "newest first")
	res = e.call(http.MethodGet, path, nil, e.agentTok)
	var got botResp
	res.Decode(t, &got)
	require.Equal(t, &v2.ID, got.PublishedVersionID)
	require.Equal(t, "active", got.Status)
}

func TestChatbots_DefaultBot(t *testing.T) {
	t.Parallel()
	e := newAPI(t)
	a := e.createBot(simpleBot(uniqueName("A")))
	b := e.createBot(simpleBot(uniqueName("B")))
	act := func(method, id, action string) (int, botResp) {
		t.Helper()
		res := e.call(method, "/api/chatbots/"+id+"/"+action, nil, e.adminToken)
		var out botResp
		if res.Status == http.StatusOK {
			res.Decode(t, &out)
		}
		return res.Status, out
	}
	fallback := func() uuid.UUID {
		t.Helper()
		f, err := e.store.FallbackChatbot(e.ctx)
		if err != nil {
			require.ErrorIs(t, err, db.ErrNotFound)
			return uuid.Nil
		}
		return f.ChatbotID
	}

	// Only a published bot can answer.
	status, _ := act(http.MethodPatch, a.ID.String(), "toggle-active")
	require.Equal(t, http.StatusConflict, status)
	status, _ = act(http.MethodPost, a.ID.String(), "activate")
	require.Equal(t, http.StatusConflict, status)
	res := e.call(http.MethodPatch, "/api/chatbots/"+a.ID.String(), map[string]any{"isActive": true}, e.adminToken)
	require.Equal(t, http.StatusConflict, res.Status)

	e.publishBot(a.ID)
	e.publishBot(b.ID)
	status, got := act(http.MethodPatch, a.ID.String(), "toggle-active")
	require.Equal(t, http.StatusOK, status)
	require.True(t, got.IsActive)
	require.Equal(t, a.ID, fallback())

	// toggle-active is "make this the default": B takes over, A is switched off.
	status, _ = act(http.MethodPatch, b.ID.String(), "toggle-active")
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, b.ID, fallback())
	res = e.call(http.MethodGet, "/api/chatbots/"+a.ID.String(), nil, e.adminToken)
	res.Decode(t, &got)
	require.False(t, got.IsActive)
	status, _ = act(http.MethodPatch, b.ID.String(), "toggle-active")
	require.Equal(t, http.StatusOK, status, "making the default bot the default again changes nothing")
	require.Equal(t, b.ID, fallback())

	// activate adds a bot without switching others off; the oldest active one answers.
	status, got = act(http.MethodPost, a.ID.String(), "activate")
	require.Equal(t, http.StatusOK, status)
	require.True(t, got.IsActive)
	require.Equal(t, a.ID, fallback())
	status, got = act(http.MethodPost, a.ID.String(), "deactivate")
	require.Equal(t, http.StatusOK, status)
	require.False(t, got.IsActive)
	require.Equal(t, b.ID, fallback())
	res = e.call(http.MethodPatch, "/api/chatbots/"+b.ID.String(), map[string]any{"isActive": false}, e.adminToken)
	require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
	require.Equal(t, uuid.Nil, fallback())

	status, _ = act(http.MethodPost, a.ID.String(), "activate")
	require.Equal(t, http.StatusOK, status)
	res = e.call(http.MethodGet, "/api/chatbots?isActive=true&search="+strings.ReplaceAll(a.Name, " ", "+"), nil, e.agentTok)
	require.Equal(t, http.StatusOK, res.Status)
	require.Contains(t, string(res.Body), a.ID.String())
	res = e.call(http.MethodPost, "/api/chatbots/"+a.ID.String()+"/activate", nil, e.agentTok)
	require.Equal(t, http.StatusForbidden, res.Status)
}

func TestChatbots_DeleteKeepsWhatSessionsRan(t *testing.T) {
	t.Parallel()
	e := newAPI(t)
	b := e.createBot(simpleBot(uniqueName("Ran")))
	v := e.publishBot(b.ID)
	res := e.call(http.MethodPatch, "/api/chatbots/"+b.ID.String()+"/toggle-active", nil, e.adminToken)
	require.Equal(t, http.StatusOK, res.Status)
	version, err := e.store.ChatbotVersion(e.ctx, v.ID)
	require.NoError(t, err)
	sess := dbtest.Session(e.ctx, t, e.store, &dbtest.SessionOpts{Version: &version})

	res = e.call(http.MethodDelete, "/api/chatbots/"+b.ID.String(), nil, e.adminToken)
	require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
	require.Equal(t, true, res.JSON(t)["archived"])

	// The running session keeps its version; the bot answers no new conversation.
	running, err := e.store.Session(e.ctx, sess.ID)
	require.NoError(t, err)
	require.Nil(t, running.EndedAt)
	_, err = e.store.ChatbotVersion(e.ctx, v.ID)
	require.NoError(t, err)
	_, err = e.store.FallbackChatbot(e.ctx)
	require.ErrorIs(t, err, db.ErrNotFound)

	res = e.call(http.MethodGet, "/api/chatbots/"+b.ID.String(), nil, e.agentTok)
	require.Equal(t, http.StatusOK, res.Status)
	var got botResp
	res.Decode(t, &got)
	require.Equal(t, "archived", got.Status)
	require.False(t, got.IsActive)
	res = e.call(http.MethodGet, "/api/chatbots?search="+strings.ReplaceAll(b.Name, " ", "+"), nil, e.agentTok)
	require.NotContains(t, string(res.Body), b.ID.String(), "archived bots leave the default list")
	res = e.call(http.MethodGet, "/api/chatbots?status=archived&search="+strings.ReplaceAll(b.Name, " ", "+"), nil, e.agentTok)
	require.Contains(t, string(res.Body), b.ID.String())
	res = e.call(http.MethodPost, "/api/chatbots/"+b.ID.String()+"/activate", nil, e.adminToken)
	require.Equal(t, http.StatusConflict, res.Status, "an archived bot cannot be the default")

	// Publishing brings it back.
	require.Equal(t, 2, e.publishBot(b.ID).Version)
	res = e.call(http.MethodGet, "/api/chatbots/"+b.ID.String(), nil, e.agentTok)
	res.Decode(t, &got)
	require.Equal(t, "active", got.Status)
}

func TestChatbots_Stats(t *testing.T) {
	t.Parallel()
	e := newAPI(t)
	b := e.createBot(simpleBot(uniqueName("Counted")))
	v := e.publishBot(b.ID)
	version, err := e.store.ChatbotVersion(e.ctx, v.ID)
	require.NoError(t, err)
	start := time.Now()
	run := func(node string, status db.SessionStatus, reason string, took time.Duration) db.Session {
		t.Helper()
		s := dbtest.Session(e.ctx, t, e.store, &dbtest.SessionOpts{Version: &version})
		_, _, err := e.store.UpdateSessionProgress(e.ctx, db.SessionProgress{ID: s.ID, Status: db.SessionWaitingInput, CurrentNodeID: node})
		require.NoError(t, err)
		if status.Terminal() {
			_, err = e.store.EndSession(e.ctx, db.SessionEnd{ID: s.ID, Status: status, Reason: reason, At: s.StartedAt.Add(took)})
			require.NoError(t, err)
		}
		return s
	}
	done := run("m1", db.SessionCompleted, "flow_completed", 10*time.Second)
	run("m1", db.SessionCompleted, "no_reply", 30*time.Second)
	run("start-1", db.SessionExpired, "inactivity", 50*time.Second)
	run("m1", db.SessionExpired, "inactivity", 30*time.Second)
	run("m1", db.SessionWaitingInput, "", 0)
	conv, err := e.store.Session(e.ctx, done.ID)
	require.NoError(t, err)
	c := dbtest.Conversation(e.ctx, t, e.store, nil)
	for i, dir := range []db.Direction{db.Inbound, db.Outbound, db.Outbound} {
		_, _, err := e.store.InsertMessage(e.ctx, db.NewMessage{
			AccountID: c.AccountID, ConversationID: c.ID, SessionID: &conv.ID, Direction: dir,
			WAMID: "wamid.stats" + dbtest.Unique(), IdempotencyKey: "stats-" + dbtest.Unique() + string(rune('a'+i)), Type: "text",
		})
		require.NoError(t, err)
	}

	res := e.call(http.MethodGet, "/api/chatbots/"+b.ID.String()+"/stats", nil, e.agentTok)
	require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
	var st struct {
		TotalSessions      int            `json:"totalSessions"`
		ActiveSessions     int            `json:"activeSessions"`
		CompletedSessions  int            `json:"completedSessions"`
		AbandonedSessions  int            `json:"abandonedSessions"`
		CompletionRate     float64        `json:"completionRate"`
		AverageDurationSec float64        `json:"averageDurationSeconds"`
		SessionsByStatus   map[string]int `json:"sessionsByStatus"`
		Messages           struct {
			Inbound, Outbound, Total int
		} `json:"messages"`
		MostDroppedNode *struct {
			NodeID   string `json:"nodeId"`
			Label    string `json:"label"`
			Sessions int    `json:"sessions"`
		} `json:"mostDroppedNode"`
		NodeCount int            `json:"nodeCount"`
		NodeTypes map[string]int `json:"nodeTypes"`
	}
	res.Decode(t, &st)
	require.Equal(t, 5, st.TotalSessions)
	require.Equal(t, 1, st.ActiveSessions)
	require.Equal(t, 1, st.CompletedSessions, "a session that ended by no reply is not completed")
	require.Equal(t, 3, st.AbandonedSessions)
	require.InDelta(t, 0.25, st.CompletionRate, 1e-9)
	require.InDelta(t, 30, st.AverageDurationSec, 0.01)
	require.Equal(t, map[string]int{
		"running": 0, "waiting_input": 1, "waiting_flow": 0, "delayed": 0, "handoff": 0,
		"completed": 2, "stopped": 0, "expired": 2, "failed": 0,
	}, st.SessionsByStatus)
	require.Equal(t, 1, st.Messages.Inbound)
	require.Equal(t, 2, st.Messages.Outbound)
	require.Equal(t, 3, st.Messages.Total)
	require.NotNil(t, st.MostDroppedNode)
	require.Equal(t, "m1", st.MostDroppedNode.NodeID)
	require.Equal(t, "Hello", st.MostDroppedNode.Label)
	require.Equal(t, 2, st.MostDroppedNode.Sessions)
	require.Equal(t, 2, st.NodeCount)
	require.Equal(t, map[string]int{"start": 1, "message": 1}, st.NodeTypes)
	require.Less(t, time.Since(start), time.Minute)
}
