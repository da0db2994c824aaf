package workflows_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"

	"github.com/wabuilder/wab/workflows"
)

// TestConversation_LeanTurn: a turn costs the server one workflow task. The
// bot's messages go out through a local activity, never an activity task,
// and the search attributes are written once when the session starts (with
// the customer's number and the bot) and once when it ends, not per node.
func TestConversation_LeanTurn(t *testing.T) {
	t.Parallel()
	h := newHarness(t, referenceBot(t, "sample-chatbot.json"))
	var localSends, taskSends int
	h.env.SetOnLocalActivityStartedListener(func(info *activity.Info, _ context.Context, _ []any) {
		if info.ActivityType.Name == "SendMessages" {
			localSends++
		}
	})
	h.env.SetOnActivityStartedListener(func(info *activity.Info, _ context.Context, _ converter.EncodedValues) {
		taskSends++
	})
	var shown []map[string]string
	h.env.OnUpsertTypedSearchAttributes(mock.Anything).Return(nil).Run(func(args mock.Arguments) {
		attrs := args.Get(0).(temporal.SearchAttributes)
		m := map[string]string{}
		names := []string{
			workflows.SearchAttrSessionStatus, workflows.SearchAttrChatbotID,
			workflows.SearchAttrCustomerPhone, workflows.SearchAttrCurrentNode,
		}
		for _, name := range names {
			if v, ok := attrs.GetKeyword(temporal.NewSearchAttributeKeyKeyword(name)); ok {
				m[name] = v
			}
		}
		shown = append(shown, m)
	})
	h.at(time.Second, text("merhaba"))
	h.at(time.Minute, tap("btn_price", "Fiyat Bilgisi"))
	h.run()

	require.Len(t, h.texts(), 4)
	require.Equal(t, 2, localSends, "one local send per turn")
	require.Zero(t, taskSends, "no activity task")
	require.Equal(t, []map[string]string{
		{
			workflows.SearchAttrSessionStatus: "active",
			workflows.SearchAttrChatbotID:     "11111111-1111-1111-1111-111111111111",
			workflows.SearchAttrCustomerPhone: "905551112233",
		},
		{workflows.SearchAttrSessionStatus: "idle"},
	}, shown)
}
