package api_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"

	"github.com/wabuilder/wab/activities/whatsapp"
	"github.com/wabuilder/wab/activities/whatsapp/sandbox"
	"github.com/wabuilder/wab/api"
	"github.com/wabuilder/wab/db"
	"github.com/wabuilder/wab/db/dbtest"
	"github.com/wabuilder/wab/deploy/localstack"
)

type conversationResp struct {
	ID      string `json:"id"`
	Contact struct {
		WAID string `json:"waId"`
		Name string `json:"name"`
	} `json:"contact"`
	LastInboundAt   *time.Time `json:"lastInboundAt"`
	WindowExpiresAt *time.Time `json:"windowExpiresAt"`
	WindowOpen      bool       `json:"windowOpen"`
	HandoffState    string     `json:"handoffState"`
	UnreadCount     int        `json:"unreadCount"`
	ActiveSession   *struct {
		ID string `json:"id"`
	} `json:"activeSession"`
}

type conversationList struct {
	Data       []conversationResp `json:"data"`
	NextCursor *string            `json:"nextCursor"`
}

func (e *apiEnv) conversations(query url.Values) conversationList {
	e.t.Helper()
	res := e.call(http.MethodGet, "/api/conversations?"+query.Encode(), nil, e.agentTok)
	require.Equal(e.t, http.StatusOK, res.Status, "%s", res.Body)
	var out conversationList
	res.Decode(e.t, &out)
	return out
}

func ids(list conversationList) []string {
	out := make([]string, len(list.Data))
	for i, c := range list.Data {
		out[i] = c.ID
	}
	return out
}

// inboxBase is later than any conversation's creation (rows start with
// their transaction's time), so activity at it reorders the inbox.
func inboxBase() time.Time { return time.Now().Add(time.Hour).UTC().Truncate(time.Microsecond) }

// inboxOf makes n conversations on one number, their last activity an hour
// apart from inboxBase(); the newest is last.
func inboxOf(e *apiEnv, n int) (db.Account, []db.Conversation) {
	e.t.Helper()
	acc := dbtest.Account(e.ctx, e.t, e.store, nil)
	base := inboxBase()
	convs := make([]db.Conversation, n)
	for i := range convs {
		c := dbtest.Conversation(e.ctx, e.t, e.store, &dbtest.ConversationOpts{AccountID: acc.ID})
		at := base.Add(time.Duration(i) * time.Hour)
		c, err := e.store.RecordConversationMessage(e.ctx, c.ID, db.ConversationActivity{At: at, Preview: fmt.Sprint("m", i)})
		require.NoError(e.t, err)
		convs[i] = c
	}
	return acc, convs
}

// Keyset pages stay right while messages arrive: a conversation with new
// activity moves to the top and is neither repeated nor lets another be
// skipped.
func TestConversations_CursorSurvivesNewMessages(t *testing.T) {
	t.Parallel()
	e := newAPI(t)
	acc, c := inboxOf(e, 5)
	q := url.Values{"accountId": {acc.ID.String()}, "limit": {"2"}}
	first := e.conversations(q)
	require.Equal(t, []string{c[4].ID.String(), c[3].ID.String()}, ids(first))
	require.NotNil(t, first.NextCursor)

	for i, moved := range []db.Conversation{c[3], c[1]} { // one already seen, one not yet
		at := c[4].LastMessageAt.Add(time.Duration(i+1) * time.Minute)
		_, err := e.store.RecordConversationMessage(e.ctx, moved.ID, db.ConversationActivity{At: at, Preview: "new", Inbound: true})
		require.NoError(t, err)
	}
	q.Set("cursor", *first.NextCursor)
	second := e.conversations(q)
	require.Equal(t, []string{c[2].ID.String(), c[0].ID.String()}, ids(second))
	require.Nil(t, second.NextCursor)

	q.Del("cursor")
	require.Equal(t, []string{c[1].ID.String(), c[3].ID.String()}, ids(e.conversations(q)), "moved to the top")

	bad := e.call(http.MethodGet, "/api/conversations?cursor=not-a-cursor", nil, e.agentTok)
	require.Equal(t, http.StatusBadRequest, bad.Status)
	require.NotEmpty(t, bad.ErrorField(t, "cursor"))
}

