package db_test

import (
	"context"
	"errors"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/require"

	"github.com/wabuilder/wab/db"
	"github.com/wabuilder/wab/db/dbtest"
)

func TestSessions_OneActivePerConversation(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := dbtest.Store(ctx, t)
	first := dbtest.Session(ctx, t, s, nil)
	require.Equal(t, db.SessionRunning, first.Status)
	require.Nil(t, first.EndedAt)
	version, err := s.ChatbotVersion(ctx, first.ChatbotVersionID)
	require.NoError(t, err)

	second := db.NewSession{
		ID: uuid.New(), ConversationID: first.ConversationID, ChatbotID: version.ChatbotID,
		ChatbotVersionID: version.ID, WorkflowID: first.WorkflowID,
	}
	// In a savepoint: the failed insert must not abort the test's transaction.
	err = s.InTx(ctx, func(tx *db.Store) error {
		_, _, err := tx.CreateSession(ctx, second)
		return err
	})
	require.ErrorIs(t, err, db.ErrConflict)
	var pgErr *pgconn.PgError
	require.True(t, errors.As(err, &pgErr))
	require.Equal(t, "23505", pgErr.Code)
	require.Equal(t, "sessions_one_active_key", pgErr.ConstraintName)

	ended, err := s.EndSession(ctx, db.SessionEnd{ID: first.ID, Status: db.SessionCompleted, Reason: "end node", At: now()})
	require.NoError(t, err)
	require.Equal(t, db.SessionCompleted, ended.Status)
	require.NotNil(t, ended.EndedAt)

	started, created, err := s.CreateSession(ctx, second)
	require.NoError(t, err)
	require.True(t, created)
	require.Equal(t, second.ID, started.ID)
}

func TestCreateSession_Idempotent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := dbtest.Store(ctx, t)
	first := dbtest.Session(ctx, t, s, nil)

	again, created, err := s.CreateSession(ctx, db.NewSession{
		ID: first.ID, ConversationID: first.ConversationID, ChatbotID: first.ChatbotID,
		ChatbotVersionID: first.ChatbotVersionID, WorkflowID: first.WorkflowID,
	})
	require.NoError(t, err)
	require.False(t, created)
	require.Equal(t, first, again)
}

func TestEndSession(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := dbtest.Store(ctx, t)
	sess := dbtest.Session(ctx, t, s, nil)

	_, err := s.EndSession(ctx, db.SessionEnd{ID: sess.ID, Status: db.SessionWaitingInput, At: now()})
	require.ErrorContains(t, err, "not a terminal status")

	at := now()
	ended, err := s.EndSession(ctx, db.SessionEnd{ID: sess.ID, Status: db.SessionExpired, Reason: "idle", At: at})
	require.NoError(t, err)
	require.Equal(t, at, ended.EndedAt.UTC())

	// A retried end keeps the first outcome.
	again, err := s.EndSession(ctx, db.SessionEnd{ID: sess.ID, Status: db.SessionFailed, Reason: "retry", At: now()})
	require.NoError(t, err)
	require.Equal(t, db.SessionExpired, again.Status)
	require.Equal(t, "idle", again.CompletionReason)
}

func TestInsertSessionEvent_Idempotent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tx := dbtest.Tx(ctx, t)
	s := db.New(tx, dbtest.Box(t))
	sess := dbtest.Session(ctx, t, s, nil)
	ev := db.SessionEvent{SessionID: sess.ID, Seq: 1, Kind: db.NodeEntered, NodeID: "start", NodeType: "start"}

	inserted, err := s.InsertSessionEvent(ctx, ev)
	require.NoError(t, err)
	require.True(t, inserted)
	inserted, err = s.InsertSessionEvent(ctx, ev)
	require.NoError(t, err)
	require.False(t, inserted)

	var n int
	require.NoError(t, tx.QueryRow(ctx, "SELECT count(*) FROM session_events WHERE session_id = $1", sess.ID).Scan(&n))
	require.Equal(t, 1, n)
}
