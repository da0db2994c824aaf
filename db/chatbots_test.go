package db_test

import (
	"context"
	"errors"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/require"

	"github.com/wabuilder/wab/db"
	"github.com/wabuilder/wab/db/dbtest"
)

func TestChatbot_CreateAndPublish(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := dbtest.Store(ctx, t)
	u := dbtest.User(ctx, t, s, nil)

	bot, err := s.CreateChatbot(ctx, db.NewChatbot{Name: "Welcome", Nodes: []byte(`[{"id":"start"}]`), CreatedBy: &u.ID})
	require.NoError(t, err)
	require.Equal(t, db.ChatbotDraft, bot.Status)
	require.JSONEq(t, `[{"id":"start"}]`, string(bot.Nodes))
	require.JSONEq(t, `[]`, string(bot.Edges))
	require.JSONEq(t, `{}`, string(bot.Settings))
	require.Nil(t, bot.PublishedVersionID)

	v1, err := s.PublishChatbot(ctx, bot.ID, []byte(`{"v":1}`), &u.ID)
	require.NoError(t, err)
	v2, err := s.PublishChatbot(ctx, bot.ID, []byte(`{"v":2}`), &u.ID)
	require.NoError(t, err)
	require.Equal(t, 1, v1.Version)
	require.Equal(t, 2, v2.Version)

	got, err := s.Chatbot(ctx, bot.ID)
	require.NoError(t, err)
	require.Equal(t, &v2.ID, got.PublishedVersionID)
	require.Equal(t, db.ChatbotActive, got.Status)

	stored, err := s.ChatbotVersion(ctx, v1.ID)
	require.NoError(t, err)
	require.Equal(t, v1, stored)

	// Another bot numbers its versions from 1.
	require.Equal(t, 1, dbtest.ChatbotVersion(ctx, t, s, nil).Version)
}

func TestChatbotVersions_Immutable(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tx := dbtest.Tx(ctx, t)
	s := db.New(tx, dbtest.Box(t))
	v := dbtest.ChatbotVersion(ctx, t, s, nil)

	_, err := tx.Exec(ctx, `UPDATE chatbot_versions SET graph = '{"changed":true}' WHERE id = $1`, v.ID)
	var pgErr *pgconn.PgError
	require.True(t, errors.As(err, &pgErr), "got %v", err)
	require.Contains(t, pgErr.Message, "immutable")
}

func TestChatbotVersions_PublisherDeletable(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tx := dbtest.Tx(ctx, t)
	s := db.New(tx, dbtest.Box(t))
	u := dbtest.User(ctx, t, s, nil)
	bot := dbtest.Chatbot(ctx, t, s, nil)
	v, err := s.PublishChatbot(ctx, bot.ID, []byte(`{}`), &u.ID)
	require.NoError(t, err)

	// The ON DELETE SET NULL on published_by is the one change the trigger allows.
	_, err = tx.Exec(ctx, "DELETE FROM users WHERE id = $1", u.ID)
	require.NoError(t, err)
	got, err := s.ChatbotVersion(ctx, v.ID)
	require.NoError(t, err)
	require.Nil(t, got.PublishedBy)
	require.JSONEq(t, `{}`, string(got.Graph))

	// Deleting a published chatbot that never ran takes its versions with it.
	_, err = tx.Exec(ctx, "DELETE FROM chatbots WHERE id = $1", bot.ID)
	require.NoError(t, err)
	_, err = s.ChatbotVersion(ctx, v.ID)
	require.ErrorIs(t, err, db.ErrNotFound)
}
