package db_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
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

func TestConversationDetail_AndMarkRead(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := dbtest.Store(ctx, t)
	acc := dbtest.Account(ctx, t, s, nil)
	conv := dbtest.Conversation(ctx, t, s, &dbtest.ConversationOpts{AccountID: acc.ID})
	_, err := s.LastInboundWAMID(ctx, conv.ID)
	require.ErrorIs(t, err, db.ErrNotFound, "the customer never wrote")

	for _, w := range []string{"wamid.first", "wamid.last"} {
		_, _, err := s.InsertMessage(ctx, db.NewMessage{AccountID: acc.ID, ConversationID: conv.ID, Direction: db.Inbound, WAMID: w + dbtest.Unique(), Type: "text"})
		require.NoError(t, err)
		_, err = s.RecordConversationMessage(ctx, conv.ID, db.ConversationActivity{At: now(), Preview: "hi", Inbound: true})
		require.NoError(t, err)
	}
	_, _, err = s.InsertMessage(ctx, db.NewMessage{AccountID: acc.ID, ConversationID: conv.ID, Direction: db.Outbound, IdempotencyKey: "k" + dbtest.Unique(), Type: "text"})
	require.NoError(t, err)
	last, err := s.LastInboundWAMID(ctx, conv.ID)
	require.NoError(t, err)
	require.Contains(t, last, "wamid.last", "the customer's latest, not ours")

	sess := dbtest.Session(ctx, t, s, &dbtest.SessionOpts{ConversationID: conv.ID})
	d, err := s.ConversationDetail(ctx, conv.ID)
	require.NoError(t, err)
	require.Equal(t, acc.PhoneNumberID, d.PhoneNumberID)
	require.Equal(t, 2, d.UnreadCount)
	require.NotNil(t, d.ActiveSession)
	require.Equal(t, sess.ID, d.ActiveSession.ID)

	read, err := s.MarkConversationRead(ctx, conv.ID)
	require.NoError(t, err)
	require.Zero(t, read.UnreadCount)
	_, err = s.MarkConversationRead(ctx, uuid.New())
	require.ErrorIs(t, err, db.ErrNotFound)
}

func TestConversations_FiltersAndSearch(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := dbtest.Store(ctx, t)
	acc := dbtest.Account(ctx, t, s, nil)
	at := time.Date(3001, 1, 1, 0, 0, 0, 0, time.UTC) // later than any other test's rows
	mk := func(name string, inbound bool) db.Conversation {
		ct := dbtest.Contact(ctx, t, s, &dbtest.ContactOpts{AccountID: acc.ID, ProfileName: name})
		c := dbtest.Conversation(ctx, t, s, &dbtest.ConversationOpts{AccountID: acc.ID, ContactID: ct.ID})
		at = at.Add(time.Minute)
		c, err := s.RecordConversationMessage(ctx, c.ID, db.ConversationActivity{At: at, Preview: "m", Inbound: inbound})
		require.NoError(t, err)
		return c
	}
	ayse, bora, cem := mk("Ayşe_1", true), mk("Bora", false), mk("Cem", false)
	require.NoError(t, s.SetHandoff(ctx, db.Handoff{ConversationID: bora.ID, By: "agent", At: at}))
	dbtest.Session(ctx, t, s, &dbtest.SessionOpts{ConversationID: cem.ID})

	yes, no := true, false
	for name, tc := range map[string]struct {
		q    db.ConversationQuery
		want []db.Conversation
	}{
		"everything":      {db.ConversationQuery{}, []db.Conversation{cem, bora, ayse}},
		"name":            {db.ConversationQuery{Search: "ayşe_"}, []db.Conversation{ayse}},
		"underscore text": {db.ConversationQuery{Search: "e_"}, []db.Conversation{ayse}},
		"handoff":         {db.ConversationQuery{Handoff: db.HandoffAgent}, []db.Conversation{bora}},
		"unread":          {db.ConversationQuery{Unread: &yes}, []db.Conversation{ayse}},
		"read":            {db.ConversationQuery{Unread: &no}, []db.Conversation{cem, bora}},
		"bot running":     {db.ConversationQuery{ActiveSession: &yes}, []db.Conversation{cem}},
		"no bot running":  {db.ConversationQuery{ActiveSession: &no}, []db.Conversation{bora, ayse}},
		"since":           {db.ConversationQuery{Since: &bora.LastMessageAt}, []db.Conversation{cem, bora}},
		"until":           {db.ConversationQuery{Until: &bora.LastMessageAt}, []db.Conversation{ayse}},
	} {
		for _, accountID := range []*uuid.UUID{&acc.ID, nil} { // both queries, one number and all
			q := tc.q
			q.AccountID = accountID
			if accountID == nil && q.Search == "" {
				q.Since = &ayse.LastMessageAt // keep other tests' conversations out
				if tc.q.Since != nil {
					q.Since = tc.q.Since
				}
			}
			page, err := s.Conversations(ctx, q)
			require.NoError(t, err, name)
			var got []uuid.UUID
			for _, it := range page.Items {
				got = append(got, it.ID)
			}
			var want []uuid.UUID
			for _, c := range tc.want {
				want = append(want, c.ID)
			}
			require.Equal(t, want, got, "%s (account filter: %v)", name, accountID != nil)
		}
	}
}

func TestCursor_RoundTrip(t *testing.T) {
	t.Parallel()
	c := db.Cursor{At: time.Date(2026, 11, 25, 9, 30, 0, 123456000, time.UTC), ID: uuid.New()}
	back, err := db.ParseCursor(c.String())
	require.NoError(t, err)
	require.Equal(t, c, back, "exact to the microsecond, as stored")
	first, err := db.ParseCursor("")
	require.NoError(t, err)
	require.True(t, first.IsZero())
	require.Empty(t, db.Cursor{}.String())
	for _, bad := range []string{"!!", "bm90LWEtY3Vyc29y", db.Cursor{At: time.Now(), ID: uuid.New()}.String()[:10]} {
		_, err := db.ParseCursor(bad)
		require.ErrorIs(t, err, db.ErrBadCursor, bad)
	}
}
