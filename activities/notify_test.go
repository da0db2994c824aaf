package activities_test

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/wabuilder/wab/activities"
	"github.com/wabuilder/wab/activities/whatsapp"
	"github.com/wabuilder/wab/activities/whatsapp/sandbox"
	"github.com/wabuilder/wab/db"
	"github.com/wabuilder/wab/db/dbtest"
)

// NOTIFY is delivered on commit, so this test needs committed data: it runs
// on a database of its own rather than in a rolled-back transaction.
func TestNotifications(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := dbtest.NewDatabase(ctx, t)
	pool, err := pgxpool.New(ctx, url)
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	require.NoError(t, db.Migrate(ctx, pool))
	store := db.New(pool, dbtest.Box(t))

	listener, err := pgx.Connect(ctx, url)
	require.NoError(t, err)
	t.Cleanup(func() { _ = listener.Close(context.WithoutCancel(ctx)) })
	_, err = listener.Exec(ctx, "LISTEN "+db.EventsChannel)
	require.NoError(t, err)
	// next returns the next event, without its time (checked to be set).
	next := func() db.Event {
		t.Helper()
		wait, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		n, err := listener.WaitForNotification(wait)
		require.NoError(t, err)
		require.Equal(t, "wab_events", n.Channel)
		ev, err := db.ParseEvent(n.Payload)
		require.NoError(t, err)
		require.NotZero(t, ev.At, n.Payload)
		ev.At = time.Time{}
		return ev
	}

	sb := sandbox.New(sandbox.Options{})
	srv := httptest.NewServer(sb)
	t.Cleanup(func() { srv.Close(); sb.Close() })
	acct := dbtest.Account(ctx, t, store, &dbtest.AccountOpts{APIBaseURL: srv.URL})
	contact := dbtest.Contact(ctx, t, store, &dbtest.ContactOpts{AccountID: acct.ID})
	conv := dbtest.Conversation(ctx, t, store, &dbtest.ConversationOpts{AccountID: acct.ID, ContactID: contact.ID})
	version := dbtest.ChatbotVersion(ctx, t, store, nil)
	acts := activities.New(store, whatsapp.NewClient(srv.Client()), activities.Config{})

	sessID := uuid.New()
	start := activities.StartSessionInput{
		SessionID: sessID, ConversationID: conv.ID, ChatbotID: version.ChatbotID, VersionID: version.ID,
		WorkflowID: conv.WorkflowID, StartedAt: time.Now(),
	}
	_, err = execute(t, acts, acts.StartSession, start)
	require.NoError(t, err)
	require.Equal(t, db.Event{
		Type: db.EventSessionStarted, SessionID: &sessID, ChatbotID: &version.ChatbotID, ConversationID: conv.ID,
		Status: "running",
	}, next())

	in := turn(sessID)
	_, err = execute(t, acts, acts.RecordTurn, in)
	require.NoError(t, err)
	require.Equal(t, db.Event{
		Type: db.EventSessionNode, SessionID: &sessID, ChatbotID: &version.ChatbotID, ConversationID: conv.ID,
		Status: "waiting_input", Node: "question-1",
	}, next())

	in.EndStatus, in.CurrentNode = "completed", "end-1"
	_, err = execute(t, acts, acts.RecordTurn, in)
	require.NoError(t, err)
	ev := next()
	require.Equal(t, db.EventSessionCompleted, ev.Type)
	require.Equal(t, "completed", ev.Status)
	require.Equal(t, "end-1", ev.Node)

	sent, err := execute(t, acts, acts.SendMessages, activities.SendMessagesInput{
		AccountID: acct.ID, ConversationID: conv.ID, SessionID: &sessID, To: contact.WAID,
		KeyPrefix: "conv/test/notify", FirstSeq: 1,
		Messages: []activities.Outbound{{Kind: activities.OutboundText, NodeID: "m1", Text: "Bye!"}},
	})
	require.NoError(t, err)
	require.Equal(t, db.Event{Type: db.EventConversationUpdated, ConversationID: conv.ID}, next())
	require.Equal(t, db.Event{
		Type: db.EventMessageSent, ConversationID: conv.ID, SessionID: &sessID, Status: "sent",
		MessageID: &sent.Sent[0].MessageID, WAMID: sent.Sent[0].WAMID,
	}, next())

	// A retried start finds its session and announces nothing; the next
	// event is the handoff's.
	_, err = execute(t, acts, acts.StartSession, start)
	require.NoError(t, err)
	agent := dbtest.User(ctx, t, store, nil)
	require.NoError(t, acts.SetHandoff(ctx, activities.SetHandoffInput{ConversationID: conv.ID, By: agent.ID.String(), At: time.Now()}))
	require.Equal(t, db.Event{Type: db.EventHandoffChanged, ConversationID: conv.ID, Status: "agent", UserID: &agent.ID}, next())
	require.Equal(t, db.Event{Type: db.EventConversationUpdated, ConversationID: conv.ID}, next())
}
