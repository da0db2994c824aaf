package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	"github.com/wabuilder/wab/activities/whatsapp"
	"github.com/wabuilder/wab/activities/whatsapp/sandbox"
	"github.com/wabuilder/wab/db"
	"github.com/wabuilder/wab/db/dbtest"
	"github.com/wabuilder/wab/workflows"
	"github.com/wabuilder/wab/workflows/graph"
)

// inbox is the whole stack behind the conversation routes: a database of
// its own (the worker and relay commit), a Temporal dev server, a worker
// running the real workflow and activities, the ingest relay, and the
// sandbox as Meta. Each number has a sandbox of its own, so a test that
// makes its sends fail hits no other test's.
type inbox struct {
	e    *apiEnv
	tc   client.Client
	pool *pgxpool.Pool
	// acc, bad and slow all run the bot; bad's and slow's sandboxes are
	// made to refuse and to throttle.
	acc, bad, slow db.Account
	sandboxes      map[uuid.UUID]*sandbox.Server
}

// inboxBot asks for a name and thanks for it.
const inboxBot = `{"name":"inbox bot","nodes":[
	{"id":"start","type":"start","data":{"label":"Start"}},
	{"id":"q","type":"question","data":{"label":"q","type":"question","content":"What is your name?"}},
	{"id":"m","type":"message","data":{"label":"m","content":"Thanks {{question_1.response}}"}}],
	"edges":[{"source":"start","target":"q"},{"source":"q","target":"m"}]}`

func startInbox(t *testing.T) *inbox {
	t.Helper()
	ctx := context.Background()
	st := startWorkflowStack(t, whatsapp.NewClient(nil)) // the accounts' base URLs point at the sandboxes
	in := &inbox{e: st.e, pool: st.pool, tc: st.tc, sandboxes: map[uuid.UUID]*sandbox.Server{}}
	compiled := compileBot(t, inboxBot)
	number := func() db.Account {
		sb := sandbox.New(sandbox.Options{AppSecret: testSecret})
		srv := httptest.NewServer(sb)
		t.Cleanup(func() { srv.Close(); sb.Close() })
		a := dbtest.Account(ctx, t, st.store, &dbtest.AccountOpts{APIBaseURL: srv.URL})
		in.sandboxes[a.ID] = sb
		v := dbtest.ChatbotVersion(ctx, t, st.store, &dbtest.ChatbotVersionOpts{Graph: compiled})
		dbtest.Trigger(ctx, t, st.store, &dbtest.TriggerOpts{AccountID: &a.ID, ChatbotID: v.ChatbotID, Kind: db.TriggerDefault})
		return a
	}
	in.acc, in.bad, in.slow = number(), number(), number()
	return in
}

func compileBot(t *testing.T, raw string) json.RawMessage {
	t.Helper()
	c, err := graph.Parse([]byte(raw))
	require.NoError(t, err)
	v, rep := graph.Compile(c)
	require.NoError(t, rep.Err())
	out, err := json.Marshal(v)
	require.NoError(t, err)
	return out
}

var inboxCustomers atomic.Int64

// inboxCustomer is a WhatsApp user writing to one of the inbox's numbers.
type inboxCustomer struct {
	t    *testing.T
	in   *inbox
	e    *apiEnv
	acc  db.Account
	sb   *sandbox.Server
	waID string
}

func (in *inbox) customer(t *testing.T, acc db.Account) *inboxCustomer {
	return &inboxCustomer{t: t, in: in, e: in.e.forTest(t), acc: acc, sb: in.sandboxes[acc.ID], waID: strconv.FormatInt(905400000000+inboxCustomers.Add(1), 10)}
}

// says posts a signed webhook with the customer's text and returns its wamid.
func (c *inboxCustomer) says(text string) string {
	c.t.Helper()
	wamid := "wamid.in." + uuid.NewString()
	body, sig := c.sb.BuildInbound(c.acc.PhoneNumberID, "", c.waID, "Ana Customer", sandbox.InboundSpec{Type: sandbox.InboundText, Text: text, WAMID: wamid})
	status, out := post(c.t, c.e.app, body, sig)
	require.Equal(c.t, http.StatusOK, status, out)
	return wamid
}

// sent waits until the customer got n messages and returns their texts.
func (c *inboxCustomer) sent(n int) []string {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	got, err := c.sb.WaitSent(ctx, c.waID, n)
	require.NoError(c.t, err, "waiting for %d messages to %s", n, c.waID)
	var out []string
	for _, s := range got {
		switch {
		case s.Message.Text != nil:
			out = append(out, s.Message.Text.Body)
		case s.Message.Media != nil:
			out = append(out, string(s.Type)+":"+s.Message.Media.Link)
		case s.Message.Template != nil:
			out = append(out, "template:"+s.Message.Template.Name)
		default:
			out = append(out, string(s.Type))
		}
	}
	return out
}

