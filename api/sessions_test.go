package api_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/wabuilder/wab/activities/whatsapp"
	"github.com/wabuilder/wab/api/webhook"
	"github.com/wabuilder/wab/db"
	"github.com/wabuilder/wab/db/dbtest"
	"github.com/wabuilder/wab/workflows/graph"
)

// sessionResp is a session as the API shows it.
type sessionResp struct {
	ID               uuid.UUID       `json:"id"`
	ConversationID   uuid.UUID       `json:"conversationId"`
	AccountID        uuid.UUID       `json:"accountId"`
	ChatbotID        uuid.UUID       `json:"chatbotId"`
	ChatbotName      string          `json:"chatbotName"`
	ChatbotVersion   int             `json:"chatbotVersion"`
	CustomerPhone    string          `json:"customerPhone"`
	CustomerName     string          `json:"customerName"`
	Status           string          `json:"status"`
	IsActive         bool            `json:"isActive"`
	CurrentNodeID    string          `json:"currentNodeId"`
	CompletionReason string          `json:"completionReason"`
	IsTest           bool            `json:"isTest"`
	Variables        json.RawMessage `json:"variables"`
	StartedAt        time.Time       `json:"startedAt"`
	CompletedAt      *time.Time      `json:"completedAt"`
}

type sessionListResp struct {
	Data       []sessionResp `json:"data"`
	NextCursor *string       `json:"nextCursor"`
}

type transcriptResp struct {
	Direction string `json:"direction"`
	Type      string `json:"type"`
	Text      string `json:"text"`
	Buttons   []struct {
		ID    string `json:"id"`
		Title string `json:"title"`
	} `json:"buttons"`
	Sections []struct {
		Rows []struct {
			ID    string `json:"id"`
			Title string `json:"title"`
		} `json:"rows"`
	} `json:"sections"`
	Reply *struct {
		ID    string `json:"id"`
		Title string `json:"title"`
	} `json:"reply"`
	Status string `json:"status"`
	WAMID  string `json:"wamid"`
}

type sessionDetailResp struct {
	sessionResp
	CurrentNodeLabel string `json:"currentNodeLabel"`
	Timeline         []struct {
		NodeID     string     `json:"nodeId"`
		NodeType   string     `json:"nodeType"`
		NodeLabel  string     `json:"nodeLabel"`
		EnteredAt  time.Time  `json:"enteredAt"`
		LeftAt     *time.Time `json:"leftAt"`
		DurationMs *int64     `json:"durationMs"`
	} `json:"timeline"`
	Messages  []transcriptResp `json:"messages"`
	Truncated bool             `json:"truncated"`
}

// referenceVersion compiles a bot of ../shared/reference/chatbots.
func referenceVersion(t *testing.T, name string) (graph.Chatbot, json.RawMessage) {
	t.Helper()
	dir, err := os.Getwd()
	require.NoError(t, err)
	for {
		raw, err := os.ReadFile(filepath.Join(dir, "shared", "reference", "chatbots", name))
		if err == nil {
			c, err := graph.Parse(raw)
			require.NoError(t, err)
			v, rep := graph.Compile(c)
			require.NoError(t, rep.Err())
			out, err := json.Marshal(v)
			require.NoError(t, err)
			return c, out
		}
		parent := filepath.Dir(dir)
		require.NotEqual(t, parent, dir, "shared/reference/chatbots/%s not found", name)
		dir = parent
	}
}

// sessionWorld is an account with customers and two published bots, one of
// them the reference sample bot.
type sessionWorld struct {
	e            *apiEnv
	acct         db.Account
	sample, echo db.ChatbotVersion
}

func newSessionWorld(t *testing.T) *sessionWorld {
	t.Helper()
	e := newAPI(t)
	_, compiled := referenceVersion(t, "sample-chatbot.json")
	bot := dbtest.Chatbot(e.ctx, t, e.store, &dbtest.ChatbotOpts{Name: "Sample " + dbtest.Unique()})
	return &sessionWorld{
		e: e, acct: dbtest.Account(e.ctx, t, e.store, nil),
		sample: dbtest.ChatbotVersion(e.ctx, t, e.store, &dbtest.ChatbotVersionOpts{ChatbotID: bot.ID, Graph: compiled}),
		echo:   dbtest.ChatbotVersion(e.ctx, t, e.store, nil),
	}
}

