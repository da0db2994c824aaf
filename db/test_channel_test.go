package db_test

import (
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/require"

	"github.com/wabuilder/wab/activities/whatsapp"
	"github.com/wabuilder/wab/db"
	"github.com/wabuilder/wab/db/dbtest"
)

func TestTestChannelAccount_OneAndNeverAWhatsAppNumber(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := dbtest.Store(ctx, t)
	require.Equal(t, whatsapp.TestChannelBaseURL, db.TestChannelBaseURL, "the migration's CHECK and the Graph client agree")

	acct, err := s.TestChannelAccount(ctx)
	require.NoError(t, err)
	require.Equal(t, db.TestChannelBaseURL, acct.APIBaseURL)
	require.Equal(t, db.TestChannelPhoneNumberID, acct.PhoneNumberID)
	require.NotEmpty(t, acct.AccessToken.Reveal(), "the sandbox wants a bearer token")
	require.NotEmpty(t, acct.AppSecret.Reveal())
	again, err := s.TestChannelAccount(ctx)
	require.NoError(t, err)
	require.Equal(t, acct.ID, again.ID, "one test channel")
	require.Equal(t, acct.AppSecret, again.AppSecret)

	// The test channel's URL cannot be given to a real number.
	err = s.InTx(ctx, func(tx *db.Store) error {
		_, err := tx.UpsertAccount(ctx, db.AccountInput{
			PhoneNumberID: dbtest.Unique(), AccessToken: "t", AppSecret: "s", VerifyToken: "v",
			APIVersion: "v23.0", APIBaseURL: db.TestChannelBaseURL,
		})
		return err
	})
	var pgErr *pgconn.PgError
	require.ErrorAs(t, err, &pgErr)
	require.Equal(t, "accounts_test_channel_url_check", pgErr.ConstraintName)
}

func TestTestSessions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := dbtest.Store(ctx, t)
	acct, err := s.TestChannelAccount(ctx)
	require.NoError(t, err)
	contact := dbtest.Contact(ctx, t, s, &dbtest.ContactOpts{AccountID: acct.ID, ProfileName: "Tester"})
	conv := dbtest.Conversation(ctx, t, s, &dbtest.ConversationOpts{AccountID: acct.ID, ContactID: contact.ID})
	v := dbtest.ChatbotVersion(ctx, t, s, nil)
	user := dbtest.User(ctx, t, s, nil)

	require.NoError(t, s.CreateTestSession(ctx, conv.ID, v.ChatbotID, &user.ID))
	err = s.InTx(ctx, func(tx *db.Store) error { return tx.CreateTestSession(ctx, conv.ID, v.ChatbotID, nil) })
	require.ErrorIs(t, err, db.ErrConflict, "a conversation is one test session")

	ts, err := s.TestSession(ctx, conv.ID)
	require.NoError(t, err)
	require.Equal(t, v.ChatbotID, ts.ChatbotID)
	require.Equal(t, acct.ID, ts.AccountID)
	require.Equal(t, conv.WorkflowID, ts.WorkflowID)
	require.Equal(t, contact.WAID, ts.CustomerPhone)
	require.Equal(t, "Tester", ts.CustomerName)
	require.Equal(t, &user.ID, ts.CreatedBy)
	require.Nil(t, ts.ClosedAt)

	bot, err := s.TestSessionChatbot(ctx, conv.WorkflowID)
	require.NoError(t, err)
	require.Equal(t, db.TestSessionBot{ChatbotID: v.ChatbotID, VersionID: &v.ID}, bot)
	_, err = s.TestSessionChatbot(ctx, "conv/"+dbtest.Unique()+"/1")
	require.ErrorIs(t, err, db.ErrNotFound, "production conversations are not test sessions")

	require.NoError(t, s.CloseTestSession(ctx, conv.ID))
	closed, err := s.TestSession(ctx, conv.ID)
	require.NoError(t, err)
	require.NotNil(t, closed.ClosedAt)
	require.NoError(t, s.CloseTestSession(ctx, conv.ID))
	again, err := s.TestSession(ctx, conv.ID)
	require.NoError(t, err)
	require.Equal(t, closed.ClosedAt, again.ClosedAt, "closing twice keeps the first time")
	require.ErrorIs(t, s.CloseTestSession(ctx, uuid.New()), db.ErrNotFound)
	_, err = s.TestSession(ctx, uuid.New())
	require.ErrorIs(t, err, db.ErrNotFound)

	// A chatbot without a published version: the test session finds it, and no version.
	draft := dbtest.Chatbot(ctx, t, s, nil)
	conv2 := dbtest.Conversation(ctx, t, s, &dbtest.ConversationOpts{AccountID: acct.ID})
	require.NoError(t, s.CreateTestSession(ctx, conv2.ID, draft.ID, nil))
	bot, err = s.TestSessionChatbot(ctx, conv2.WorkflowID)
	require.NoError(t, err)
	require.Equal(t, db.TestSessionBot{ChatbotID: draft.ID}, bot)
}
