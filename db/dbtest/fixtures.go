package dbtest

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"sync/atomic"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/wabuilder/wab/db"
	"github.com/wabuilder/wab/db/secret"
)

// Fixtures build rows with sensible defaults; a nil opts means all defaults.
// Unique columns get values no other test uses: parallel transactions that
// insert the same unique key would wait on each other.

var (
	runID = rand.IntN(900_000) + 100_000 //nolint:gosec // uniqueness, not secrecy.
	seq   atomic.Int64
)

// Unique returns a string of digits no other call in this run returns, usable
// as a phone number id or wa_id.
func Unique() string { return fmt.Sprintf("%d%07d", runID, seq.Add(1)) }

// AccountOpts overrides Account's defaults.
type AccountOpts struct {
	Name          string
	PhoneNumberID string
	AccessToken   secret.Value
	AppSecret     secret.Value
	VerifyToken   secret.Value
	APIBaseURL    string // default an address nothing listens on; a sandbox's URL in send tests
}

// Account creates a business number.
func Account(ctx context.Context, t testing.TB, s *db.Store, o *AccountOpts) db.Account {
	t.Helper()
	o = orZero(o)
	in := db.AccountInput{
		Name: o.Name, PhoneNumberID: or(o.PhoneNumberID, Unique()), WABAID: Unique(),
		AccessToken: or(o.AccessToken, "test-access-token"), AppSecret: or(o.AppSecret, "test-app-secret"),
		VerifyToken: or(o.VerifyToken, "test-verify-token"),
		APIVersion:  "v23.0", APIBaseURL: or(o.APIBaseURL, "http://127.0.0.1:1"),
	}
	a, err := s.UpsertAccount(ctx, in)
	require.NoError(t, err)
	return a
}

// ContactOpts overrides Contact's defaults; a zero AccountID creates an account.
type ContactOpts struct {
	AccountID   uuid.UUID
	WAID        string
	BSUID       string
	ProfileName string
}

// Contact creates a WhatsApp contact.
func Contact(ctx context.Context, t testing.TB, s *db.Store, o *ContactOpts) db.Contact {
	t.Helper()
	o = orZero(o)
	if o.AccountID == uuid.Nil {
		o.AccountID = Account(ctx, t, s, nil).ID
	}
	c, err := s.UpsertContact(ctx, db.ContactInput{
		AccountID: o.AccountID, WAID: or(o.WAID, Unique()), BSUID: o.BSUID, ProfileName: or(o.ProfileName, "Test Contact"),
	})
	require.NoError(t, err)
	return c
}

// ConversationOpts overrides Conversation's defaults. A zero ContactID creates
// a contact (on AccountID, or on a new account).
type ConversationOpts struct {
	AccountID uuid.UUID
	ContactID uuid.UUID
}

// Conversation creates a conversation.
func Conversation(ctx context.Context, t testing.TB, s *db.Store, o *ConversationOpts) db.Conversation {
	t.Helper()
	o = orZero(o)
	if o.ContactID == uuid.Nil {
		c := Contact(ctx, t, s, &ContactOpts{AccountID: o.AccountID})
		o.AccountID, o.ContactID = c.AccountID, c.ID
	}
	c, err := s.UpsertConversation(ctx, db.ConversationInput{
		AccountID: o.AccountID, ContactID: o.ContactID, WorkflowID: "conv/test/" + Unique(),
	})
	require.NoError(t, err)
	return c
}

// UserOpts overrides User's defaults.
type UserOpts struct {
	Email string
	Role  db.Role
}

// User creates a console user.
func User(ctx context.Context, t testing.TB, s *db.Store, o *UserOpts) db.User {
	t.Helper()
	o = orZero(o)
	u, _, err := s.EnsureUser(ctx, db.NewUser{
		Email: or(o.Email, "user"+Unique()+"@example.com"), PasswordHash: "test-hash",
		Name: "Test User", Role: or(o.Role, db.RoleAgent),
	})
	require.NoError(t, err)
	return u
}