func TestConversations_Filters(t *testing.T) {
	t.Parallel()
	e := newAPI(t)
	acc, c := inboxOf(e, 4)
	account := url.Values{"accountId": {acc.ID.String()}}
	with := func(k, v string) url.Values {
		q := url.Values{"accountId": {acc.ID.String()}, k: {v}}
		return q
	}
	// c[3]: unread, from a named contact. c[2]: taken over. c[1]: a bot run.
	named := dbtest.Contact(e.ctx, t, e.store, &dbtest.ContactOpts{AccountID: acc.ID, ProfileName: "Zeynep 100%_Real", WAID: "90555" + dbtest.Unique()})
	unread := dbtest.Conversation(e.ctx, t, e.store, &dbtest.ConversationOpts{AccountID: acc.ID, ContactID: named.ID})
	_, err := e.store.RecordConversationMessage(e.ctx, unread.ID, db.ConversationActivity{At: c[3].LastMessageAt.Add(time.Minute), Preview: "hi", Inbound: true})
	require.NoError(t, err)
	require.NoError(t, e.store.SetHandoff(e.ctx, db.Handoff{ConversationID: c[2].ID, By: e.agent.ID.String(), At: time.Now()}))
	sess := dbtest.Session(e.ctx, t, e.store, &dbtest.SessionOpts{ConversationID: c[1].ID})

	all := e.conversations(account)
	require.Len(t, all.Data, 5)
	require.Equal(t, unread.ID.String(), all.Data[0].ID, "newest activity first")
	require.Equal(t, 1, all.Data[0].UnreadCount)
	require.True(t, all.Data[0].WindowOpen)
	require.WithinDuration(t, all.Data[0].LastInboundAt.Add(24*time.Hour), *all.Data[0].WindowExpiresAt, 0)
	require.False(t, all.Data[1].WindowOpen, "never wrote: no window")
	require.Nil(t, all.Data[1].WindowExpiresAt)

	for name, tc := range map[string]struct {
		q    url.Values
		want []uuid.UUID
	}{
		"name, any case":           {with("search", "zeynep"), []uuid.UUID{unread.ID}},
		"like wildcards are text":  {with("search", "100%_r"), []uuid.UUID{unread.ID}},
		"a wildcard matching none": {with("search", "%%"), nil},
		"phone, as people type it": {with("search", "+"+named.WAID[:5]+" "+named.WAID[5:9]+"-"+named.WAID[9:]), []uuid.UUID{unread.ID}},
		"unread":                   {with("unread", "true"), []uuid.UUID{unread.ID}},
		"taken over":               {with("handoff", "agent"), []uuid.UUID{c[2].ID}},
		"bot run in progress":      {with("activeSession", "true"), []uuid.UUID{c[1].ID}},
		"since":                    {with("from", c[2].LastMessageAt.Format(time.RFC3339Nano)), []uuid.UUID{unread.ID, c[3].ID, c[2].ID}},
		"until":                    {with("to", c[1].LastMessageAt.Format(time.RFC3339Nano)), []uuid.UUID{c[0].ID}},
	} {
		got := e.conversations(tc.q)
		want := make([]string, len(tc.want))
		for i, id := range tc.want {
			want[i] = id.String()
		}
		require.Equal(t, want, ids(got), name)
	}
	withSession := e.conversations(with("activeSession", "true")).Data[0]
	require.Equal(t, sess.ID.String(), withSession.ActiveSession.ID)

	// Across numbers, the search still finds the one customer.
	require.Equal(t, []string{unread.ID.String()}, ids(e.conversations(url.Values{"search": {named.WAID}})))

	for field, q := range map[string]string{
		"accountId": "accountId=42", "handoff": "handoff=human", "unread": "unread=yes", "from": "from=yesterday", "limit": "limit=1000",
	} {
		res := e.call(http.MethodGet, "/api/conversations?"+q, nil, e.agentTok)
		require.Equal(t, http.StatusBadRequest, res.Status, "%s: %s", q, res.Body)
		require.NotEmpty(t, res.ErrorField(t, field))
	}
}