// session starts a session of v for a new customer, started at at.
func (w *sessionWorld) session(t *testing.T, v db.ChatbotVersion, name, phone string, at time.Time) db.Session {
	t.Helper()
	ctx, s := w.e.ctx, w.e.store
	c := dbtest.Contact(ctx, t, s, &dbtest.ContactOpts{AccountID: w.acct.ID, ProfileName: name, WAID: phone})
	conv := dbtest.Conversation(ctx, t, s, &dbtest.ConversationOpts{AccountID: w.acct.ID, ContactID: c.ID})
	vars, err := json.Marshal(map[string]string{"customer_name": name})
	require.NoError(t, err)
	sess, _, err := s.CreateSession(ctx, db.NewSession{
		ID: uuid.New(), ConversationID: conv.ID, ChatbotID: v.ChatbotID, ChatbotVersionID: v.ID,
		WorkflowID: conv.WorkflowID, StartedAt: at, Variables: vars,
	})
	require.NoError(t, err)
	return sess
}

func (w *sessionWorld) end(t *testing.T, s db.Session, st db.SessionStatus, reason string) {
	t.Helper()
	_, err := w.e.store.EndSession(w.e.ctx, db.SessionEnd{ID: s.ID, Status: st, Reason: reason, At: time.Now()})
	require.NoError(t, err)
}

func (w *sessionWorld) list(t *testing.T, query url.Values) sessionListResp {
	t.Helper()
	query.Set("accountId", w.acct.ID.String()) // keep other tests' sessions out
	res := w.e.call(http.MethodGet, "/api/chatbot-sessions?"+query.Encode(), nil, w.e.agentTok)
	require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
	var out sessionListResp
	res.Decode(t, &out)
	return out
}

func sessionIDs(l sessionListResp) []uuid.UUID {
	out := make([]uuid.UUID, len(l.Data))
	for i, s := range l.Data {
		out[i] = s.ID
	}
	return out
}

func TestChatbotSessions_ListFiltersAndPages(t *testing.T) {
	t.Parallel()
	w := newSessionWorld(t)
	day := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	ayse := w.session(t, w.sample, "Ayşe Yılmaz", "905551112233", day)
	bob := w.session(t, w.echo, "Bob", "14155550100", day.Add(24*time.Hour))
	cem := w.session(t, w.sample, "Cem", "905559998877", day.Add(48*time.Hour))
	w.end(t, ayse, db.SessionCompleted, "flow_completed")
	w.end(t, bob, db.SessionStopped, "operator_stopped")

	all := w.list(t, url.Values{})
	require.Equal(t, []uuid.UUID{cem.ID, bob.ID, ayse.ID}, sessionIDs(all), "newest first")
	require.Nil(t, all.NextCursor)
	got := all.Data[2]
	require.Equal(t, w.sample.ChatbotID, got.ChatbotID)
	require.Contains(t, got.ChatbotName, "Sample ")
	require.Equal(t, 1, got.ChatbotVersion)
	require.Equal(t, "Ayşe Yılmaz", got.CustomerName)
	require.Equal(t, "905551112233", got.CustomerPhone)
	require.Equal(t, "completed", got.Status)
	require.False(t, got.IsActive)
	require.Equal(t, "flow_completed", got.CompletionReason)
	require.NotNil(t, got.CompletedAt)
	require.Empty(t, got.Variables, "lists leave the variables out")
	require.True(t, all.Data[0].IsActive)
	require.Nil(t, all.Data[0].CompletedAt)

	for name, tc := range map[string]struct {
		query url.Values
		want  []uuid.UUID
	}{
		"status":            {url.Values{"status": {"stopped"}}, []uuid.UUID{bob.ID}},
		"live":              {url.Values{"status": {"running"}}, []uuid.UUID{cem.ID}},
		"chatbot":           {url.Values{"chatbotId": {w.sample.ChatbotID.String()}}, []uuid.UUID{cem.ID, ayse.ID}},
		"chatbot and state": {url.Values{"chatbotId": {w.sample.ChatbotID.String()}, "status": {"completed"}}, []uuid.UUID{ayse.ID}},
		"customer name":     {url.Values{"search": {"aYşE"}}, []uuid.UUID{ayse.ID}},
		"customer phone":    {url.Values{"search": {"+90 555"}}, []uuid.UUID{cem.ID, ayse.ID}},
		"from a date":       {url.Values{"from": {"2026-03-11"}}, []uuid.UUID{cem.ID, bob.ID}},
		"to a date":         {url.Values{"to": {"2026-03-11"}}, []uuid.UUID{bob.ID, ayse.ID}}, // the whole day
		"between times":     {url.Values{"from": {"2026-03-10T12:00:00Z"}, "to": {"2026-03-12T12:00:00Z"}}, []uuid.UUID{bob.ID, ayse.ID}},
		"tests only":        {url.Values{"isTest": {"true"}}, []uuid.UUID{}},
		"no tests":          {url.Values{"isTest": {"false"}}, []uuid.UUID{cem.ID, bob.ID, ayse.ID}},
	} {
		require.Equal(t, tc.want, sessionIDs(w.list(t, tc.query)), name)
	}

	// Pages of one; a session that starts meanwhile changes no later page.
	var seen []uuid.UUID
	q := url.Values{"limit": {"1"}}
	for {
		page := w.list(t, q)
		seen = append(seen, sessionIDs(page)...)
		if page.NextCursor == nil {
			break
		}
		if len(seen) == 1 {
			w.session(t, w.echo, "Late", dbtest.Unique(), time.Now())
		}
		q.Set("cursor", *page.NextCursor)
	}
	require.Equal(t, []uuid.UUID{cem.ID, bob.ID, ayse.ID}, seen)
}