// conversation is the customer's conversation, once the webhook stored it.
func (c *inboxCustomer) conversation() uuid.UUID {
	c.t.Helper()
	var id uuid.UUID
	require.Eventually(c.t, func() bool {
		err := c.in.pool.QueryRow(context.Background(), `SELECT c.id FROM conversations c JOIN contacts ct ON ct.id = c.contact_id
			WHERE ct.wa_id = $1 AND c.account_id = $2`, c.waID, c.acc.ID).Scan(&id)
		return err == nil
	}, 10*time.Second, 20*time.Millisecond)
	return id
}

func (c *inboxCustomer) post(path string, body any, headers ...string) response {
	c.t.Helper()
	return c.e.callWith(http.MethodPost, "/api/conversations/"+c.conversation().String()+path, body, c.e.agentTok, headers...)
}

// request sends a request with extra headers (name, value, ...). It does
// not fail the test, so other goroutines may use it.
func (e *apiEnv) request(method, path string, body any, token string, headers ...string) (response, error) {
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			return response{}, err
		}
		rd = bytes.NewReader(raw)
	}
	req := httptest.NewRequestWithContext(e.ctx, method, path, rd)
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", "Bearer "+token)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := e.app.Test(req, 60_000)
	if err != nil {
		return response{}, err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	return response{Status: res.StatusCode, Body: raw}, err
}

func (e *apiEnv) callWith(method, path string, body any, token string, headers ...string) response {
	e.t.Helper()
	res, err := e.request(method, path, body, token, headers...)
	require.NoError(e.t, err)
	return res
}

type messageResp struct {
	ID        string `json:"id"`
	Direction string `json:"direction"`
	Type      string `json:"type"`
	Sender    string `json:"sender"`
	Status    string `json:"status"`
	Text      string `json:"text"`
	WAMID     string `json:"wamid"`
}

