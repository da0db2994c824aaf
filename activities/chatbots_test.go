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
	"github.com/wabuilder/wab/workflows/graph"
)

func TestLoadChatbotVersion(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := dbtest.Store(ctx, t)
	bot, err := graph.Parse([]byte(`{"name":"tiny","nodes":[{"id":"start-1","type":"start","data":{"label":"s"}},
		{"id":"m","type":"message","data":{"label":"m","content":"hi"}}],"edges":[{"source":"start-1","target":"m"}]}`))
	require.NoError(t, err)
	compiled, rep := graph.Compile(bot)
	require.True(t, rep.OK())
	raw, err := json.Marshal(compiled)
	require.NoError(t, err)
	v := dbtest.ChatbotVersion(ctx, t, store, &dbtest.ChatbotVersionOpts{Graph: raw})

	var ts testsuite.WorkflowTestSuite
	env := ts.NewTestActivityEnvironment()
	acts := activities.New(store, nil, activities.Config{})
	env.RegisterActivity(acts)

	val, err := env.ExecuteActivity(acts.LoadChatbotVersion, activities.LoadChatbotVersionInput{VersionID: v.ID})
	require.NoError(t, err)
	var got activities.LoadChatbotVersionResult
	require.NoError(t, val.Get(&got))
	require.Equal(t, v.ChatbotID, got.ChatbotID)
	require.Equal(t, 1, got.Version)
	require.Equal(t, "start-1", got.Graph.Start)
	n, ok := got.Graph.Node("m")
	require.True(t, ok, "the decoded version is indexed")
	require.Equal(t, "hi", n.Data.Content)
}

func TestLoadChatbotVersion_MissingIsNotRetried(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	var ts testsuite.WorkflowTestSuite
	env := ts.NewTestActivityEnvironment()
	acts := activities.New(dbtest.Store(ctx, t), nil, activities.Config{})
	env.RegisterActivity(acts)

	_, err := env.ExecuteActivity(acts.LoadChatbotVersion, activities.LoadChatbotVersionInput{VersionID: uuid.New()})
	var appErr *temporal.ApplicationError
	require.True(t, errors.As(err, &appErr), "got %v", err)
	require.True(t, appErr.NonRetryable())
	require.Equal(t, activities.ErrTypeNotFound, appErr.Type())
}
