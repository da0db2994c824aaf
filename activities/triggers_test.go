package activities_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/wabuilder/wab/activities"
	"github.com/wabuilder/wab/db"
	"github.com/wabuilder/wab/db/dbtest"
)

// selectBundle is a store in a rolled-back transaction and one account.
type selectBundle struct {
	ctx     context.Context
	store   *db.Store
	tx      pgx.Tx
	account uuid.UUID
	acts    *activities.Activities
}

func selectSetup(t *testing.T) *selectBundle {
	t.Helper()
	ctx := context.Background()
	store, tx := txStore(ctx, t)
	return &selectBundle{
		ctx: ctx, store: store, tx: tx,
		account: dbtest.Account(ctx, t, store, nil).ID,
		acts:    activities.New(store, nil, activities.Config{}),
	}
}

// bot publishes a chatbot whose graph names it, and returns its version.
func (b *selectBundle) bot(t *testing.T, name string) db.ChatbotVersion {
	t.Helper()
	g := json.RawMessage(`{"schema":1,"name":"` + name + `","start":"s","nodes":[]}`)
	return dbtest.ChatbotVersion(b.ctx, t, b.store, &dbtest.ChatbotVersionOpts{Graph: g})
}

// trigger adds a trigger on v's chatbot for the bundle's account.
func (b *selectBundle) trigger(t *testing.T, v db.ChatbotVersion, o dbtest.TriggerOpts) db.Trigger {
	t.Helper()
	o.ChatbotID = v.ChatbotID
	if o.AccountID == nil {
		o.AccountID = &b.account
	}
	return dbtest.Trigger(b.ctx, t, b.store, &o)
}

// exec runs SQL in the test's transaction, for states no store method sets.
func (b *selectBundle) exec(t *testing.T, sql string, args ...any) {
	t.Helper()
	_, err := b.tx.Exec(b.ctx, sql, args...)
	require.NoError(t, err)
}

// pick runs SelectChatbot and returns the chosen version's id, or uuid.Nil.
func (b *selectBundle) pick(t *testing.T, text string) uuid.UUID {
	t.Helper()
	res, err := execute(t, b.acts, b.acts.SelectChatbot, activities.SelectChatbotInput{AccountID: b.account, Text: text})
	require.NoError(t, err)
	if !res.Found {
		return uuid.Nil
	}
	v, err := b.store.ChatbotVersion(b.ctx, res.VersionID)
	require.NoError(t, err)
	require.Equal(t, v.ChatbotID, res.ChatbotID)
	var want struct{ Name string }
	require.NoError(t, json.Unmarshal(v.Graph, &want))
	require.Equal(t, want.Name, res.Graph.Name, "the chosen version's graph comes back decoded")
	return res.VersionID
}

func TestSelectChatbot_KeywordMatching(t *testing.T) {
	t.Parallel()
	b := selectSetup(t)
	exact, contains, regex := b.bot(t, "exact"), b.bot(t, "contains"), b.bot(t, "regex")
	b.trigger(t, exact, dbtest.TriggerOpts{MatchType: db.MatchExact, Pattern: "Menu"})
	b.trigger(t, contains, dbtest.TriggerOpts{MatchType: db.MatchContains, Pattern: "price"})
	b.trigger(t, regex, dbtest.TriggerOpts{MatchType: db.MatchRegex, Pattern: `^order\s+#?\d+$`})
	// Highest priority, but invalid: never matches and never fails the activity.
	b.trigger(t, b.bot(t, "broken"), dbtest.TriggerOpts{MatchType: db.MatchRegex, Pattern: `(unclosed`, Priority: 100})

	for text, want := range map[string]uuid.UUID{
		"menu":                 exact.ID,
		"  MENU \n":            exact.ID, // trimmed, any case
		"menu please":          uuid.Nil, // exact is exact
		"What's the PRICE?":    contains.ID,
		"prices":               contains.ID,
		"Order #1234":          regex.ID, // (?i)
		"my order 1234":        uuid.Nil, // anchored
		"hello":                uuid.Nil,
		"":                     uuid.Nil, // media: no text
		"unclosed (unclosed)":  uuid.Nil,
		"order 7 and a price?": contains.ID, // the regex is anchored; contains still matches
	} {
		require.Equal(t, want, b.pick(t, text), "text %q", text)
	}
}