func TestChatbotSessions_ListRejectsBadFilters(t *testing.T) {
	t.Parallel()
	e := newAPI(t)
	for query, field := range map[string]string{
		"status=asleep":                 "status",
		"chatbotId=bot-1":               "chatbotId",
		"accountId=1":                   "accountId",
		"from=yesterday":                "from",
		"to=2026-13-01":                 "to",
		"from=2026-03-02&to=2026-03-01": "to",
		"cursor=not-a-cursor":           "cursor",
		"limit=1000":                    "limit",
		"isTest=maybe":                  "isTest",
		"search=" + string(bytes.Repeat([]byte("a"), 101)): "search",
	} {
		for _, path := range []string{"/api/chatbot-sessions?", "/api/chatbot-sessions/export?"} {
			if path != "/api/chatbot-sessions?" && (field == "cursor" || field == "limit") {
				continue // the export has no pages
			}
			res := e.call(http.MethodGet, path+query, nil, e.agentTok)
			require.Equal(t, http.StatusBadRequest, res.Status, "%s%s: %s", path, query, res.Body)
			require.NotEmpty(t, res.ErrorField(t, field), query)
		}
	}
	res := e.call(http.MethodGet, "/api/chatbot-sessions/export?format=xml", nil, e.agentTok)
	require.Equal(t, http.StatusBadRequest, res.Status)
	require.NotEmpty(t, res.ErrorField(t, "format"))
}

