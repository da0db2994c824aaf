package activities_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/wabuilder/wab/activities"
	"github.com/wabuilder/wab/db/dbtest"
)

func TestLoadChatbotVersion(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := dbtest.Store(ctx, t)
	graph := json.RawMessage(`{"nodes":[{"id":"start-1","type":"start"}],"edges":[]}`)
	v := dbtest.ChatbotVersion(ctx, t, store, &dbtest.ChatbotVersionOpts{Graph: graph})

	var ts testsuite.WorkflowTestSuite
	env := ts.NewTestActivityEnvironment()
	acts := activities.New(store)
	env.RegisterActivity(acts)

	val, err := env.ExecuteActivity(acts.LoadChatbotVersion, activities.LoadChatbotVersionInput{VersionID: v.ID})
	require.NoError(t, err)
	var got activities.LoadChatbotVersionResult
	require.NoError(t, val.Get(&got))
	require.Equal(t, v.ChatbotID, got.ChatbotID)
	require.Equal(t, 1, got.Version)
	require.JSONEq(t, string(graph), string(got.Graph))
}

func TestLoadChatbotVersion_MissingIsNotRetried(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	var ts testsuite.WorkflowTestSuite
	env := ts.NewTestActivityEnvironment()
	acts := activities.New(dbtest.Store(ctx, t))
	env.RegisterActivity(acts)

	_, err := env.ExecuteActivity(acts.LoadChatbotVersion, activities.LoadChatbotVersionInput{VersionID: uuid.New()})
	var appErr *temporal.ApplicationError
	require.True(t, errors.As(err, &appErr), "got %v", err)
	require.True(t, appErr.NonRetryable())
	require.Equal(t, activities.ErrTypeNotFound, appErr.Type())
}
