package load

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	"github.com/wabuilder/wab/db"
	"github.com/wabuilder/wab/db/secret"
	"github.com/wabuilder/wab/workflows/graph"
)

// BenchSendRate is the send pacing Publish gives the benchmark's business
// number (messages/s). Meta's default is 80/s; the sandbox has no limit,
// and the benchmark measures the stack, not the pacing.
const BenchSendRate = 5000

// Publish makes the stack ready for a run of script against t: a business
// number t.PhoneNumberID whose Graph API is meta (its app secret
// t.AppSecret), the script's bot published — its REST calls pointed at
// meta's REST backend — and a default trigger that gives every customer of
// that number the bot. It is what `wab dev -stack` does with the demo bot,
// on a number of its own so runs never meet.
func Publish(ctx context.Context, store *db.Store, meta *Meta, script Script, t Target) error {
	raw := bytes.ReplaceAll(script.Bot, []byte(RESTPlaceholder), []byte(meta.RESTURL))
	bot, err := graph.Parse(raw)
	if err != nil {
		return fmt.Errorf("load: %s bot: %w", script.Name, err)
	}
	version, rep := graph.Compile(bot)
	if err := rep.Err(); err != nil {
		return fmt.Errorf("load: %s bot: %w", script.Name, err)
	}
	compiled, err := json.Marshal(version)
	if err != nil {
		return fmt.Errorf("load: %s bot: %w", script.Name, err)
	}
	acc, err := store.UpsertAccount(ctx, db.AccountInput{
		Name:               "bench " + t.PhoneNumberID,
		PhoneNumberID:      t.PhoneNumberID,
		WABAID:             "100000000000001",
		DisplayPhoneNumber: t.DisplayPhone,
		AccessToken:        secret.Value("bench-token-" + t.PhoneNumberID),
		AppSecret:          secret.Value(t.AppSecret),
		VerifyToken:        secret.Value("bench-verify-" + t.PhoneNumberID),
		APIBaseURL:         meta.URL,
		APIVersion:         "v23.0",
		SendRatePerSecond:  BenchSendRate,
	})
	if err != nil {
		return fmt.Errorf("load: create the business number: %w", err)
	}
	nodes, _ := json.Marshal(bot.Nodes)
	edges, _ := json.Marshal(bot.Edges)
	settings, _ := json.Marshal(bot.Settings)
	created, err := store.CreateChatbot(ctx, db.NewChatbot{
		Name: bot.Name + " " + t.PhoneNumberID, Description: bot.Description,
		Nodes: nodes, Edges: edges, Settings: settings, Metadata: json.RawMessage(`{}`),
	})
	if err != nil {
		return fmt.Errorf("load: create the %s bot: %w", script.Name, err)
	}
	if _, err := store.PublishChatbot(ctx, created.ID, compiled, nil); err != nil {
		return fmt.Errorf("load: publish the %s bot: %w", script.Name, err)
	}
	_, err = store.CreateTrigger(ctx, db.NewTrigger{AccountID: &acc.ID, ChatbotID: created.ID, Kind: db.TriggerDefault, IsActive: true})
	if err != nil {
		return fmt.Errorf("load: trigger the %s bot: %w", script.Name, err)
	}
	return nil
}