// The detail: state, variables, the timeline of nodes with their labels
// and times, and the session's messages with the buttons it offered.
func TestChatbotSessions_Detail(t *testing.T) {
	t.Parallel()
	w := newSessionWorld(t)
	ctx, s := w.e.ctx, w.e.store
	start := time.Now().Add(-time.Minute).UTC().Truncate(time.Millisecond)
	sess := w.session(t, w.sample, "Ayşe", dbtest.Unique(), start)

	inbound, err := json.Marshal(webhook.Message{WAMID: "wamid.hi", Type: "text", Text: "Merhaba"})
	require.NoError(t, err)
	_, _, err = s.InsertMessage(ctx, db.NewMessage{
		AccountID: w.acct.ID, ConversationID: sess.ConversationID, Direction: db.Inbound, WAMID: "wamid.hi",
		Type: "text", Payload: inbound, Sender: "contact",
	})
	require.NoError(t, err)
	menu, err := whatsapp.OutboundMessage{To: "1", Type: whatsapp.TypeButtons, Buttons: &whatsapp.Buttons{
		Body: "Lütfen seçin", Buttons: []whatsapp.Button{{ID: "btn_tech", Title: "Teknik Destek"}, {ID: "btn_price", Title: "Fiyat Bilgisi"}},
	}}.GraphPayload()
	require.NoError(t, err)
	_, _, err = s.InsertMessage(ctx, db.NewMessage{
		AccountID: w.acct.ID, ConversationID: sess.ConversationID, SessionID: &sess.ID, Direction: db.Outbound,
		IdempotencyKey: "k/1", Type: "interactive", Payload: menu, Status: db.StatusSent, Sender: "bot",
	})
	require.NoError(t, err)
	for i, ev := range []struct {
		kind db.SessionEventKind
		node string
		at   time.Duration
	}{
		{db.NodeEntered, "start-1", 0},
		{db.NodeLeft, "start-1", 10 * time.Millisecond},
		{db.NodeEntered, "welcome-msg", 10 * time.Millisecond},
		{db.NodeLeft, "welcome-msg", 30 * time.Millisecond},
		{db.NodeEntered, "main-menu", 30 * time.Millisecond},
	} {
		_, err := s.InsertSessionEvent(ctx, db.SessionEvent{
			SessionID: sess.ID, Seq: i + 1, Kind: ev.kind, NodeID: ev.node, NodeType: "message", OccurredAt: start.Add(ev.at),
		})
		require.NoError(t, err)
	}
	_, _, err = s.UpdateSessionProgress(ctx, db.SessionProgress{ID: sess.ID, Status: db.SessionWaitingInput, CurrentNodeID: "main-menu"})
	require.NoError(t, err)

	res := w.e.call(http.MethodGet, "/api/chatbot-sessions/"+sess.ID.String(), nil, w.e.agentTok)
	require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
	var d sessionDetailResp
	res.Decode(t, &d)
	require.Equal(t, "waiting_input", d.Status)
	require.Equal(t, "main-menu", d.CurrentNodeID)
	require.Equal(t, "Ana Menü", d.CurrentNodeLabel)
	require.JSONEq(t, `{"customer_name":"Ayşe"}`, string(d.Variables))
	require.Len(t, d.Timeline, 3)
	require.Equal(t, "Başlangıç", d.Timeline[0].NodeLabel)
	require.Equal(t, "Hoşgeldin Mesajı", d.Timeline[1].NodeLabel)
	require.Equal(t, int64(20), *d.Timeline[1].DurationMs)
	require.True(t, d.Timeline[1].EnteredAt.Equal(start.Add(10*time.Millisecond)))
	require.Nil(t, d.Timeline[2].LeftAt, "still at the menu")
	require.Nil(t, d.Timeline[2].DurationMs)
	require.Len(t, d.Messages, 2)
	require.Equal(t, "inbound", d.Messages[0].Direction)
	require.Equal(t, "Merhaba", d.Messages[0].Text)
	require.Equal(t, "Lütfen seçin", d.Messages[1].Text)
	require.Len(t, d.Messages[1].Buttons, 2)
	require.Equal(t, "btn_price", d.Messages[1].Buttons[1].ID)
	require.False(t, d.Truncated)

	for path, status := range map[string]int{
		"/api/chatbot-sessions/" + uuid.NewString(): http.StatusNotFound,
		"/api/chatbot-sessions/not-a-uuid":          http.StatusBadRequest,
	} {
		require.Equal(t, status, w.e.call(http.MethodGet, path, nil, w.e.agentTok).Status, path)
	}
}

// Stop and skip go through the conversation's workflow; what can be
// refused without one is.
func TestChatbotSessions_OperatorsWithoutTemporal(t *testing.T) {
	t.Parallel()
	w := newSessionWorld(t)
	live := w.session(t, w.sample, "Live", dbtest.Unique(), time.Now())
	ended := w.session(t, w.sample, "Ended", dbtest.Unique(), time.Now())
	w.end(t, ended, db.SessionCompleted, "flow_completed")
	for _, op := range []string{"stop", "skip"} {
		res := w.e.call(http.MethodPost, "/api/chatbot-sessions/"+ended.ID.String()+"/"+op, nil, w.e.agentTok)
		require.Equal(t, http.StatusConflict, res.Status, "%s an ended session: %s", op, res.Body)
		res = w.e.call(http.MethodPost, "/api/chatbot-sessions/"+live.ID.String()+"/"+op, nil, w.e.agentTok)
		require.Equal(t, http.StatusServiceUnavailable, res.Status, "%s without Temporal: %s", op, res.Body)
		res = w.e.call(http.MethodPost, "/api/chatbot-sessions/"+uuid.NewString()+"/"+op, nil, w.e.agentTok)
		require.Equal(t, http.StatusNotFound, res.Status, op)
	}
}

