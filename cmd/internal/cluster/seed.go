package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/google/uuid"

	"github.com/wabuilder/wab/db"
	"github.com/wabuilder/wab/db/secret"
	"github.com/wabuilder/wab/workflows/graph"
)

// Number is a business phone number for AddNumber.
type Number struct {
	PhoneNumberID string
	AccessToken   string
	AppSecret     string
	VerifyToken   string
	// APIBaseURL is its Graph API (the sandbox's URL).
	APIBaseURL string
	// SendRatePerSecond is Meta's pacing for it [80].
	SendRatePerSecond int
}

// AddNumber creates or updates a business number in the database, as the
// console would; the number from WHATSAPP_* needs no call.
func (c *Cluster) AddNumber(ctx context.Context, n Number) error {
	if c.store == nil {
		return errors.New("cluster: AddNumber before Start")
	}
	_, err := c.store.UpsertAccount(ctx, db.AccountInput{
		Name: "WhatsApp " + n.PhoneNumberID, PhoneNumberID: n.PhoneNumberID,
		AccessToken: secret.Value(n.AccessToken), AppSecret: secret.Value(n.AppSecret), VerifyToken: secret.Value(n.VerifyToken),
		APIBaseURL: n.APIBaseURL, APIVersion: "v23.0", SendRatePerSecond: n.SendRatePerSecond,
	})
	if err != nil {
		return fmt.Errorf("add number %s: %w", n.PhoneNumberID, err)
	}
	return nil
}

// PublishBot imports a chatbot (the reference JSON, raw or exported),
// publishes it and makes it the default bot of the business number
// phoneNumberID, which must exist (from WHATSAPP_* or AddNumber), the way
// `wab dev` publishes its demo bot. It returns the chatbot's id.
func (c *Cluster) PublishBot(ctx context.Context, raw []byte, phoneNumberID string) (uuid.UUID, error) {
	if c.store == nil {
		return uuid.Nil, errors.New("cluster: PublishBot before Start")
	}
	bot, err := graph.Parse(raw)
	if err != nil {
		return uuid.Nil, fmt.Errorf("parse bot: %w", err)
	}
	version, rep := graph.Compile(bot)
	if err := rep.Err(); err != nil {
		return uuid.Nil, fmt.Errorf("bot %q does not publish: %w", bot.Name, err)
	}
	compiled, err := json.Marshal(version)
	if err != nil {
		return uuid.Nil, err
	}
	acc, err := c.store.AccountByPhoneNumberID(ctx, phoneNumberID)
	if err != nil {
		return uuid.Nil, fmt.Errorf("business number %s: %w", phoneNumberID, err)
	}
	nodes, _ := json.Marshal(bot.Nodes)
	edges, _ := json.Marshal(bot.Edges)
	settings, _ := json.Marshal(bot.Settings)
	created, err := c.store.CreateChatbot(ctx, db.NewChatbot{
		Name: bot.Name, Description: bot.Description,
		Nodes: nodes, Edges: edges, Settings: settings, Metadata: json.RawMessage(`{}`),
	})
	if err != nil {
		return uuid.Nil, fmt.Errorf("create bot %q: %w", bot.Name, err)
	}
	if _, err := c.store.PublishChatbot(ctx, created.ID, compiled, nil); err != nil {
		return uuid.Nil, fmt.Errorf("publish bot %q: %w", bot.Name, err)
	}
	if _, err := c.store.SetChatbotActive(ctx, created.ID, true); err != nil {
		return uuid.Nil, fmt.Errorf("activate bot %q: %w", bot.Name, err)
	}
	_, err = c.store.CreateTrigger(ctx, db.NewTrigger{AccountID: &acc.ID, ChatbotID: created.ID, Kind: db.TriggerDefault, IsActive: true})
	if err != nil {
		return uuid.Nil, fmt.Errorf("make bot %q the default of %s: %w", bot.Name, phoneNumberID, err)
	}
	return created.ID, nil
}
