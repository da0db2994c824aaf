package db_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/wabuilder/wab/db"
	"github.com/wabuilder/wab/db/dbtest"
)

// sessionAt starts a session of version v in a new conversation of the
// contact, started at the given time.
func sessionAt(ctx context.Context, t *testing.T, s *db.Store, contact db.Contact, v db.ChatbotVersion, at time.Time) db.Session {
	t.Helper()
	conv := dbtest.Conversation(ctx, t, s, &dbtest.ConversationOpts{AccountID: contact.AccountID, ContactID: contact.ID})
	// Conversations are one per contact: end the live session first.
	if live, err := s.LatestConversationSession(ctx, conv.ID); err == nil && live.EndedAt == nil {
		_, err := s.EndSession(ctx, db.SessionEnd{ID: live.ID, Status: db.SessionCompleted, At: at})
		require.NoError(t, err)
	}
	sess, _, err := s.CreateSession(ctx, db.NewSession{
		ID: uuid.New(), ConversationID: conv.ID, ChatbotID: v.ChatbotID, ChatbotVersionID: v.ID,
		WorkflowID: conv.WorkflowID, StartedAt: at,
	})
	require.NoError(t, err)
	return sess
}

func ids(items []db.SessionSummary) []uuid.UUID {
	out := make([]uuid.UUID, len(items))
	for i, it := range items {
		out[i] = it.ID
	}
	return out
}

