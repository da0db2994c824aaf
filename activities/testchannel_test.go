package activities_test

import (
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/wabuilder/wab/db"
	"github.com/wabuilder/wab/db/dbtest"
)

// The test activity environment runs every activity for this workflow ID.
const testEnvWorkflowID = "default-test-workflow-id"

// A console test session runs the chatbot under test, whatever the
// triggers and the fallback would pick for the number.
func TestSelectChatbot_TestSessionRunsItsChatbot(t *testing.T) {
	t.Parallel()
	b := selectSetup(t)
	routed, tested := b.bot(t, "routed"), b.bot(t, "tested")
	b.trigger(t, routed, dbtest.TriggerOpts{Kind: db.TriggerDefault, Priority: 100})
	b.exec(t, "UPDATE chatbots SET is_active = true WHERE id = $1", routed.ChatbotID)
	require.Equal(t, routed.ID, b.pick(t, "hello"), "not a test session yet: production selection")

	contact := dbtest.Contact(b.ctx, t, b.store, &dbtest.ContactOpts{AccountID: b.account})
	conv, err := b.store.UpsertConversation(b.ctx, db.ConversationInput{AccountID: b.account, ContactID: contact.ID, WorkflowID: testEnvWorkflowID})
	require.NoError(t, err)
	require.NoError(t, b.store.CreateTestSession(b.ctx, conv.ID, tested.ChatbotID, nil))
	require.Equal(t, tested.ID, b.pick(t, "hello"))

	// Unpublished since: the test session runs nothing, rather than another bot.
	b.exec(t, "UPDATE chatbots SET published_version_id = NULL WHERE id = $1", tested.ChatbotID)
	require.Equal(t, uuid.Nil, b.pick(t, "hello"))
}
