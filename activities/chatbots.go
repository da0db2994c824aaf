package activities

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"go.temporal.io/sdk/temporal"

	"github.com/wabuilder/wab/db"
	"github.com/wabuilder/wab/workflows/graph"
)

// LoadChatbotVersionInput names a published chatbot version.
type LoadChatbotVersionInput struct {
	VersionID uuid.UUID
}

// LoadChatbotVersionResult is the immutable published graph.
type LoadChatbotVersionResult struct {
	ChatbotID uuid.UUID
	Version   int
	Graph     graph.Version
}

// LoadChatbotVersion reads a published version. Versions are immutable, so the
// activity is trivially idempotent; a missing version is not retried.
//
// Call it as a LOCAL activity: one indexed read.
func (a *Activities) LoadChatbotVersion(ctx context.Context, in LoadChatbotVersionInput) (LoadChatbotVersionResult, error) {
	v, err := a.store.ChatbotVersion(ctx, in.VersionID)
	if errors.Is(err, db.ErrNotFound) {
		return LoadChatbotVersionResult{}, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("chatbot version %s not found", in.VersionID), ErrTypeNotFound, err)
	}
	if err != nil {
		return LoadChatbotVersionResult{}, fmt.Errorf("load chatbot version %s: %w", in.VersionID, err)
	}
	g, err := decodeVersion(v)
	if err != nil {
		return LoadChatbotVersionResult{}, err
	}
	return LoadChatbotVersionResult{ChatbotID: v.ChatbotID, Version: v.Version, Graph: g}, nil
}

// decodeVersion decodes a stored version for the workflow, so workflow code
// never parses JSON itself. A version that does not decode is not retried.
func decodeVersion(v db.ChatbotVersion) (graph.Version, error) {
	var g graph.Version
	if err := json.Unmarshal(v.Graph, &g); err != nil {
		return graph.Version{}, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("chatbot version %s does not decode", v.ID), ErrTypeVersionUnreadable, err)
	}
	return g, nil
}