func TestSessions_FiltersAndPages(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := dbtest.Store(ctx, t)
	acct := dbtest.Account(ctx, t, s, nil)
	ayse := dbtest.Contact(ctx, t, s, &dbtest.ContactOpts{AccountID: acct.ID, ProfileName: "Ayşe Yılmaz", WAID: "905551112233"})
	bob := dbtest.Contact(ctx, t, s, &dbtest.ContactOpts{AccountID: acct.ID, ProfileName: "Bob", WAID: "14155550100"})
	botA := dbtest.ChatbotVersion(ctx, t, s, nil)
	botB := dbtest.ChatbotVersion(ctx, t, s, nil)
	t0 := now().Add(-time.Hour)

	// Oldest first: a1 (ayse, A), b1 (bob, B), a2 (ayse, B), b2 (bob, A, live).
	a1 := sessionAt(ctx, t, s, ayse, botA, t0.Add(1*time.Minute))
	b1 := sessionAt(ctx, t, s, bob, botB, t0.Add(2*time.Minute))
	a2 := sessionAt(ctx, t, s, ayse, botB, t0.Add(3*time.Minute))
	b2 := sessionAt(ctx, t, s, bob, botA, t0.Add(4*time.Minute))
	_, err := s.EndSession(ctx, db.SessionEnd{ID: a2.ID, Status: db.SessionStopped, Reason: "operator_stopped", At: t0.Add(5 * time.Minute)})
	require.NoError(t, err)

	list := func(q db.SessionQuery) []uuid.UUID {
		t.Helper()
		q.AccountID = &acct.ID // other tests' sessions stay out of the way
		p, err := s.Sessions(ctx, q)
		require.NoError(t, err)
		return ids(p.Items)
	}
	require.Equal(t, []uuid.UUID{b2.ID, a2.ID, b1.ID, a1.ID}, list(db.SessionQuery{}), "newest first")
	require.Equal(t, []uuid.UUID{b2.ID, a1.ID}, list(db.SessionQuery{ChatbotID: &botA.ChatbotID}))
	// a1 and b1 were completed when their contact's next session started.
	require.Equal(t, []uuid.UUID{b1.ID, a1.ID}, list(db.SessionQuery{Status: db.SessionCompleted}))
	require.Equal(t, []uuid.UUID{b2.ID}, list(db.SessionQuery{Status: db.SessionRunning}))
	require.Equal(t, []uuid.UUID{a2.ID}, list(db.SessionQuery{Status: db.SessionStopped}))
	require.Equal(t, []uuid.UUID{a2.ID}, list(db.SessionQuery{Status: db.SessionStopped, ChatbotID: &botB.ChatbotID}))
	require.Empty(t, list(db.SessionQuery{Status: db.SessionStopped, ChatbotID: &botA.ChatbotID}))
	require.Equal(t, []uuid.UUID{a2.ID, a1.ID}, list(db.SessionQuery{Search: "ayş"}), "names, case-insensitively")
	require.Equal(t, []uuid.UUID{b2.ID, b1.ID}, list(db.SessionQuery{Search: "+1 415 555"}), "phone numbers by their digits")
	require.Empty(t, list(db.SessionQuery{Search: "%"}), "wildcards are literal")
	require.Equal(t, []uuid.UUID{a2.ID, b1.ID}, list(db.SessionQuery{Since: t0.Add(2 * time.Minute), Until: t0.Add(4 * time.Minute)}),
		"since is inclusive, until exclusive")
	notTest := false
	require.Len(t, list(db.SessionQuery{IsTest: &notTest}), 4)
	isTest := true
	require.Empty(t, list(db.SessionQuery{IsTest: &isTest}))
	other := uuid.New()
	p, err := s.Sessions(ctx, db.SessionQuery{AccountID: &other})
	require.NoError(t, err)
	require.Empty(t, p.Items)

	// Pages of two, then the rest; a session started meanwhile changes nothing.
	first, err := s.Sessions(ctx, db.SessionQuery{AccountID: &acct.ID, Limit: 2})
	require.NoError(t, err)
	require.Equal(t, []uuid.UUID{b2.ID, a2.ID}, ids(first.Items))
	require.NotNil(t, first.Next)
	sessionAt(ctx, t, s, dbtest.Contact(ctx, t, s, &dbtest.ContactOpts{AccountID: acct.ID}), botA, now())
	cur, err := db.ParseCursor(first.Next.String())
	require.NoError(t, err)
	second, err := s.Sessions(ctx, db.SessionQuery{AccountID: &acct.ID, Limit: 2, After: cur})
	require.NoError(t, err)
	require.Equal(t, []uuid.UUID{b1.ID, a1.ID}, ids(second.Items))
	require.Nil(t, second.Next)
	// Until and a cursor together: the tighter bound wins.
	third, err := s.Sessions(ctx, db.SessionQuery{AccountID: &acct.ID, After: cur, Until: t0.Add(2 * time.Minute)})
	require.NoError(t, err)
	require.Equal(t, []uuid.UUID{a1.ID}, ids(third.Items))

	sum, err := s.SessionSummary(ctx, a2.ID)
	require.NoError(t, err)
	require.Equal(t, "Ayşe Yılmaz", sum.CustomerName)
	require.Equal(t, "905551112233", sum.CustomerPhone)
	require.Equal(t, acct.ID, sum.AccountID)
	require.Equal(t, 1, sum.ChatbotVersion)
	require.Equal(t, db.SessionStopped, sum.Status)
	require.Equal(t, "operator_stopped", sum.CompletionReason)
	_, err = s.SessionSummary(ctx, uuid.New())
	require.ErrorIs(t, err, db.ErrNotFound)
}

// A session's messages are the ones it sent and the unattributed ones from
// the end of the previous session to its own end.
func TestSessionMessages_Window(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := dbtest.Store(ctx, t)
	conv := dbtest.Conversation(ctx, t, s, nil)
	v := dbtest.ChatbotVersion(ctx, t, s, nil)
	msg := func(dir db.Direction, session *uuid.UUID, text string) db.Message {
		t.Helper()
		time.Sleep(2 * time.Millisecond) // distinct, ordered created_at
		in := db.NewMessage{
			AccountID: conv.AccountID, ConversationID: conv.ID, SessionID: session, Direction: dir, Type: "text",
			Payload: json.RawMessage(`{"text":"` + text + `"}`), IdempotencyKey: text,
		}
		if dir == db.Inbound {
			in.WAMID, in.IdempotencyKey = "wamid."+text, ""
		}
		m, _, err := s.InsertMessage(ctx, in)
		require.NoError(t, err)
		return m
	}
	start := func() db.Session {
		t.Helper()
		time.Sleep(2 * time.Millisecond)
		sess, _, err := s.CreateSession(ctx, db.NewSession{
			ID: uuid.New(), ConversationID: conv.ID, ChatbotID: v.ChatbotID, ChatbotVersionID: v.ID,
			WorkflowID: conv.WorkflowID, StartedAt: time.Now(),
		})
		require.NoError(t, err)
		return sess
	}
	hello := msg(db.Inbound, nil, "hello")
	s1 := start()
	welcome := msg(db.Outbound, &s1.ID, "welcome")
	answer := msg(db.Inbound, nil, "answer")
	time.Sleep(2 * time.Millisecond)
	s1, err := s.EndSession(ctx, db.SessionEnd{ID: s1.ID, Status: db.SessionCompleted, At: time.Now()})
	require.NoError(t, err)
	again := msg(db.Inbound, nil, "again")
	s2 := start()
	menu := msg(db.Outbound, &s2.ID, "menu")

	got, err := s.SessionMessages(ctx, s1, 100)
	require.NoError(t, err)
	require.Equal(t, []uuid.UUID{hello.ID, welcome.ID, answer.ID}, msgIDs(got))
	got, err = s.SessionMessages(ctx, s2, 100)
	require.NoError(t, err)
	require.Equal(t, []uuid.UUID{again.ID, menu.ID}, msgIDs(got), "a live session's window is open-ended")
	got, err = s.SessionMessages(ctx, s1, 2)
	require.NoError(t, err)
	require.Equal(t, []uuid.UUID{hello.ID, welcome.ID}, msgIDs(got), "the first ones, up to the limit")
}