func TestChatbotSessions_DeleteEndedOnly(t *testing.T) {
	t.Parallel()
	w := newSessionWorld(t)
	sess := w.session(t, w.sample, "Del", dbtest.Unique(), time.Now())
	_, err := w.e.store.InsertSessionEvent(w.e.ctx, db.SessionEvent{SessionID: sess.ID, Seq: 1, Kind: db.NodeEntered, NodeID: "start-1"})
	require.NoError(t, err)
	path := "/api/chatbot-sessions/" + sess.ID.String()

	res := w.e.call(http.MethodDelete, path, nil, w.e.adminToken)
	require.Equal(t, http.StatusConflict, res.Status, "a running session: %s", res.Body)
	w.end(t, sess, db.SessionCompleted, "flow_completed")
	require.Equal(t, http.StatusNoContent, w.e.call(http.MethodDelete, path, nil, w.e.adminToken).Status)
	require.Equal(t, http.StatusNotFound, w.e.call(http.MethodGet, path, nil, w.e.agentTok).Status)
	events, err := w.e.store.SessionEvents(w.e.ctx, sess.ID, 10)
	require.NoError(t, err)
	require.Empty(t, events)
	require.Equal(t, http.StatusNotFound, w.e.call(http.MethodDelete, path, nil, w.e.adminToken).Status)
}

func TestChatbotSessions_Export(t *testing.T) {
	t.Parallel()
	w := newSessionWorld(t)
	base := time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)
	evil := w.session(t, w.sample, `=HYPERLINK("http://evil.example","click")`, dbtest.Unique(), base)
	quoted := w.session(t, w.echo, `Ali "the, quoted" Veli`, dbtest.Unique(), base.Add(time.Hour))
	w.end(t, evil, db.SessionCompleted, "flow_completed")
	filter := "accountId=" + w.acct.ID.String()

	res := w.e.call(http.MethodGet, "/api/chatbot-sessions/export?"+filter, nil, w.e.agentTok)
	require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
	require.Contains(t, res.Header["Content-Type"], "text/csv")
	require.Regexp(t, `^attachment; filename="chatbot-sessions-\d{8}-\d{6}\.csv"$`, res.Header["Content-Disposition"])
	rows, err := csv.NewReader(bytes.NewReader(res.Body)).ReadAll()
	require.NoError(t, err, "%s", res.Body)
	require.Len(t, rows, 3)
	col := map[string]int{}
	for i, name := range rows[0] {
		col[name] = i
	}
	require.Equal(t, quoted.ID.String(), rows[1][col["id"]], "newest first")
	require.Equal(t, `Ali "the, quoted" Veli`, rows[1][col["customerName"]], "quotes and commas survive")
	require.Equal(t, "true", rows[1][col["isActive"]])
	require.Equal(t, `'=HYPERLINK("http://evil.example","click")`, rows[2][col["customerName"]], "no formula reaches a spreadsheet")
	require.Equal(t, "completed", rows[2][col["status"]])
	require.Equal(t, "2026-04-01T09:00:00Z", rows[2][col["startedAt"]])
	require.JSONEq(t, `{"customer_name":"=HYPERLINK(\"http://evil.example\",\"click\")"}`, rows[2][col["variables"]])

	res = w.e.call(http.MethodGet, "/api/chatbot-sessions/export?format=json&status=completed&"+filter, nil, w.e.agentTok)
	require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
	require.Contains(t, res.Header["Content-Type"], "application/json")
	require.Contains(t, res.Header["Content-Disposition"], `.json"`)
	var got []sessionResp
	res.Decode(t, &got)
	require.Len(t, got, 1)
	require.Equal(t, evil.ID, got[0].ID)
	require.NotEmpty(t, got[0].Variables, "exports carry the variables")

	// More sessions than one read of the database holds stream in batches.
	for i := range 510 {
		w.session(t, w.echo, "Bulk", dbtest.Unique(), base.Add(-time.Duration(i+1)*time.Minute))
	}
	res = w.e.call(http.MethodGet, "/api/chatbot-sessions/export?format=json&"+filter, nil, w.e.agentTok)
	require.Equal(t, http.StatusOK, res.Status)
	res.Decode(t, &got)
	require.Len(t, got, 512)
	res = w.e.call(http.MethodGet, "/api/chatbot-sessions/export?"+filter, nil, w.e.agentTok)
	rows, err = csv.NewReader(bytes.NewReader(res.Body)).ReadAll()
	require.NoError(t, err)
	require.Len(t, rows, 513)
}
