package workflows

import (
	"go.temporal.io/sdk/workflow"

	"github.com/wabuilder/wab/activities"
)

// registry is satisfied by worker.Worker and by the test environments, so the
// worker and the tests register exactly the same things under the same names.
type registry interface {
	RegisterWorkflowWithOptions(w any, options workflow.RegisterOptions)
	RegisterActivity(a any)
}

// Register registers every workflow and activity with r.
func Register(r registry, acts *activities.Activities) {
	r.RegisterWorkflowWithOptions(Conversation, workflow.RegisterOptions{Name: ConversationWorkflow})
	r.RegisterActivity(acts)
}