func TestConversations_GetAndMessages(t *testing.T) {
	t.Parallel()
	e := newAPI(t)
	conv := dbtest.Conversation(e.ctx, t, e.store, nil)
	res := e.call(http.MethodGet, "/api/conversations/"+conv.ID.String(), nil, e.agentTok)
	require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
	var got conversationResp
	res.Decode(t, &got)
	require.Equal(t, "Test Contact", got.Contact.Name)
	require.Equal(t, "bot", got.HandoffState)

	var want []string
	for i := range 5 {
		m, _, err := e.store.InsertMessage(e.ctx, db.NewMessage{
			AccountID: conv.AccountID, ConversationID: conv.ID, Direction: db.Inbound, WAMID: "wamid." + uuid.NewString(),
			Type: "text", Payload: []byte(fmt.Sprintf(`{"type":"text","text":{"body":"message %d"}}`, i)), Sender: "contact",
		})
		require.NoError(t, err)
		want = append([]string{m.ID.String()}, want...)
	}
	var seen []string
	cursor := ""
	for range 3 {
		page := e.call(http.MethodGet, "/api/conversations/"+conv.ID.String()+"/messages?limit=2&cursor="+cursor, nil, e.agentTok)
		require.Equal(t, http.StatusOK, page.Status, "%s", page.Body)
		var body struct {
			Data []struct {
				ID      string         `json:"id"`
				Content map[string]any `json:"content"`
			} `json:"data"`
			NextCursor *string `json:"nextCursor"`
		}
		page.Decode(t, &body)
		for _, m := range body.Data {
			seen = append(seen, m.ID)
			require.Equal(t, "text", m.Content["type"])
		}
		if body.NextCursor == nil {
			break
		}
		cursor = *body.NextCursor
	}
	require.Equal(t, want, seen, "newest first, each once")

	missing := "/api/conversations/" + uuid.NewString()
	require.Equal(t, http.StatusNotFound, e.call(http.MethodGet, missing, nil, e.agentTok).Status)
	require.Equal(t, http.StatusNotFound, e.call(http.MethodGet, missing+"/messages", nil, e.agentTok).Status)
}

func TestConversations_MarkRead(t *testing.T) {
	t.Parallel()
	sb := sandbox.New(sandbox.Options{})
	srv := httptest.NewServer(sb)
	t.Cleanup(func() { srv.Close(); sb.Close() })
	e := newAPI(t, func(d *api.Deps) { d.Graph = whatsapp.NewClient(srv.Client()) })
	acc := dbtest.Account(e.ctx, t, e.store, &dbtest.AccountOpts{APIBaseURL: srv.URL})
	conv := dbtest.Conversation(e.ctx, t, e.store, &dbtest.ConversationOpts{AccountID: acc.ID})
	path := "/api/conversations/" + conv.ID.String() + "/read"

	// Nothing from the customer yet: no receipt to send.
	res := e.call(http.MethodPost, path, nil, e.agentTok)
	require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
	require.Empty(t, res.JSON(t)["wamid"])

	var last string
	for i := range 2 {
		last = fmt.Sprintf("wamid.in.%d.%s", i, uuid.NewString())
		_, _, err := e.store.InsertMessage(e.ctx, db.NewMessage{
			AccountID: acc.ID, ConversationID: conv.ID, Direction: db.Inbound, WAMID: last, Type: "text", Sender: "contact",
		})
		require.NoError(t, err)
		_, err = e.store.RecordConversationMessage(e.ctx, conv.ID, db.ConversationActivity{At: time.Now(), Preview: "hi", Inbound: true})
		require.NoError(t, err)
	}
	res = e.call(http.MethodPost, path, nil, e.agentTok)
	require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
	out := res.JSON(t)
	require.Equal(t, last, out["wamid"], "the latest inbound message")
	require.Equal(t, true, out["whatsappRead"])
	require.InDelta(t, 0, out["conversation"].(map[string]any)["unreadCount"], 0)
	reqs := sb.Requests()
	read := reqs[len(reqs)-1]
	require.Equal(t, sandbox.KindRead, read.Kind)
	require.Contains(t, string(read.Body), last)

	// WhatsApp refuses: the console's count is reset all the same.
	_, err := e.store.UpdateAccount(e.ctx, acc.ID, db.AccountChange{APIBaseURL: ptrTo("http://127.0.0.1:1")})
	require.NoError(t, err)
	res = e.call(http.MethodPost, path, nil, e.agentTok)
	require.Equal(t, http.StatusOK, res.Status)
	out = res.JSON(t)
	require.Equal(t, false, out["whatsappRead"])
	require.Equal(t, whatsapp.ErrKindNetwork, out["error"].(map[string]any)["kind"])

	noGraph := newAPI(t)
	other := dbtest.Conversation(noGraph.ctx, t, noGraph.store, nil)
	require.Equal(t, http.StatusServiceUnavailable, noGraph.call(http.MethodPost, "/api/conversations/"+other.ID.String()+"/read", nil, noGraph.agentTok).Status)
}

