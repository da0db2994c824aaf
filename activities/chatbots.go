package activities

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"go.temporal.io/sdk/temporal"

	"github.com/wabuilder/wab/db"
)

// LoadChatbotVersionInput names a published chatbot version.
type LoadChatbotVersionInput struct {
	VersionID uuid.UUID
}

// LoadChatbotVersionResult is the immutable published graph.
type LoadChatbotVersionResult struct {
	ChatbotID uuid.UUID
	Version   int
	Graph     json.RawMessage
}

// LoadChatbotVersion reads a published version. Versions are immutable, so the
// activity is trivially idempotent; a missing version is not retried.
func (a *Activities) LoadChatbotVersion(ctx context.Context, in LoadChatbotVersionInput) (LoadChatbotVersionResult, error) {
	v, err := a.store.ChatbotVersion(ctx, in.VersionID)
	if errors.Is(err, db.ErrNotFound) {
		return LoadChatbotVersionResult{}, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("chatbot version %s not found", in.VersionID), ErrTypeNotFound, err)
	}
	if err != nil {
		return LoadChatbotVersionResult{}, fmt.Errorf("load chatbot version %s: %w", in.VersionID, err)
	}
	return LoadChatbotVersionResult{ChatbotID: v.ChatbotID, Version: v.Version, Graph: v.Graph}, nil
}