// ChatbotOpts overrides Chatbot's defaults.
type ChatbotOpts struct {
	Name  string
	Nodes json.RawMessage
}

// Chatbot creates a draft chatbot.
func Chatbot(ctx context.Context, t testing.TB, s *db.Store, o *ChatbotOpts) db.Chatbot {
	t.Helper()
	o = orZero(o)
	c, err := s.CreateChatbot(ctx, db.NewChatbot{Name: or(o.Name, "Test bot "+Unique()), Nodes: o.Nodes})
	require.NoError(t, err)
	return c
}

// ChatbotVersionOpts overrides ChatbotVersion's defaults; a zero ChatbotID
// creates a chatbot.
type ChatbotVersionOpts struct {
	ChatbotID uuid.UUID
	Graph     json.RawMessage
}

// ChatbotVersion publishes a version of a chatbot.
func ChatbotVersion(ctx context.Context, t testing.TB, s *db.Store, o *ChatbotVersionOpts) db.ChatbotVersion {
	t.Helper()
	o = orZero(o)
	if o.ChatbotID == uuid.Nil {
		o.ChatbotID = Chatbot(ctx, t, s, nil).ID
	}
	if o.Graph == nil {
		o.Graph = json.RawMessage(`{"nodes":[],"edges":[]}`)
	}
	v, err := s.PublishChatbot(ctx, o.ChatbotID, o.Graph, nil)
	require.NoError(t, err)
	return v
}

// SessionOpts overrides Session's defaults; zero ids create what they name.
type SessionOpts struct {
	ID             uuid.UUID
	ConversationID uuid.UUID
	Version        *db.ChatbotVersion
}

// Session starts a running session.
func Session(ctx context.Context, t testing.TB, s *db.Store, o *SessionOpts) db.Session {
	t.Helper()
	o = orZero(o)
	if o.ConversationID == uuid.Nil {
		o.ConversationID = Conversation(ctx, t, s, nil).ID
	}
	if o.Version == nil {
		v := ChatbotVersion(ctx, t, s, nil)
		o.Version = &v
	}
	sess, created, err := s.CreateSession(ctx, db.NewSession{
		ID: or(o.ID, uuid.New()), ConversationID: o.ConversationID, ChatbotID: o.Version.ChatbotID,
		ChatbotVersionID: o.Version.ID, WorkflowID: "conv/test/" + Unique(),
	})
	require.NoError(t, err)
	require.True(t, created, "session %s existed already", o.ID)
	return sess
}

// TriggerOpts overrides Trigger's defaults: an active keyword trigger
// ("exact" match, priority 0) for every account; a zero ChatbotID publishes
// a new chatbot. Set Kind to db.TriggerDefault for a default trigger.
type TriggerOpts struct {
	AccountID *uuid.UUID
	ChatbotID uuid.UUID
	Kind      db.TriggerKind
	MatchType db.MatchType
	Pattern   string
	Priority  int
	Inactive  bool
}

// Trigger creates a trigger.
func Trigger(ctx context.Context, t testing.TB, s *db.Store, o *TriggerOpts) db.Trigger {
	t.Helper()
	o = orZero(o)
	if o.ChatbotID == uuid.Nil {
		o.ChatbotID = ChatbotVersion(ctx, t, s, nil).ChatbotID
	}
	in := db.NewTrigger{
		AccountID: o.AccountID, ChatbotID: o.ChatbotID, Kind: or(o.Kind, db.TriggerKeyword),
		Priority: o.Priority, IsActive: !o.Inactive,
	}
	if in.Kind == db.TriggerKeyword {
		in.MatchType, in.Pattern = or(o.MatchType, db.MatchExact), or(o.Pattern, "hello")
	}
	tr, err := s.CreateTrigger(ctx, in)
	require.NoError(t, err)
	return tr
}

func orZero[T any](o *T) *T {
	if o == nil {
		return new(T)
	}
	c := *o // never modify the caller's options
	return &c
}

func or[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}
