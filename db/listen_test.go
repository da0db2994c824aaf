package db_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/wabuilder/wab/db"
	"github.com/wabuilder/wab/db/dbtest"
)

// listen runs db.Listen until the test ends and returns its payloads; the
// first one is the "" every connect produces.
func listen(t *testing.T, channel string) <-chan string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	got := make(chan string, 100)
	done := make(chan error, 1)
	go func() {
		done <- db.Listen(ctx, dbtest.Pool(t), channel, func(p string) {
			select {
			case got <- p:
			default: // never block the listener; the tests read only what they need
			}
		}, slog.New(slog.DiscardHandler))
	}()
	t.Cleanup(func() { cancel(); require.NoError(t, <-done) })
	select {
	case p := <-got:
		require.Empty(t, p, "a connect is announced with an empty payload")
	case <-time.After(10 * time.Second):
		t.Fatal("the listener did not connect")
	}
	return got
}

// An ingest commit wakes relays (IngestChannel) and announces each change
// on EventsChannel, with no message content.
func TestIngest_Notifies(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	events, wakes := listen(t, db.EventsChannel), listen(t, db.IngestChannel)
	s := db.New(dbtest.Pool(t), dbtest.Box(t))
	acc := dbtest.Account(ctx, t, s, nil)
	t.Cleanup(func() {
		_, err := dbtest.Pool(t).Exec(context.WithoutCancel(ctx), `DELETE FROM ingest_outbox WHERE account_id = $1`, acc.ID)
		require.NoError(t, err)
	})
	res, err := s.Ingest(ctx, db.IngestBatch{Messages: []db.IngestMessage{inbound(acc, dbtest.Unique(), "wamid.n1", "secret text")}})
	require.NoError(t, err)
	require.Len(t, res.Stored, 1)

	deadline := time.After(10 * time.Second)
	for {
		select {
		case p := <-events:
			e, err := db.ParseEvent(p)
			require.NoError(t, err)
			if e.MessageID == nil || *e.MessageID != res.Stored[0].ID {
				continue // another test's
			}
			require.Equal(t, db.EventMessageReceived, e.Type)
			require.Equal(t, res.Stored[0].ConversationID, e.ConversationID)
			require.NotContains(t, p, "secret text")
			select {
			case <-wakes:
				return
			case <-deadline:
				t.Fatal("no wake-up on " + db.IngestChannel)
			}
		case <-deadline:
			t.Fatal("no event for the stored message")
		}
	}
}
