package activities_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/wabuilder/wab/activities"
	"github.com/wabuilder/wab/db"
	"github.com/wabuilder/wab/db/dbtest"
)

// at is a fixed instant at Postgres' precision, as workflow.Now would give.
var at = time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)

func startInput(conv uuid.UUID, v db.ChatbotVersion) activities.StartSessionInput {
	return activities.StartSessionInput{
		SessionID: uuid.New(), ConversationID: conv, ChatbotID: v.ChatbotID, VersionID: v.ID,
		WorkflowID: "conv/test/" + dbtest.Unique(), Variables: map[string]any{"name": "Ana"}, StartedAt: at,
	}
}

func TestStartSession_Idempotent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := dbtest.Store(ctx, t)
	acts := activities.New(store, nil, activities.Config{})
	in := startInput(dbtest.Conversation(ctx, t, store, nil).ID, dbtest.ChatbotVersion(ctx, t, store, nil))

	res, err := execute(t, acts, acts.StartSession, in)
	require.NoError(t, err)
	require.True(t, res.Created)
	res, err = execute(t, acts, acts.StartSession, in)
	require.NoError(t, err)
	require.False(t, res.Created, "a retried start finds its row")

	s, err := store.Session(ctx, in.SessionID)
	require.NoError(t, err)
	require.Equal(t, db.SessionRunning, s.Status)
	require.Equal(t, in.WorkflowID, s.WorkflowID)
	require.Equal(t, at, s.StartedAt.UTC())
	require.JSONEq(t, `{"name":"Ana"}`, string(s.Variables))
}

func TestStartSession_SupersedesLeftoverSession(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := dbtest.Store(ctx, t)
	acts := activities.New(store, nil, activities.Config{})
	v := dbtest.ChatbotVersion(ctx, t, store, nil)
	old := dbtest.Session(ctx, t, store, &dbtest.SessionOpts{Version: &v}) // a crashed run's live session
	in := startInput(old.ConversationID, v)

	res, err := execute(t, acts, acts.StartSession, in)
	require.NoError(t, err)
	require.True(t, res.Created)

	old, err = store.Session(ctx, old.ID)
	require.NoError(t, err)
	require.Equal(t, db.SessionStopped, old.Status)
	require.Equal(t, activities.ReasonSuperseded, old.CompletionReason)
	require.Equal(t, at, old.EndedAt.UTC())
	s, err := store.Session(ctx, in.SessionID)
	require.NoError(t, err)
	require.Nil(t, s.EndedAt)

	res, err = execute(t, acts, acts.StartSession, in)
	require.NoError(t, err)
	require.False(t, res.Created)
	s, err = store.Session(ctx, in.SessionID)
	require.NoError(t, err)
	require.Nil(t, s.EndedAt, "a retry does not supersede the session it started")
}

func turn(sessionID uuid.UUID) activities.RecordTurnInput {
	return activities.RecordTurnInput{
		SessionID: sessionID, Status: string(db.SessionWaitingInput), CurrentNode: "question-1",
		Variables: map[string]any{"question_1": map[string]any{"response": "yes"}},
		Events: []activities.SessionEvent{
			{Seq: 1, Kind: activities.EventNodeEntered, NodeID: "start-1", NodeType: "start", At: at},
			{Seq: 2, Kind: activities.EventNodeLeft, NodeID: "start-1", NodeType: "start", At: at},
			{Seq: 3, Kind: activities.EventNodeEntered, NodeID: "question-1", NodeType: "question", At: at, Detail: map[string]any{"page": 1}},
		},
		At: at,
	}
}

func TestRecordTurn_ReplayChangesNothingTwice(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store, tx := txStore(ctx, t)
	acts := activities.New(store, nil, activities.Config{})
	sess := dbtest.Session(ctx, t, store, nil)
	in := turn(sess.ID)

	for range 2 {
		_, err := execute(t, acts, acts.RecordTurn, in)
		require.NoError(t, err)
	}
	var events int
	var detail json.RawMessage
	require.NoError(t, tx.QueryRow(ctx,
		"SELECT count(*), (SELECT detail FROM session_events WHERE session_id = $1 AND seq = 3) FROM session_events WHERE session_id = $1",
		sess.ID).Scan(&events, &detail))
	require.Equal(t, 3, events)
	require.JSONEq(t, `{"page":1}`, string(detail))

	s, err := store.Session(ctx, sess.ID)
	require.NoError(t, err)
	require.Equal(t, db.SessionWaitingInput, s.Status)
	require.Equal(t, "question-1", s.CurrentNodeID)
	require.JSONEq(t, `{"question_1":{"response":"yes"}}`, string(s.Variables))
	require.Nil(t, s.EndedAt)
}

