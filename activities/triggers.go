package activities

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/wabuilder/wab/db"
)

// SelectChatbot picks the published chatbot that answers a customer's first
// message, with its graph:
//
//   - in a console test session, the chatbot under test (testSessionChatbot);
//   - the first matching trigger, trying active triggers of the input's
//     account and of every account (on published, unarchived chatbots) by
//     priority (highest first), keyword before default, then oldest first.
//     Keyword triggers compare the trimmed text case-insensitively: exact,
//     contains, or a Go regexp (an invalid stored regexp never matches);
//   - else the oldest active chatbot with a published version;
//   - else Found is false, which is not an error.
//
// Idempotency: read-only. A retry may see a newly published version, which
// is harmless: the workflow records whichever result completes.
//
// Call it as a LOCAL activity: a few indexed reads.
func (a *Activities) SelectChatbot(ctx context.Context, in SelectChatbotInput) (SelectChatbotResult, error) {
	if res, ok, err := a.testSessionChatbot(ctx); ok || err != nil {
		return res, err
	}
	triggers, err := a.store.SelectableTriggers(ctx, in.AccountID)
	if err != nil {
		return SelectChatbotResult{}, err
	}
	text := strings.TrimSpace(in.Text)
	for _, t := range triggers {
		ok, err := triggerMatches(t, text)
		if err != nil {
			activity.GetLogger(ctx).Warn("trigger has an invalid regexp; it never matches",
				"trigger_id", t.ID, "pattern", t.Pattern, "err", err)
		}
		if ok {
			return a.selected(ctx, db.PublishedChatbot{ChatbotID: t.ChatbotID, VersionID: t.VersionID})
		}
	}
	fallback, err := a.store.FallbackChatbot(ctx)
	if errors.Is(err, db.ErrNotFound) {
		return SelectChatbotResult{Found: false}, nil
	}
	if err != nil {
		return SelectChatbotResult{}, err
	}
	return a.selected(ctx, fallback)
}

func (a *Activities) selected(ctx context.Context, p db.PublishedChatbot) (SelectChatbotResult, error) {
	v, err := a.store.ChatbotVersion(ctx, p.VersionID)
	if errors.Is(err, db.ErrNotFound) { // versions are never deleted while published
		return SelectChatbotResult{}, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("published version %s of chatbot %s not found", p.VersionID, p.ChatbotID), ErrTypeNotFound, err)
	}
	if err != nil {
		return SelectChatbotResult{}, err
	}
	g, err := decodeVersion(v)
	if err != nil {
		return SelectChatbotResult{}, err
	}
	return SelectChatbotResult{Found: true, ChatbotID: v.ChatbotID, VersionID: v.ID, Graph: g}, nil
}

// triggerMatches reports whether trigger t answers text (already trimmed).
// The error is an invalid regexp, reported so it can be logged; the trigger
// then does not match.
func triggerMatches(t db.SelectableTrigger, text string) (bool, error) {
	if t.Kind == db.TriggerDefault {
		return true, nil
	}
	pattern := strings.TrimSpace(t.Pattern)
	switch t.MatchType {
	case db.MatchExact:
		return strings.EqualFold(text, pattern), nil
	case db.MatchContains:
		return pattern != "" && strings.Contains(strings.ToLower(text), strings.ToLower(pattern)), nil
	case db.MatchRegex:
		re, err := regexp.Compile("(?i)" + t.Pattern)
		if err != nil {
			return false, err
		}
		return re.MatchString(text), nil
	}
	return false, nil
}