func TestSelectChatbot_Order(t *testing.T) {
	t.Parallel()
	b := selectSetup(t)
	low, high, def, older, newer := b.bot(t, "low"), b.bot(t, "high"), b.bot(t, "default"), b.bot(t, "older"), b.bot(t, "newer")
	b.trigger(t, low, dbtest.TriggerOpts{MatchType: db.MatchContains, Pattern: "hi", Priority: 1})
	b.trigger(t, high, dbtest.TriggerOpts{MatchType: db.MatchContains, Pattern: "hi", Priority: 5})
	b.trigger(t, def, dbtest.TriggerOpts{Kind: db.TriggerDefault, Priority: 5})
	require.Equal(t, high.ID, b.pick(t, "hi there"), "higher priority first; keyword before default on a tie")
	require.Equal(t, def.ID, b.pick(t, "good morning"), "a default trigger answers what no keyword matches")

	// Same priority and kind: the older trigger wins.
	n := b.trigger(t, newer, dbtest.TriggerOpts{MatchType: db.MatchExact, Pattern: "tie", Priority: 9})
	o := b.trigger(t, older, dbtest.TriggerOpts{MatchType: db.MatchExact, Pattern: "tie", Priority: 9})
	b.exec(t, "UPDATE triggers SET created_at = now() - interval '1 hour' WHERE id = $1", o.ID)
	b.exec(t, "UPDATE triggers SET created_at = now() - interval '1 minute' WHERE id = $1", n.ID)
	require.Equal(t, older.ID, b.pick(t, "TIE"))

	// A default trigger of higher priority beats a lower keyword trigger.
	top := b.bot(t, "top default")
	b.trigger(t, top, dbtest.TriggerOpts{Kind: db.TriggerDefault, Priority: 50})
	require.Equal(t, top.ID, b.pick(t, "hi there"))
}

func TestSelectChatbot_AccountScope(t *testing.T) {
	t.Parallel()
	b := selectSetup(t)
	other := dbtest.Account(b.ctx, t, b.store, nil).ID
	theirs, global, ours := b.bot(t, "theirs"), b.bot(t, "global"), b.bot(t, "ours")
	b.trigger(t, theirs, dbtest.TriggerOpts{AccountID: &other, Pattern: "hello", Priority: 10})
	require.Equal(t, uuid.Nil, b.pick(t, "hello"), "another number's trigger does not apply")

	g := dbtest.Trigger(b.ctx, t, b.store, &dbtest.TriggerOpts{ChatbotID: global.ChatbotID, Pattern: "hello"})
	require.Nil(t, g.AccountID)
	require.Equal(t, global.ID, b.pick(t, "hello"), "a global trigger applies to every number")

	b.trigger(t, ours, dbtest.TriggerOpts{Pattern: "hello", Priority: 1})
	require.Equal(t, ours.ID, b.pick(t, "hello"))
}

func TestSelectChatbot_IgnoresUnusableTriggers(t *testing.T) {
	t.Parallel()
	b := selectSetup(t)
	b.trigger(t, b.bot(t, "inactive"), dbtest.TriggerOpts{Pattern: "hello", Inactive: true})
	archived := b.bot(t, "archived")
	b.trigger(t, archived, dbtest.TriggerOpts{Pattern: "hello"})
	b.exec(t, "UPDATE chatbots SET status = 'archived' WHERE id = $1", archived.ChatbotID)
	draft := dbtest.Chatbot(b.ctx, t, b.store, nil) // never published
	dbtest.Trigger(b.ctx, t, b.store, &dbtest.TriggerOpts{AccountID: &b.account, ChatbotID: draft.ID, Pattern: "hello"})

	require.Equal(t, uuid.Nil, b.pick(t, "hello"))
}

func TestSelectChatbot_FallsBackToOldestActiveBot(t *testing.T) {
	t.Parallel()
	b := selectSetup(t)
	require.Equal(t, uuid.Nil, b.pick(t, "anything"), "no trigger and no active bot: not found, no error")

	older, newer := b.bot(t, "older"), b.bot(t, "newer")
	b.bot(t, "inactive") // published but not is_active
	unpublished := dbtest.Chatbot(b.ctx, t, b.store, nil)
	past := time.Now().Add(-time.Hour)
	b.exec(t, "UPDATE chatbots SET is_active = true, created_at = $2 WHERE id = $1", older.ChatbotID, past)
	b.exec(t, "UPDATE chatbots SET is_active = true WHERE id = $1", newer.ChatbotID)
	b.exec(t, "UPDATE chatbots SET is_active = true, created_at = $2 WHERE id = $1", unpublished.ID, past.Add(-time.Hour))
	require.Equal(t, older.ID, b.pick(t, "anything"))

	// A matching trigger still comes first.
	b.trigger(t, newer, dbtest.TriggerOpts{Pattern: "newer"})
	require.Equal(t, newer.ID, b.pick(t, "newer"))
	require.Equal(t, older.ID, b.pick(t, "something else"))
}
