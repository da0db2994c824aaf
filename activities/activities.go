// Package activities holds every Temporal activity: the code that talks to the
// outside world (PostgreSQL, the Graph API, REST endpoints) on behalf of the
// deterministic workflows. Activities are methods on one dependency struct;
// their method names are activity type names and therefore part of the API.
//
// Local or regular: short, idempotent database work (SelectChatbot,
// StartSession, RecordTurn, LoadChatbotVersion) suits local activities: it
// takes milliseconds, and a retry costs nothing. Calls to other services
// (SendMessages, CallREST) are regular activities: they can take seconds,
// need their own timeouts and retry backoff, and must not hold up the
// workflow task while they do.
package activities

import (
	"context"
	"net/http"
	"time"

	"github.com/google/uuid"

	"github.com/wabuilder/wab/activities/whatsapp"
	"github.com/wabuilder/wab/db"
)

// Tx is the part of the store the activities use inside one transaction.
type Tx interface {
	// InTx runs fn in a transaction, or in a savepoint when already in one;
	// use the package's inTx, which hands fn a Tx.
	InTx(ctx context.Context, fn func(*db.Store) error) error
	CreateSession(ctx context.Context, in db.NewSession) (db.Session, bool, error)
	SupersedeActiveSessions(ctx context.Context, conversationID, keep uuid.UUID, reason string, at time.Time) ([]db.Session, error)
	InsertSessionEvent(ctx context.Context, e db.SessionEvent) (bool, error)
	UpdateSessionProgress(ctx context.Context, p db.SessionProgress) (db.Session, bool, error)
	EndSession(ctx context.Context, e db.SessionEnd) (db.Session, error)
	Session(ctx context.Context, id uuid.UUID) (db.Session, error)
	InsertMessage(ctx context.Context, in db.NewMessage) (db.Message, bool, error)
	MessageByIdempotencyKey(ctx context.Context, accountID uuid.UUID, key string) (db.Message, error)
	MarkMessageSent(ctx context.Context, id uuid.UUID, wamid string, at time.Time) (db.Message, error)
	MarkMessageFailed(ctx context.Context, id uuid.UUID, e db.MessageError, at time.Time) (db.Message, error)
	RecordConversationMessage(ctx context.Context, id uuid.UUID, a db.ConversationActivity) (db.Conversation, error)
	Notify(ctx context.Context, e db.Event) error
}

// Store is the part of the database the activities use. *db.Store
// satisfies it; tests give it a real PostgreSQL.
type Store interface {
	Tx
	ChatbotVersion(ctx context.Context, id uuid.UUID) (db.ChatbotVersion, error)
	SelectableTriggers(ctx context.Context, accountID uuid.UUID) ([]db.SelectableTrigger, error)
	FallbackChatbot(ctx context.Context) (db.PublishedChatbot, error)
	TestSessionChatbot(ctx context.Context, workflowID string) (db.TestSessionBot, error)
	Account(ctx context.Context, id uuid.UUID) (db.Account, error)
	SetAccountHealth(ctx context.Context, id uuid.UUID, h db.Health, reason string) error
	SetHandoff(ctx context.Context, h db.Handoff) error
	// ReserveSendSlot paces sends per number; it must not run in a
	// transaction (see awaitSendSlot).
	ReserveSendSlot(ctx context.Context, accountID uuid.UUID, defaultRate int, ahead time.Duration) (db.SendSlot, error)
}

// WhatsAppSender is the part of the Graph API client the activities use;
// *whatsapp.Client satisfies it.
type WhatsAppSender interface {
	Send(ctx context.Context, acct whatsapp.Account, msg whatsapp.OutboundMessage) (whatsapp.SendResult, error)
	MarkRead(ctx context.Context, acct whatsapp.Account, wamid string, typing bool) error
}

// Config tunes the activities; the zero value is safe for production.
type Config struct {
	// AllowPrivateNetworks lets rest_api nodes call loopback, private,
	// link-local and other non-public addresses. Off, a chatbot author cannot
	// reach the worker's own network (cloud metadata, the database, ...).
	AllowPrivateNetworks bool
	// MaxResponseBytes caps a REST response body (default 1 MiB).
	MaxResponseBytes int64
	// RESTUserAgent is sent by rest_api calls that set no User-Agent.
	RESTUserAgent string
	// RESTRewrites sends rest_api calls for one base URL to another, e.g.
	// "https://api.example.com" → "http://127.0.0.1:9000": a staging or test
	// server answers for the real one, with the chatbot unchanged.
	RESTRewrites map[string]string
	// DefaultSendRate is the send rate, in messages per second, of a number
	// whose account sets none (default DefaultSendRate). Each account's
	// send_rate_per_second normally decides; the limit holds across every
	// worker sharing the database.
	DefaultSendRate int
	// Metrics counts sends and REST calls (the worker's /metrics); nil
	// counts nothing.
	Metrics Metrics
}

// DefaultMaxResponseBytes is Config.MaxResponseBytes' default.
const DefaultMaxResponseBytes = 1 << 20

// DefaultRESTUserAgent is Config.RESTUserAgent's default.
const DefaultRESTUserAgent = "WhatsAppBuilder/1.0 (+rest_api node)"

// Activities is registered once per worker; Temporal calls its methods. It
// is safe for concurrent use.
type Activities struct {
	store    Store
	wa       WhatsAppSender
	rest     *http.Client
	cfg      Config
	now      func() time.Time
	accounts accountCache
	// pendingGrace is the const of that name; tests shorten it.
	pendingGrace time.Duration
}

// New builds the activities over their dependencies.
func New(store Store, wa WhatsAppSender, cfg Config) *Activities {
	if cfg.MaxResponseBytes <= 0 {
		cfg.MaxResponseBytes = DefaultMaxResponseBytes
	}
	if cfg.RESTUserAgent == "" {
		cfg.RESTUserAgent = DefaultRESTUserAgent
	}
	if cfg.DefaultSendRate <= 0 {
		cfg.DefaultSendRate = DefaultSendRate
	}
	return &Activities{
		store:    store,
		wa:       wa,
		rest:     newRESTClient(cfg.AllowPrivateNetworks),
		cfg:      cfg,
		now:      time.Now,
		accounts: accountCache{ttl: accountTTL, entries: map[uuid.UUID]cachedAccount{}},

		pendingGrace: pendingGrace,
	}
}

// Error types of non-retryable failures (and of RESTRetryable, which is
// retried). Workflows route on these strings, so they are API: never rename
// one. SendMessages fails with the whatsapp.ErrKind* strings instead.
const (
	ErrTypeNotFound     = "NotFound"
	ErrTypeInvalidInput = "InvalidInput"
	// ErrTypeRESTRetryable is a GET, HEAD or OPTIONS call that got no answer
	// or a 5xx. It is retryable; its details are the CallRESTResult to route
	// on once the workflow's attempts are spent.
	ErrTypeRESTRetryable = "RESTRetryable"
	// ErrTypeVersionUnreadable is a stored chatbot version that does not decode.
	ErrTypeVersionUnreadable = "VersionUnreadable"
)

// inTx runs fn in one transaction (a savepoint inside one), giving it only
// the Tx methods.
func inTx(ctx context.Context, s Tx, fn func(Tx) error) error {
	return s.InTx(ctx, func(tx *db.Store) error { return fn(tx) })
}

// at returns t, or now when t is zero: inputs carry workflow.Now so retries
// write the same times, but older callers may leave them empty.
func (a *Activities) at(t time.Time) time.Time {
	if t.IsZero() {
		return a.now()
	}
	return t
}