func TestRecordTurn_EndsOnceAndNeverReopens(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := dbtest.Store(ctx, t)
	acts := activities.New(store, nil, activities.Config{})
	sess := dbtest.Session(ctx, t, store, nil)

	end := turn(sess.ID)
	end.Status, end.CurrentNode, end.EndStatus, end.EndReason = "completed", "end-1", "completed", "end node"
	for range 2 {
		_, err := execute(t, acts, acts.RecordTurn, end)
		require.NoError(t, err)
	}
	s, err := store.Session(ctx, sess.ID)
	require.NoError(t, err)
	require.Equal(t, db.SessionCompleted, s.Status)
	require.Equal(t, "end node", s.CompletionReason)
	require.Equal(t, "end-1", s.CurrentNodeID)
	require.Equal(t, at, s.EndedAt.UTC())

	late := turn(sess.ID) // e.g. a delayed retry of an earlier turn
	late.Status, late.CurrentNode = "running", "message-9"
	late.Events = []activities.SessionEvent{{Seq: 4, Kind: activities.EventNodeEntered, NodeID: "message-9", At: at}}
	_, err = execute(t, acts, acts.RecordTurn, late)
	require.NoError(t, err)
	after, err := store.Session(ctx, sess.ID)
	require.NoError(t, err)
	require.Equal(t, s, after, "an ended session is never reopened or moved")
}

func TestRecordTurn_TerminalStatusEndsTheSession(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := dbtest.Store(ctx, t)
	acts := activities.New(store, nil, activities.Config{})
	sess := dbtest.Session(ctx, t, store, nil)

	in := activities.RecordTurnInput{SessionID: sess.ID, Status: "failed", CurrentNode: "rest-1", EndReason: "boom", At: at}
	_, err := execute(t, acts, acts.RecordTurn, in)
	require.NoError(t, err)
	s, err := store.Session(ctx, sess.ID)
	require.NoError(t, err)
	require.Equal(t, db.SessionFailed, s.Status)
	require.NotNil(t, s.EndedAt)
	require.JSONEq(t, string(sess.Variables), string(s.Variables), "nil Variables keep the stored ones")
}

func TestRecordTurn_RejectsBadInputForGood(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := dbtest.Store(ctx, t)
	acts := activities.New(store, nil, activities.Config{})
	sess := dbtest.Session(ctx, t, store, nil)

	for name, tc := range map[string]struct {
		in       activities.RecordTurnInput
		wantType string
	}{
		"unknown status":     {activities.RecordTurnInput{SessionID: sess.ID, Status: "paused"}, activities.ErrTypeInvalidInput},
		"live end status":    {activities.RecordTurnInput{SessionID: sess.ID, EndStatus: "running"}, activities.ErrTypeInvalidInput},
		"unknown event kind": {activities.RecordTurnInput{SessionID: sess.ID, Events: []activities.SessionEvent{{Seq: 1, Kind: "node_skipped"}}}, activities.ErrTypeInvalidInput},
		"missing session":    {activities.RecordTurnInput{SessionID: uuid.New(), Status: "running", Events: turn(uuid.Nil).Events}, activities.ErrTypeNotFound},
		"missing, no events": {activities.RecordTurnInput{SessionID: uuid.New(), Status: "running"}, activities.ErrTypeNotFound},
		"negative event seq": {activities.RecordTurnInput{SessionID: sess.ID, Events: []activities.SessionEvent{{Seq: -1, Kind: activities.EventNodeLeft}}}, activities.ErrTypeInvalidInput},
	} {
		_, err := execute(t, acts, acts.RecordTurn, tc.in)
		appErr := appError(t, err)
		require.True(t, appErr.NonRetryable(), name)
		require.Equal(t, tc.wantType, appErr.Type(), name)
	}
}
