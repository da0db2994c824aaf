package db_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/wabuilder/wab/db"
	"github.com/wabuilder/wab/db/dbtest"
)

// outbound stores a sent outbound message with the given wamid.
func outbound(ctx context.Context, t *testing.T, s *db.Store, conv db.Conversation, wamid string) db.Message {
	t.Helper()
	m, inserted, err := s.InsertMessage(ctx, db.NewMessage{
		AccountID: conv.AccountID, ConversationID: conv.ID, Direction: db.Outbound,
		IdempotencyKey: conv.WorkflowID + "/" + wamid, WAMID: wamid, Type: "text",
		Payload: []byte(`{"body":"hi"}`), Status: db.StatusSent, Sender: "bot",
	})
	require.NoError(t, err)
	require.True(t, inserted)
	return m
}

func TestAdvanceMessageStatus_OnlyForward(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := dbtest.Store(ctx, t)
	conv := dbtest.Conversation(ctx, t, s, nil)
	m := outbound(ctx, t, s, conv, "wamid."+dbtest.Unique())
	require.Equal(t, db.StatusSent, m.Status)

	advance := func(st db.MessageStatus, e *db.MessageError) (db.Message, bool) {
		got, ok, err := s.AdvanceMessageStatus(ctx, db.StatusUpdate{
			AccountID: conv.AccountID, WAMID: m.WAMID, Status: st, Error: e, At: now(),
		})
		require.NoError(t, err)
		return got, ok
	}
	got, ok := advance(db.StatusRead, nil)
	require.True(t, ok)
	require.Equal(t, db.StatusRead, got.Status)
	require.NotNil(t, got.StatusUpdatedAt)

	// A late "delivered" (and a repeated "read") change nothing.
	_, ok = advance(db.StatusDelivered, nil)
	require.False(t, ok)
	_, ok = advance(db.StatusRead, nil)
	require.False(t, ok)

	// Failed ranks last and keeps Meta's error.
	got, ok = advance(db.StatusFailed, &db.MessageError{Code: 131047, Title: "Re-engagement message", Detail: "more than 24 hours"})
	require.True(t, ok)
	require.Equal(t, db.StatusFailed, got.Status)
	require.Equal(t, &db.MessageError{Code: 131047, Title: "Re-engagement message", Detail: "more than 24 hours"}, got.Error)

	// Unknown wamid, or the right wamid on another account: nothing to advance.
	_, ok, err := s.AdvanceMessageStatus(ctx, db.StatusUpdate{AccountID: conv.AccountID, WAMID: "wamid.unknown", Status: db.StatusRead, At: now()})
	require.NoError(t, err)
	require.False(t, ok)
	other := dbtest.Account(ctx, t, s, nil)
	_, ok, err = s.AdvanceMessageStatus(ctx, db.StatusUpdate{AccountID: other.ID, WAMID: m.WAMID, Status: db.StatusFailed, At: now()})
	require.NoError(t, err)
	require.False(t, ok)
}

func TestInsertMessage_WAMIDUniquePerAccount(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := dbtest.Store(ctx, t)
	convA := dbtest.Conversation(ctx, t, s, nil)
	convB := dbtest.Conversation(ctx, t, s, nil)
	wamid := "wamid." + dbtest.Unique()
	inbound := func(conv db.Conversation) (db.Message, bool) {
		m, inserted, err := s.InsertMessage(ctx, db.NewMessage{
			AccountID: conv.AccountID, ConversationID: conv.ID, Direction: db.Inbound, WAMID: wamid,
			Type: "text", Sender: "contact", WATimestamp: now(),
		})
		require.NoError(t, err)
		return m, inserted
	}

	m, inserted := inbound(convA)
	require.True(t, inserted)
	require.Equal(t, db.StatusReceived, m.Status)
	require.JSONEq(t, `{}`, string(m.Payload))
	require.NotNil(t, m.WATimestamp)

	_, inserted = inbound(convB) // same wamid, another number: a different message
	require.True(t, inserted)

	again, inserted := inbound(convA) // Meta redelivered the webhook
	require.False(t, inserted)
	require.Equal(t, db.Message{}, again)
}

func TestInsertMessage_IdempotencyKey(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := dbtest.Store(ctx, t)
	conv := dbtest.Conversation(ctx, t, s, nil)
	in := db.NewMessage{
		AccountID: conv.AccountID, ConversationID: conv.ID, Direction: db.Outbound,
		IdempotencyKey: conv.WorkflowID + "/7", Type: "text", Sender: "bot",
	}
	m, inserted, err := s.InsertMessage(ctx, in)
	require.NoError(t, err)
	require.True(t, inserted)
	require.Equal(t, db.StatusPending, m.Status, "written before the Graph API call")
	require.Empty(t, m.WAMID)

	_, inserted, err = s.InsertMessage(ctx, in) // the retried activity
	require.NoError(t, err)
	require.False(t, inserted)
}

func TestConversationMessages_NewestFirstPages(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := dbtest.Store(ctx, t)
	conv := dbtest.Conversation(ctx, t, s, nil)
	other := dbtest.Conversation(ctx, t, s, nil)
	outbound(ctx, t, s, other, "wamid."+dbtest.Unique()) // must not show up

	var want []db.Message
	for range 5 {
		want = append([]db.Message{outbound(ctx, t, s, conv, "wamid."+dbtest.Unique())}, want...)
	}
	var got []db.Message
	var pages int
	for cursor := (db.Cursor{}); ; pages++ {
		page, err := s.ConversationMessages(ctx, conv.ID, cursor, 2)
		require.NoError(t, err)
		got = append(got, page.Items...)
		if page.Next == nil {
			break
		}
		cursor = *page.Next
	}
	require.Equal(t, 2, pages, "pages of 2, 2 and 1")
	require.Len(t, got, 5)
	for i := range want {
		require.Equal(t, want[i].ID, got[i].ID, "position %d", i)
		require.WithinDuration(t, want[i].CreatedAt, got[i].CreatedAt, time.Microsecond)
	}

	empty, err := s.ConversationMessages(ctx, dbtest.Conversation(ctx, t, s, nil).ID, db.Cursor{}, 0)
	require.NoError(t, err)
	require.NotNil(t, empty.Items)
	require.Empty(t, empty.Items)
	require.Nil(t, empty.Next)
}
