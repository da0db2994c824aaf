package db_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/wabuilder/wab/db"
	"github.com/wabuilder/wab/db/dbtest"
)

// eventsOn returns a store on a database of the test's own (NOTIFY needs
// commits) and a function that returns the next event announced there,
// without its time, which it checks is set.
func eventsOn(t *testing.T) (*db.Store, func() db.Event) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pool, err := pgxpool.New(ctx, dbtest.NewDatabase(ctx, t))
	require.NoError(t, err)
	require.NoError(t, db.Migrate(ctx, pool))
	got := make(chan string, 100)
	done := make(chan error, 1)
	go func() {
		done <- db.Listen(ctx, pool, db.EventsChannel, func(p string) { got <- p }, slog.New(slog.DiscardHandler))
	}()
	t.Cleanup(func() { cancel(); require.NoError(t, <-done); pool.Close() })
	require.Empty(t, <-got, "a connect is announced with an empty payload")
	return db.New(pool, dbtest.Box(t)), func() db.Event {
		t.Helper()
		select {
		case p := <-got:
			e, err := db.ParseEvent(p)
			require.NoError(t, err)
			require.NotZero(t, e.At, p)
			require.NotContains(t, p, "secret text", "events carry no message content")
			e.At = time.Time{}
			return e
		case <-time.After(10 * time.Second):
			t.Fatal("no event")
			return db.Event{}
		}
	}
}

// The webhook ingest announces each new message and the inbox row it
// moved, and each status that moved forward, in its transaction.
func TestIngest_AnnouncesMessagesAndStatuses(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, next := eventsOn(t)
	acc := dbtest.Account(ctx, t, s, nil)
	m := inbound(acc, dbtest.Unique(), "wamid.ev1", "secret text")
	res, err := s.Ingest(ctx, db.IngestBatch{Messages: []db.IngestMessage{m}})
	require.NoError(t, err)
	require.Len(t, res.Stored, 1)
	conv := res.Stored[0].ConversationID
	require.Equal(t, db.Event{Type: db.EventMessageReceived, ConversationID: conv, MessageID: &m.ID, WAMID: "wamid.ev1"}, next())
	require.Equal(t, db.Event{Type: db.EventConversationUpdated, ConversationID: conv}, next())

	// A redelivery stores nothing and announces nothing: the next event is
	// the status below.
	_, err = s.Ingest(ctx, db.IngestBatch{Messages: []db.IngestMessage{fresh(m)}})
	require.NoError(t, err)

	out, _, err := s.InsertMessage(ctx, db.NewMessage{
		AccountID: acc.ID, ConversationID: conv, Direction: db.Outbound, IdempotencyKey: "k-" + dbtest.Unique(),
		Type: "text", Payload: []byte(`{}`),
	})
	require.NoError(t, err)
	_, err = s.MarkMessageSent(ctx, out.ID, "wamid.out1", now())
	require.NoError(t, err)
	_, err = s.Ingest(ctx, db.IngestBatch{Statuses: []db.StatusUpdate{
		{AccountID: acc.ID, WAMID: "wamid.out1", Status: db.StatusDelivered, At: now()},
		{AccountID: acc.ID, WAMID: "wamid.unknown", Status: db.StatusRead, At: now()},
	}})
	require.NoError(t, err)
	require.Equal(t, db.Event{Type: db.EventMessageStatus, ConversationID: conv, MessageID: &out.ID, Status: "delivered"}, next())

	// A status naming a pending send by its callback data announces it sent,
	// as the send itself would have.
	lost, _, err := s.InsertMessage(ctx, db.NewMessage{
		AccountID: acc.ID, ConversationID: conv, Direction: db.Outbound, IdempotencyKey: "k-lost-" + dbtest.Unique(),
		Type: "text", Payload: []byte(`{}`),
	})
	require.NoError(t, err)
	_, err = s.Ingest(ctx, db.IngestBatch{Statuses: []db.StatusUpdate{
		{AccountID: acc.ID, WAMID: "wamid.lost", Status: db.StatusSent, At: now(), CallbackData: lost.IdempotencyKey},
	}})
	require.NoError(t, err)
	require.Equal(t, db.Event{Type: db.EventMessageSent, ConversationID: conv, MessageID: &lost.ID, Status: "sent", WAMID: "wamid.lost"}, next())

	// A stale status moves nothing and announces nothing.
	_, err = s.Ingest(ctx, db.IngestBatch{Statuses: []db.StatusUpdate{{AccountID: acc.ID, WAMID: "wamid.out1", Status: db.StatusSent, At: now()}}})
	require.NoError(t, err)
	_, err = s.RecordConversationMessage(ctx, conv, db.ConversationActivity{At: now(), Preview: "hi"})
	require.NoError(t, err)
	require.Equal(t, db.Event{Type: db.EventConversationUpdated, ConversationID: conv}, next())
}

// A handoff is announced as handoff.changed and conversation.updated; a
// failed one announces nothing.
func TestSetHandoff_Announces(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, next := eventsOn(t)
	conv := dbtest.Conversation(ctx, t, s, nil)
	agent := dbtest.User(ctx, t, s, nil)

	require.ErrorIs(t, s.SetHandoff(ctx, db.Handoff{ConversationID: uuid.New(), By: agent.ID.String(), At: now()}), db.ErrNotFound)
	require.NoError(t, s.SetHandoff(ctx, db.Handoff{ConversationID: conv.ID, By: agent.ID.String(), At: now()}))
	require.Equal(t, db.Event{Type: db.EventHandoffChanged, ConversationID: conv.ID, Status: "agent", UserID: &agent.ID}, next())
	require.Equal(t, db.Event{Type: db.EventConversationUpdated, ConversationID: conv.ID}, next())

	require.NoError(t, s.SetHandoff(ctx, db.Handoff{ConversationID: conv.ID}))
	require.Equal(t, db.Event{Type: db.EventHandoffChanged, ConversationID: conv.ID, Status: "bot"}, next())
	require.Equal(t, db.Event{Type: db.EventConversationUpdated, ConversationID: conv.ID}, next())
}
