package db_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/wabuilder/wab/db"
	"github.com/wabuilder/wab/db/dbtest"
)

func TestSelectableTriggers(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := dbtest.Store(ctx, t)
	acct := dbtest.Account(ctx, t, s, nil).ID
	other := dbtest.Account(ctx, t, s, nil).ID
	low := dbtest.Trigger(ctx, t, s, &dbtest.TriggerOpts{AccountID: &acct, Priority: 1})
	def := dbtest.Trigger(ctx, t, s, &dbtest.TriggerOpts{Kind: db.TriggerDefault, Priority: 5})
	kw := dbtest.Trigger(ctx, t, s, &dbtest.TriggerOpts{AccountID: &acct, MatchType: db.MatchRegex, Pattern: "^a", Priority: 5})
	dbtest.Trigger(ctx, t, s, &dbtest.TriggerOpts{AccountID: &other, Priority: 9})
	dbtest.Trigger(ctx, t, s, &dbtest.TriggerOpts{AccountID: &acct, Priority: 9, Inactive: true})
	require.Equal(t, db.TriggerDefault, def.Kind)
	require.Empty(t, def.MatchType)

	got, err := s.SelectableTriggers(ctx, acct)
	require.NoError(t, err)
	ids := make([]uuid.UUID, len(got))
	for i, g := range got {
		ids[i] = g.ID
	}
	require.Equal(t, []uuid.UUID{kw.ID, def.ID, low.ID}, ids, "priority, then keyword before default")
	require.Equal(t, db.MatchRegex, got[0].MatchType)
	v, err := s.Chatbot(ctx, got[0].ChatbotID)
	require.NoError(t, err)
	require.Equal(t, *v.PublishedVersionID, got[0].VersionID)

	_, err = s.FallbackChatbot(ctx)
	require.ErrorIs(t, err, db.ErrNotFound)
}

func TestUpdateSessionProgress(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := dbtest.Store(ctx, t)
	sess := dbtest.Session(ctx, t, s, nil)

	got, updated, err := s.UpdateSessionProgress(ctx, db.SessionProgress{
		ID: sess.ID, Status: db.SessionWaitingInput, CurrentNodeID: "q", Variables: json.RawMessage(`{"a":1}`),
	})
	require.NoError(t, err)
	require.True(t, updated)
	require.Equal(t, db.SessionWaitingInput, got.Status)
	require.JSONEq(t, `{"a":1}`, string(got.Variables))

	got, _, err = s.UpdateSessionProgress(ctx, db.SessionProgress{ID: sess.ID, CurrentNodeID: "r"})
	require.NoError(t, err)
	require.Equal(t, db.SessionWaitingInput, got.Status, "empty status keeps the stored one")
	require.JSONEq(t, `{"a":1}`, string(got.Variables), "nil variables keep the stored ones")

	_, _, err = s.UpdateSessionProgress(ctx, db.SessionProgress{ID: sess.ID, Status: db.SessionCompleted})
	require.ErrorContains(t, err, "terminal")

	_, err = s.EndSession(ctx, db.SessionEnd{ID: sess.ID, Status: db.SessionCompleted, At: now()})
	require.NoError(t, err)
	_, updated, err = s.UpdateSessionProgress(ctx, db.SessionProgress{ID: sess.ID, Status: db.SessionRunning, CurrentNodeID: "x"})
	require.NoError(t, err)
	require.False(t, updated, "an ended session is not updated")

	ended, err := s.SupersedeActiveSessions(ctx, sess.ConversationID, uuid.New(), "superseded", now())
	require.NoError(t, err)
	require.Empty(t, ended, "only live sessions are superseded")
}

func TestOutboundMessageLifecycle(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := dbtest.Store(ctx, t)
	conv := dbtest.Conversation(ctx, t, s, nil)
	out := func(key string) db.Message {
		m, inserted, err := s.InsertMessage(ctx, db.NewMessage{
			AccountID: conv.AccountID, ConversationID: conv.ID, Direction: db.Outbound, IdempotencyKey: key, Type: "text",
		})
		require.NoError(t, err)
		require.True(t, inserted)
		return m
	}

	m := out("k/1")
	got, err := s.MessageByIdempotencyKey(ctx, conv.AccountID, "k/1")
	require.NoError(t, err)
	require.Equal(t, m.ID, got.ID)
	_, err = s.MessageByIdempotencyKey(ctx, conv.AccountID, "k/404")
	require.ErrorIs(t, err, db.ErrNotFound)

	sent, err := s.MarkMessageSent(ctx, m.ID, "wamid.1", now())
	require.NoError(t, err)
	require.Equal(t, db.StatusSent, sent.Status)
	_, advanced, err := s.AdvanceMessageStatus(ctx, db.StatusUpdate{AccountID: conv.AccountID, WAMID: "wamid.1", Status: db.StatusRead, At: now()})
	require.NoError(t, err)
	require.True(t, advanced)
	again, err := s.MarkMessageSent(ctx, m.ID, "wamid.1", now())
	require.NoError(t, err)
	require.Equal(t, db.StatusRead, again.Status, "never backwards")
	kept, err := s.MarkMessageFailed(ctx, m.ID, db.MessageError{Code: 1, Title: "x"}, now())
	require.NoError(t, err)
	require.Equal(t, db.StatusRead, kept.Status, "a message Meta accepted is not marked failed")

	f, err := s.MarkMessageFailed(ctx, out("k/2").ID, db.MessageError{Code: 131047, Title: "Re-engagement", Detail: "24h"}, now())
	require.NoError(t, err)
	require.Equal(t, db.StatusFailed, f.Status)
	require.Equal(t, &db.MessageError{Code: 131047, Title: "Re-engagement", Detail: "24h"}, f.Error)
}

func TestSetAccountHealth(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := dbtest.Store(ctx, t)
	a := dbtest.Account(ctx, t, s, nil)
	require.NoError(t, s.SetAccountHealth(ctx, a.ID, db.HealthUnhealthy, "token revoked"))
	got, err := s.Account(ctx, a.ID)
	require.NoError(t, err)
	require.Equal(t, db.HealthUnhealthy, got.Health)
	require.Equal(t, "token revoked", got.HealthReason)
	require.ErrorIs(t, s.SetAccountHealth(ctx, uuid.New(), db.HealthHealthy, ""), db.ErrNotFound)
}

func TestParseEvent(t *testing.T) {
	t.Parallel()
	id := uuid.New()
	e := db.Event{Type: db.EventSessionNode, ConversationID: id, SessionID: &id, Status: "running", Node: "n"}
	s := dbtest.Store(context.Background(), t)
	require.NoError(t, s.Notify(context.Background(), e)) // queued in a transaction that rolls back
	b, err := json.Marshal(e)
	require.NoError(t, err)
	got, err := db.ParseEvent(string(b))
	require.NoError(t, err)
	require.Equal(t, e, got)
}
