package db_test

import (
	"context"
	"errors"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/wabuilder/wab/db"
	"github.com/wabuilder/wab/db/dbtest"
)

func TestStore_Ping(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	require.NoError(t, dbtest.Store(ctx, t).Ping(ctx))
	require.NoError(t, db.New(dbtest.Pool(t), nil).Ping(ctx))
}

func TestStore_NotFound(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := dbtest.Store(ctx, t)
	id := uuid.New()
	for name, call := range map[string]func() error{
		"Account":                func() error { _, err := s.Account(ctx, id); return err },
		"AccountByPhoneNumberID": func() error { _, err := s.AccountByPhoneNumberID(ctx, "0"); return err },
		"UserByEmail":            func() error { _, err := s.UserByEmail(ctx, "nobody@example.com"); return err },
		"Chatbot":                func() error { _, err := s.Chatbot(ctx, id); return err },
		"ChatbotVersion":         func() error { _, err := s.ChatbotVersion(ctx, id); return err },
		"Session":                func() error { _, err := s.Session(ctx, id); return err },
		"PublishChatbot":         func() error { _, err := s.PublishChatbot(ctx, id, []byte(`{}`), nil); return err },
		"EndSession": func() error {
			_, err := s.EndSession(ctx, db.SessionEnd{ID: id, Status: db.SessionCompleted, At: now()})
			return err
		},
		"RecordConversationMessage": func() error {
			_, err := s.RecordConversationMessage(ctx, id, db.ConversationActivity{At: now()})
			return err
		},
	} {
		require.ErrorIs(t, call(), db.ErrNotFound, name)
	}
}

func TestStore_InTx(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := dbtest.Store(ctx, t)
	boom := errors.New("boom")

	// An error rolls back everything fn did (a savepoint, inside the test's transaction).
	err := s.InTx(ctx, func(tx *db.Store) error {
		dbtest.Account(ctx, t, tx, &dbtest.AccountOpts{PhoneNumberID: "rolled-back-" + dbtest.Unique()})
		return boom
	})
	require.ErrorIs(t, err, boom)
	accounts, err := s.Accounts(ctx)
	require.NoError(t, err)
	for _, a := range accounts {
		require.NotContains(t, a.PhoneNumberID, "rolled-back-")
	}

	// Success commits the savepoint; the outer transaction sees the row.
	var created db.Account
	require.NoError(t, s.InTx(ctx, func(tx *db.Store) error {
		created = dbtest.Account(ctx, t, tx, nil)
		return nil
	}))
	got, err := s.Account(ctx, created.ID)
	require.NoError(t, err)
	require.Equal(t, created.PhoneNumberID, got.PhoneNumberID)
}

// dbtest.Tx must really roll back: tests share one database.
func TestHarness_TxRollsBack(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	phone := dbtest.Unique()
	t.Run("write", func(t *testing.T) {
		dbtest.Account(ctx, t, dbtest.Store(ctx, t), &dbtest.AccountOpts{PhoneNumberID: phone})
	})
	_, err := db.New(dbtest.Pool(t), dbtest.Box(t)).AccountByPhoneNumberID(ctx, phone)
	require.ErrorIs(t, err, db.ErrNotFound)
}