func msgIDs(ms []db.Message) []uuid.UUID {
	out := make([]uuid.UUID, len(ms))
	for i, m := range ms {
		out[i] = m.ID
	}
	return out
}

func TestSessionEvents_AndDeleteEnded(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := dbtest.Store(ctx, t)
	conv := dbtest.Conversation(ctx, t, s, nil)
	sess := dbtest.Session(ctx, t, s, &dbtest.SessionOpts{ConversationID: conv.ID})
	at := now()
	for i, e := range []struct {
		kind db.SessionEventKind
		node string
	}{{db.NodeEntered, "start"}, {db.NodeLeft, "start"}, {db.NodeEntered, "menu"}} {
		_, err := s.InsertSessionEvent(ctx, db.SessionEvent{
			SessionID: sess.ID, Seq: i + 1, Kind: e.kind, NodeID: e.node, NodeType: "message", OccurredAt: at.Add(time.Duration(i) * time.Second),
		})
		require.NoError(t, err)
	}
	events, err := s.SessionEvents(ctx, sess.ID, 10)
	require.NoError(t, err)
	require.Len(t, events, 3)
	require.Equal(t, []int{1, 2, 3}, []int{events[0].Seq, events[1].Seq, events[2].Seq})
	require.Equal(t, "menu", events[2].NodeID)
	require.Equal(t, at.Add(2*time.Second), events[2].OccurredAt.UTC())
	events, err = s.SessionEvents(ctx, sess.ID, 2)
	require.NoError(t, err)
	require.Len(t, events, 2)

	out, _, err := s.InsertMessage(ctx, db.NewMessage{
		AccountID: conv.AccountID, ConversationID: sess.ConversationID,
		SessionID: &sess.ID, Direction: db.Outbound, Type: "text", IdempotencyKey: "k1",
	})
	require.NoError(t, err)

	require.ErrorIs(t, s.DeleteEndedSession(ctx, sess.ID), db.ErrSessionLive)
	_, err = s.EndSession(ctx, db.SessionEnd{ID: sess.ID, Status: db.SessionCompleted, At: now()})
	require.NoError(t, err)
	require.NoError(t, s.DeleteEndedSession(ctx, sess.ID))
	_, err = s.Session(ctx, sess.ID)
	require.ErrorIs(t, err, db.ErrNotFound)
	events, err = s.SessionEvents(ctx, sess.ID, 10)
	require.NoError(t, err)
	require.Empty(t, events, "events go with their session")
	page, err := s.ConversationMessages(ctx, sess.ConversationID, db.Cursor{}, 10)
	require.NoError(t, err)
	require.Len(t, page.Items, 1, "messages stay")
	require.Equal(t, out.ID, page.Items[0].ID)
	require.Nil(t, page.Items[0].SessionID)
	require.ErrorIs(t, s.DeleteEndedSession(ctx, sess.ID), db.ErrNotFound)
}
