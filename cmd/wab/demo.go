package main

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"

	"github.com/wabuilder/wab/db"
	"github.com/wabuilder/wab/workflows/graph"
)

//go:embed demo/demo-bot.json
var demoBot []byte

// seedDemo publishes the demo bot and makes it the active bot, the first
// time the local stack starts (when no chatbot exists at all).
func (a *app) seedDemo(ctx context.Context) error {
	exists, err := a.store.AnyChatbotExists(ctx)
	if err != nil || exists {
		return err
	}
	bot, err := graph.Parse(demoBot)
	if err != nil {
		return fmt.Errorf("demo bot: %w", err)
	}
	version, rep := graph.Compile(bot)
	if err := rep.Err(); err != nil {
		return fmt.Errorf("demo bot: %w", err)
	}
	compiled, err := json.Marshal(version)
	if err != nil {
		return fmt.Errorf("demo bot: %w", err)
	}
	nodes, _ := json.Marshal(bot.Nodes)
	edges, _ := json.Marshal(bot.Edges)
	settings, _ := json.Marshal(bot.Settings)
	created, err := a.store.CreateChatbot(ctx, db.NewChatbot{
		Name: bot.Name, Description: bot.Description,
		Nodes: nodes, Edges: edges, Settings: settings, Metadata: json.RawMessage(`{}`),
	})
	if err != nil {
		return fmt.Errorf("demo bot: %w", err)
	}
	if _, err := a.store.PublishChatbot(ctx, created.ID, compiled, nil); err != nil {
		return fmt.Errorf("demo bot: %w", err)
	}
	if _, err := a.store.SetChatbotActive(ctx, created.ID, true); err != nil {
		return fmt.Errorf("demo bot: %w", err)
	}
	a.log.InfoContext(ctx, "demo chatbot published and active", "chatbot_id", created.ID)
	return nil
}
