package db_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/wabuilder/wab/db"
	"github.com/wabuilder/wab/db/dbtest"
)

func TestUpsertContact_KeepsKnownFields(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := dbtest.Store(ctx, t)
	c := dbtest.Contact(ctx, t, s, &dbtest.ContactOpts{ProfileName: "Ana", BSUID: "US.bsuid." + dbtest.Unique()})

	// A later webhook without the profile name or bsuid.
	again, err := s.UpsertContact(ctx, db.ContactInput{AccountID: c.AccountID, WAID: c.WAID})
	require.NoError(t, err)
	require.Equal(t, c.ID, again.ID)
	require.Equal(t, "Ana", again.ProfileName)
	require.Equal(t, c.BSUID, again.BSUID)

	renamed, err := s.UpsertContact(ctx, db.ContactInput{AccountID: c.AccountID, WAID: c.WAID, ProfileName: "Ana Maria"})
	require.NoError(t, err)
	require.Equal(t, "Ana Maria", renamed.ProfileName)
}

func TestUpsertConversation_ReturnsExisting(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := dbtest.Store(ctx, t)
	first := dbtest.Conversation(ctx, t, s, nil)
	require.Equal(t, db.HandoffBot, first.HandoffState)

	again, err := s.UpsertConversation(ctx, db.ConversationInput{
		AccountID: first.AccountID, ContactID: first.ContactID, WorkflowID: first.WorkflowID,
	})
	require.NoError(t, err)
	require.Equal(t, first, again)
}

func TestRecordConversationMessage(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := dbtest.Store(ctx, t)
	conv := dbtest.Conversation(ctx, t, s, nil)
	at := conv.LastMessageAt.Add(time.Minute)

	c, err := s.RecordConversationMessage(ctx, conv.ID, db.ConversationActivity{At: at, Preview: "hello", Inbound: true})
	require.NoError(t, err)
	require.Equal(t, "hello", c.LastMessagePreview)
	require.WithinDuration(t, at, c.LastMessageAt, 0)
	require.NotNil(t, c.LastInboundAt)
	require.Equal(t, 1, c.UnreadCount)

	// An older message stored late does not replace the newer preview.
	c, err = s.RecordConversationMessage(ctx, conv.ID, db.ConversationActivity{At: at.Add(-time.Second), Preview: "older"})
	require.NoError(t, err)
	require.Equal(t, "hello", c.LastMessagePreview)
	require.WithinDuration(t, at, c.LastMessageAt, 0)
	require.Equal(t, 1, c.UnreadCount, "outbound messages are not unread")
}

func TestConversations_NewestFirstPerAccount(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := dbtest.Store(ctx, t)
	acc := dbtest.Account(ctx, t, s, nil)
	base := time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC) // later than any other test's rows
	var want []db.Conversation
	for i := range 3 {
		c := dbtest.Conversation(ctx, t, s, &dbtest.ConversationOpts{AccountID: acc.ID})
		c, err := s.RecordConversationMessage(ctx, c.ID, db.ConversationActivity{At: base.Add(time.Duration(i) * time.Hour), Preview: "m"})
		require.NoError(t, err)
		want = append([]db.Conversation{c}, want...)
	}
	dbtest.Conversation(ctx, t, s, nil) // on another account

	page, err := s.Conversations(ctx, db.ConversationQuery{AccountID: &acc.ID, Limit: 2})
	require.NoError(t, err)
	require.Len(t, page.Items, 2)
	require.NotNil(t, page.Next)
	last, err := s.Conversations(ctx, db.ConversationQuery{AccountID: &acc.ID, After: *page.Next, Limit: 2})
	require.NoError(t, err)
	require.Len(t, last.Items, 1)
	require.Nil(t, last.Next)

	got := slices.Concat(page.Items, last.Items)
	for i, c := range got {
		require.Equal(t, want[i].ID, c.ID, "position %d", i)
		require.NotEmpty(t, c.ContactWAID)
		require.Equal(t, "Test Contact", c.ContactName)
	}

	// Across accounts, the same three lead (nothing else is that recent).
	all, err := s.Conversations(ctx, db.ConversationQuery{Limit: 3})
	require.NoError(t, err)
	for i, c := range all.Items {
		require.Equal(t, want[i].ID, c.ID)
	}
}
