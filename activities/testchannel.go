package activities

import (
	"context"
	"errors"

	"go.temporal.io/sdk/activity"

	"github.com/wabuilder/wab/db"
)

// testSessionChatbot is the chatbot a console test session chose for the
// calling workflow's conversation (ok == true), whatever the triggers say: a
// test runs the bot under test. Found is false when that chatbot has no
// published version any more. Every other conversation gets ok == false.
//
// The conversation is known by the calling workflow's ID, from the
// activity's own info: the workflow passes nothing new, so production
// selection and the histories of running conversations are unchanged.
func (a *Activities) testSessionChatbot(ctx context.Context) (SelectChatbotResult, bool, error) {
	if !activity.IsActivity(ctx) {
		return SelectChatbotResult{}, false, nil
	}
	bot, err := a.store.TestSessionChatbot(ctx, activity.GetInfo(ctx).WorkflowExecution.ID)
	switch {
	case errors.Is(err, db.ErrNotFound):
		return SelectChatbotResult{}, false, nil
	case err != nil:
		return SelectChatbotResult{}, false, err
	case bot.VersionID == nil:
		return SelectChatbotResult{Found: false}, true, nil
	}
	res, err := a.selected(ctx, db.PublishedChatbot{ChatbotID: bot.ChatbotID, VersionID: *bot.VersionID})
	return res, true, err
}