func TestConversations_Live(t *testing.T) {
	t.Parallel()
	in := startInbox(t)

	// The agent's message goes out after the bot's question, once, however
	// often the client retries it.
	t.Run("agent message is ordered and sent once", func(t *testing.T) {
		t.Parallel()
		c := in.customer(t, in.acc)
		c.says("hi")
		require.Equal(t, []string{"What is your name?"}, c.sent(1))

		key := "retry-" + uuid.NewString()
		first := c.post("/messages", map[string]any{"type": "text", "text": "Hello, a human here"}, "Idempotency-Key", key)
		require.Equal(t, http.StatusCreated, first.Status, "%s", first.Body)
		var m messageResp
		first.Decode(t, &m)
		require.Equal(t, "outbound", m.Direction)
		require.Equal(t, "agent:"+in.e.agent.ID.String(), m.Sender)
		require.Equal(t, "Hello, a human here", m.Text)
		require.NotEmpty(t, m.WAMID)

		var wg sync.WaitGroup
		ids := make([]string, 4)
		path := "/api/conversations/" + c.conversation().String() + "/messages"
		for i := range ids {
			wg.Go(func() {
				res, err := c.e.request(http.MethodPost, path, map[string]any{"type": "text", "text": "Hello, a human here"}, c.e.agentTok, "Idempotency-Key", key)
				var again messageResp
				_ = json.Unmarshal(res.Body, &again)
				ids[i] = strconv.Itoa(res.Status) + " " + again.ID + fmtErr(err)
			})
		}
		wg.Wait()
		for _, got := range ids {
			require.Equal(t, "201 "+m.ID, got, "a retry answers with the same message")
		}
		require.Equal(t, []string{"What is your name?", "Hello, a human here"}, c.sent(2))
		time.Sleep(200 * time.Millisecond)
		require.Len(t, c.sb.SentTo(c.waID), 2, "sent once")

		list := c.e.call(http.MethodGet, "/api/conversations/"+c.conversation().String()+"/messages", nil, c.e.agentTok)
		require.Equal(t, http.StatusOK, list.Status)
		var page struct {
			Data []messageResp `json:"data"`
		}
		list.Decode(t, &page)
		require.Len(t, page.Data, 3, "the customer's message, the bot's and the agent's")
		require.Equal(t, m.ID, page.Data[0].ID, "newest first")
		conv := c.e.call(http.MethodGet, "/api/conversations/"+c.conversation().String(), nil, c.e.agentTok).JSON(t)
		require.Equal(t, "Hello, a human here", conv["lastMessagePreview"])
	})

	t.Run("media, and templates once the window closed", func(t *testing.T) {
		t.Parallel()
		c := in.customer(t, in.acc)
		c.says("hi")
		c.sent(1)
		img := c.post("/messages", map[string]any{"type": "image", "media": map[string]any{"link": "https://example.com/receipt.png", "caption": "Your receipt"}})
		require.Equal(t, http.StatusCreated, img.Status, "%s", img.Body)

		_, err := in.pool.Exec(context.Background(), `UPDATE conversations SET last_inbound_at = now() - interval '25 hours' WHERE id = $1`, c.conversation())
		require.NoError(t, err)
		late := c.post("/messages", map[string]any{"type": "text", "text": "Still there?"})
		require.Equal(t, http.StatusUnprocessableEntity, late.Status, "%s", late.Body)
		require.Contains(t, late.ErrorField(t, "type"), "template")
		tpl := c.post("/messages", map[string]any{"type": "template", "template": map[string]any{
			"name": "order_update", "language": "en_US",
			"components": []any{map[string]any{"type": "body", "parameters": []any{map[string]any{"type": "text", "text": "4711"}}}},
		}})
		require.Equal(t, http.StatusCreated, tpl.Status, "%s", tpl.Body)
		require.Equal(t, []string{"What is your name?", "image:https://example.com/receipt.png", "template:order_update"}, c.sent(3))
	})

	// Meta refuses the send: the client learns why, the row says failed.
	t.Run("a refused send", func(t *testing.T) {
		t.Parallel()
		c := in.customer(t, in.bad)
		c.says("hi")
		c.sent(1)
		c.sb.FailNext(1, sandbox.FailWindowClosed)
		res := c.post("/messages", map[string]any{"type": "text", "text": "Too late"})
		require.Equal(t, http.StatusUnprocessableEntity, res.Status, "%s", res.Body)
		assertErrorShape(t, res, "window_closed")
		var status string
		require.NoError(t, in.pool.QueryRow(context.Background(),
			`SELECT status FROM messages WHERE conversation_id = $1 AND sender LIKE 'agent:%'`, c.conversation()).Scan(&status))
		require.Equal(t, "failed", status)
	})

	// Meta throttles: the client is answered 202 with the pending message
	// after the wait it asked for; the workflow keeps trying, and a retry
	// with the same key gets the message once it went, sent once.
	t.Run("a throttled send", func(t *testing.T) {
		t.Parallel()
		c := in.customer(t, in.slow)
		c.says("hi")
		c.sent(1)
		c.sb.FailFor(time.Hour, sandbox.FailThrottled)
		key := "slow-" + uuid.NewString()
		body := map[string]any{"type": "text", "text": "Sorry for the wait"}
		pending := c.post("/messages", body, "Idempotency-Key", key, "Prefer", "wait=1")
		require.Equal(t, http.StatusAccepted, pending.Status, "%s", pending.Body)
		var m messageResp
		pending.Decode(t, &m)
		require.Equal(t, "pending", m.Status)
		require.NotEmpty(t, m.ID)

		c.sb.ClearFailures()
		done := c.post("/messages", body, "Idempotency-Key", key)
		require.Equal(t, http.StatusCreated, done.Status, "%s", done.Body)
		var sent messageResp
		done.Decode(t, &sent)
		require.Equal(t, m.ID, sent.ID)
		require.Equal(t, "sent", sent.Status)
		require.Equal(t, []string{"What is your name?", "Sorry for the wait"}, c.sent(2))
		time.Sleep(200 * time.Millisecond)
		require.Len(t, c.sb.SentTo(c.waID), 2)
	})

	// While an agent has the conversation the bot is silent; released, it
	// takes the next answer where it stopped.
	t.Run("take over and release", func(t *testing.T) {
		t.Parallel()
		c := in.customer(t, in.acc)
		c.says("hi")
		c.sent(1)
		res := c.post("/takeover", nil)
		require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
		conv := res.JSON(t)
		require.Equal(t, "agent", conv["handoffState"])
		require.Equal(t, in.e.agent.ID.String(), conv["handoffUserId"])
		again := c.post("/takeover", nil)
		require.Equal(t, http.StatusConflict, again.Status)
		require.Contains(t, string(again.Body), "already taken over")

		in.waitHandled(t, c, c.says("Ana")) // to the agent, not the bot
		res = c.post("/release", nil)
		require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
		require.Equal(t, "bot", res.JSON(t)["handoffState"])
		require.Equal(t, http.StatusConflict, c.post("/release", nil).Status)

		c.says("Bob")
		require.Equal(t, []string{"What is your name?", "Thanks Bob"}, c.sent(2))
	})

	t.Run("skip, on both paths", func(t *testing.T) {
		t.Parallel()
		c := in.customer(t, in.acc)
		c.says("hi")
		c.sent(1)
		res := c.e.call(http.MethodPost, "/api/chatbots/conversations/"+c.conversation().String()+"/skip", nil, c.e.agentTok)
		require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
		got := c.sent(2)
		require.True(t, strings.HasPrefix(got[1], "Thanks"), "the bot went on past the question: %v", got)
		again := c.post("/skip", nil)
		require.Equal(t, http.StatusConflict, again.Status, "%s", again.Body)
		require.Contains(t, string(again.Body), "no session is running")
	})

	// A conversation whose workflow closed (idle) or never ran: take-over
	// and sends start it; release and skip have nothing to act on.
	t.Run("no workflow running", func(t *testing.T) {
		t.Parallel()
		e := in.e.forTest(t)
		conv := dbtest.Conversation(e.ctx, t, e.store, &dbtest.ConversationOpts{AccountID: in.acc.ID})
		path := "/api/conversations/" + conv.ID.String()
		require.Equal(t, http.StatusConflict, e.call(http.MethodPost, path+"/skip", nil, e.agentTok).Status)
		require.Equal(t, http.StatusConflict, e.call(http.MethodPost, path+"/release", nil, e.agentTok).Status)

		res := e.call(http.MethodPost, path+"/takeover", nil, e.agentTok)
		require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
		require.Equal(t, "agent", res.JSON(t)["handoffState"])
		res = e.call(http.MethodPost, path+"/release", nil, e.agentTok)
		require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
		require.Equal(t, "bot", res.JSON(t)["handoffState"])

		_, err := e.store.RecordConversationMessage(e.ctx, conv.ID, db.ConversationActivity{At: time.Now(), Preview: "hi", Inbound: true})
		require.NoError(t, err)
		body := map[string]any{"type": "text", "text": "We are back"}
		sent := e.callWith(http.MethodPost, path+"/messages", body, e.agentTok, "Idempotency-Key", "back-1")
		require.Equal(t, http.StatusCreated, sent.Status, "%s", sent.Body)

		// The same key after the run ended (a later run has no memory of
		// the update): the stored message answers, nothing is sent again.
		require.NoError(t, in.tc.TerminateWorkflow(e.ctx, conv.WorkflowID, "", "test: the run ends"))
		again := e.callWith(http.MethodPost, path+"/messages", body, e.agentTok, "Idempotency-Key", "back-1")
		require.Equal(t, http.StatusCreated, again.Status, "%s", again.Body)
		require.Equal(t, sent.JSON(t)["id"], again.JSON(t)["id"])
		contact, err := e.store.ConversationDetail(e.ctx, conv.ID)
		require.NoError(t, err)
		require.Len(t, in.sandboxes[in.acc.ID].SentTo(contact.ContactWAID), 1, "sent once across runs")

		// The row says agent, but no workflow has the conversation: release
		// puts the row right instead of refusing.
		stale := dbtest.Conversation(e.ctx, t, e.store, &dbtest.ConversationOpts{AccountID: in.acc.ID})
		require.NoError(t, e.store.SetHandoff(e.ctx, db.Handoff{ConversationID: stale.ID, By: e.agent.ID.String(), At: time.Now()}))
		res = e.call(http.MethodPost, "/api/conversations/"+stale.ID.String()+"/release", nil, e.agentTok)
		require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
		require.Equal(t, "bot", res.JSON(t)["handoffState"])
	})
}

// waitHandled waits until the conversation's workflow has taken the
// message: a workflow task completed after its signal. The workflow was
// idle, so that task's run of the main loop drained and handled it.
func (in *inbox) waitHandled(t *testing.T, c *inboxCustomer, wamid string) {
	t.Helper()
	wf := workflows.ConversationID(c.acc.PhoneNumberID, c.waID)
	require.Eventually(t, func() bool {
		it := in.tc.GetWorkflowHistory(context.Background(), wf, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
		signalled := false
		for it.HasNext() {
			ev, err := it.Next()
			if err != nil {
				return false
			}
			switch ev.GetEventType() {
			case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED:
				var m workflows.InboundMessage
				err := converter.GetDefaultDataConverter().FromPayloads(ev.GetWorkflowExecutionSignaledEventAttributes().GetInput(), &m)
				signalled = signalled || (err == nil && m.WAMID == wamid)
			case enumspb.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
				if signalled {
					return true
				}
			}
		}
		return false
	}, 20*time.Second, 50*time.Millisecond, "the workflow never handled %s", wamid)
}

func fmtErr(err error) string {
	if err == nil {
		return ""
	}
	return " " + err.Error()
}