func TestSendMessage_RejectsBadInputBeforeSending(t *testing.T) {
	t.Parallel()
	e := newAPI(t) // no Temporal: nothing here may reach it
	conv := dbtest.Conversation(e.ctx, t, e.store, nil)
	path := "/api/conversations/" + conv.ID.String() + "/messages"
	for field, body := range map[string]map[string]any{
		"text":            {"type": "text", "text": "  "},
		"media":           {"type": "image"},
		"media.link":      {"type": "image", "media": map[string]any{"link": "ftp://example.com/a.png"}},
		"template":        {"type": "template"},
		"template.name":   {"type": "template", "template": map[string]any{"language": "en_US"}},
		"media.caption":   {"type": "audio", "media": map[string]any{"id": "123", "caption": "no captions on audio"}},
		"type":            {"type": "location"},
		"Idempotency-Key": {"type": "text", "text": "hi"},
	} {
		headers := []string{}
		if field == "Idempotency-Key" {
			headers = []string{"Idempotency-Key", "has spaces in it"}
		}
		res := e.callWith(http.MethodPost, path, body, e.agentTok, headers...)
		require.Equal(t, http.StatusBadRequest, res.Status, "%s: %s", field, res.Body)
		require.NotEmpty(t, res.ErrorField(t, field), field)
	}

	// Outside the 24-hour window only a template may go; the answer says so.
	for name, lastInbound := range map[string]*time.Time{"never wrote": nil, "25 hours ago": ptrTo(time.Now().Add(-25 * time.Hour))} {
		c := dbtest.Conversation(e.ctx, t, e.store, nil)
		if lastInbound != nil {
			_, err := e.store.RecordConversationMessage(e.ctx, c.ID, db.ConversationActivity{At: *lastInbound, Inbound: true})
			require.NoError(t, err)
		}
		res := e.call(http.MethodPost, "/api/conversations/"+c.ID.String()+"/messages", map[string]any{"type": "text", "text": "hello?"}, e.agentTok)
		require.Equal(t, http.StatusUnprocessableEntity, res.Status, "%s: %s", name, res.Body)
		require.Contains(t, res.ErrorField(t, "type"), "template", name)
	}
	res := e.call(http.MethodPost, "/api/conversations/"+uuid.NewString()+"/messages", map[string]any{"type": "text", "text": "hi"}, e.agentTok)
	require.Equal(t, http.StatusNotFound, res.Status)

	// Valid, in the window, but no workflow service: 503, the one error shape.
	_, err := e.store.RecordConversationMessage(e.ctx, conv.ID, db.ConversationActivity{At: time.Now(), Inbound: true})
	require.NoError(t, err)
	res = e.call(http.MethodPost, path, map[string]any{"type": "text", "text": "hi"}, e.agentTok)
	require.Equal(t, http.StatusServiceUnavailable, res.Status, "%s", res.Body)
	assertErrorShape(t, res, "unavailable")
}

// Temporal down: every route that needs it answers 503 in the one error
// shape, after a bounded wait.
func TestConversations_TemporalDown(t *testing.T) {
	t.Parallel()
	port, err := localstack.FreePort(context.Background())
	require.NoError(t, err)
	down, err := client.NewLazyClient(client.Options{HostPort: fmt.Sprintf("127.0.0.1:%d", port), Logger: tlog.NewStructuredLogger(quiet)})
	require.NoError(t, err)
	t.Cleanup(down.Close)
	e := newAPI(t, func(d *api.Deps) { d.Workflows = down; d.Log = quiet })
	conv := dbtest.Conversation(e.ctx, t, e.store, nil)
	_, err = e.store.RecordConversationMessage(e.ctx, conv.ID, db.ConversationActivity{At: time.Now(), Inbound: true})
	require.NoError(t, err)
	path := "/api/conversations/" + conv.ID.String()
	for name, body := range map[string]any{"/takeover": nil, "/messages": map[string]any{"type": "text", "text": "hi"}} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := e.forTest(t)
			start := time.Now()
			res := e.call(http.MethodPost, path+name, body, e.agentTok)
			require.Equal(t, http.StatusServiceUnavailable, res.Status, "%s", res.Body)
			assertErrorShape(t, res, "unavailable")
			require.NotContains(t, string(res.Body), "127.0.0.1")
			require.Less(t, time.Since(start), 15*time.Second)
		})
	}
}

func ptrTo[T any](v T) *T { return &v }
