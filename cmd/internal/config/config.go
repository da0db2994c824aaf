// Package config reads the process configuration from environment variables into
// one typed struct and validates it before anything starts.
//
// It is hand-written rather than tag-driven (caarlos0/env and friends) because
// every failure must be one sentence that names the variable and says what a good
// value looks like; that is the whole user interface of a misconfigured process.
package config

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/wabuilder/wab/db/secret"
)

// Config is everything the binary reads from its environment.
type Config struct {
	Port        int
	DatabaseURL secret.Value // carries the password
	// MigrateOnStart applies pending migrations (under an advisory lock) at start.
	MigrateOnStart bool

	Temporal Temporal
	WhatsApp WhatsApp

	SentryDSN   secret.Value
	Environment string
	LogLevel    slog.Level
	LogFormat   string // "json" or "text"
	// FrontendURLs are the allowed CORS and WebSocket origins.
	FrontendURLs []string

	AdminEmail    string
	AdminPassword secret.Value
	// EncryptionKey encrypts access tokens and app secrets at rest (32 bytes).
	EncryptionKey []byte

	ShutdownTimeout time.Duration
	// RESTAllowPrivateNetworks lets rest_api nodes call loopback and private
	// addresses (off in production: a bot author must not reach internal services).
	RESTAllowPrivateNetworks bool
	// RESTRewrites sends rest_api calls for one base URL to another (staging, tests).
	RESTRewrites map[string]string

	// JWTSecret signs console login tokens; unset, a key derived from
	// EncryptionKey is used, so one secret is enough to start.
	JWTSecret secret.Value
	// JWTTTL is how long a login token is valid.
	JWTTTL time.Duration
	// PublicURL is where Meta reaches this API (shown as the webhook URL);
	// unset, the URL of the request that asks is used.
	PublicURL string
	// RateLimitPerMinute caps API requests per API key, user or client IP.
	RateLimitPerMinute int
	// MetricsPort is where the worker serves /metrics (the API serves its own
	// on PORT).
	MetricsPort int
	// WorkerCacheSize bounds the conversations a worker keeps in memory
	// (Temporal's sticky cache), so its memory does not grow with the
	// number of waiting conversations; an evicted one replays its history
	// on its next message.
	WorkerCacheSize int
}

// Temporal says where the Temporal frontend is.
type Temporal struct {
	Address   string
	Namespace string
}

// WhatsApp is the first business number, configured from the environment. More
// numbers are added through the API; this one is optional.
type WhatsApp struct {
	PhoneNumberID      string
	WABAID             string
	AccessToken        secret.Value
	WebhookVerifyToken secret.Value
	AppSecret          secret.Value
	APIBaseURL         string
	APIVersion         string
	// SendRatePerSecond caps sends from this number across all workers;
	// it is also the default of numbers added without one.
	SendRatePerSecond int
}

// Configured reports whether a business number is set in the environment.
func (w WhatsApp) Configured() bool { return w.PhoneNumberID != "" }

// Error is a configuration problem: one sentence naming the variable.
type Error struct {
	Var string
	Msg string
}

func (e *Error) Error() string { return e.Var + " " + e.Msg + "." }

// IsError reports whether err is (or wraps) a configuration error.
func IsError(err error) bool {
	var ce *Error
	return errors.As(err, &ce)
}

// Defaults used when a variable is unset.
const (
	DefaultPort              = 3000
	DefaultTemporalAddress   = "localhost:7233"
	DefaultTemporalNamespace = "default"
	DefaultGraphAPIBaseURL   = "https://graph.facebook.com"
	DefaultGraphAPIVersion   = "v23.0"
	// DefaultSendRate is Meta's default throughput of a business number.
	DefaultSendRate = 80
	// DefaultMetricsPort is the worker's /metrics port.
	DefaultMetricsPort = 9464
	// DefaultWorkerCacheSize keeps a worker near 250 MiB (measured: about
	// 70 KiB per cached conversation with wab bench -park).
	DefaultWorkerCacheSize = 2000
)

// FromEnv reads and validates the configuration. getenv is os.Getenv in
// production and a map lookup in tests.
func FromEnv(getenv func(string) string) (Config, error) {
	r := reader{getenv: getenv}
	c := Config{
		Port:           r.port("PORT", DefaultPort),
		MigrateOnStart: r.boolean("MIGRATE_ON_START", false),
		Temporal: Temporal{
			Address:   r.hostPort("TEMPORAL_ADDRESS", DefaultTemporalAddress),
			Namespace: r.str("TEMPORAL_NAMESPACE", DefaultTemporalNamespace),
		},
		WhatsApp: WhatsApp{
			PhoneNumberID:      r.digits("WHATSAPP_PHONE_NUMBER_ID"),
			WABAID:             r.digits("WHATSAPP_WABA_ID"),
			AccessToken:        r.secret("WHATSAPP_ACCESS_TOKEN"),
			WebhookVerifyToken: r.secret("WHATSAPP_WEBHOOK_VERIFY_TOKEN"),
			AppSecret:          r.secret("WHATSAPP_APP_SECRET"),
			APIBaseURL:         r.httpURL("WHATSAPP_API_BASE_URL", DefaultGraphAPIBaseURL),
			APIVersion:         r.apiVersion("WHATSAPP_API_VERSION", DefaultGraphAPIVersion),
			SendRatePerSecond:  r.positive("WHATSAPP_SEND_RATE", DefaultSendRate),
		},
		SentryDSN:       r.sentryDSN("SENTRY_DSN"),
		Environment:     r.str("APP_ENV", "development"),
		LogLevel:        r.logLevel("LOG_LEVEL"),
		LogFormat:       r.oneOf("LOG_FORMAT", "json", "json", "text"),
		FrontendURLs:    r.origins("FRONTEND_URL"),
		AdminEmail:      r.email("ADMIN_EMAIL"),
		AdminPassword:   r.secret("ADMIN_PASSWORD"),
		EncryptionKey:   r.key("ENCRYPTION_KEY"),
		ShutdownTimeout: r.duration("SHUTDOWN_TIMEOUT", 30*time.Second),

		RESTAllowPrivateNetworks: r.boolean("REST_ALLOW_PRIVATE_NETWORKS", false),
		RESTRewrites:             r.rewrites("REST_URL_REWRITES"),

		JWTSecret:          r.secret("JWT_SECRET"),
		JWTTTL:             r.duration("JWT_TTL", 12*time.Hour),
		RateLimitPerMinute: r.positive("RATE_LIMIT_PER_MINUTE", 600),
		MetricsPort:        r.port("METRICS_PORT", DefaultMetricsPort),
		WorkerCacheSize:    r.positive("WORKER_CACHE_SIZE", DefaultWorkerCacheSize),
	}
	c.DatabaseURL = r.databaseURL()
	if r.lookup("PUBLIC_URL") != "" {
		c.PublicURL = r.httpURL("PUBLIC_URL", "")
	}
	r.check(c)
	if r.err != nil {
		return Config{}, r.err
	}
	return c, nil
}

// check validates rules that span variables.
func (r *reader) check(c Config) {
	w := c.WhatsApp
	if w.Configured() {
		r.require("WHATSAPP_ACCESS_TOKEN", w.AccessToken.Reveal(), "is required when WHATSAPP_PHONE_NUMBER_ID is set")
		r.require("WHATSAPP_APP_SECRET", w.AppSecret.Reveal(), "is required when WHATSAPP_PHONE_NUMBER_ID is set (it checks webhook signatures)")
		r.require("WHATSAPP_WEBHOOK_VERIFY_TOKEN", w.WebhookVerifyToken.Reveal(), "is required when WHATSAPP_PHONE_NUMBER_ID is set")
	} else {
		for _, name := range []string{"WHATSAPP_ACCESS_TOKEN", "WHATSAPP_APP_SECRET", "WHATSAPP_WEBHOOK_VERIFY_TOKEN", "WHATSAPP_WABA_ID"} {
			if r.getenv(name) != "" {
				r.fail(name, "is set but WHATSAPP_PHONE_NUMBER_ID is not; set both or neither")
			}
		}
	}
	switch {
	case c.AdminEmail != "" && c.AdminPassword.IsZero():
		r.fail("ADMIN_PASSWORD", "is required when ADMIN_EMAIL is set")
	case c.AdminEmail == "" && !c.AdminPassword.IsZero():
		r.fail("ADMIN_EMAIL", "is required when ADMIN_PASSWORD is set")
	case !c.AdminPassword.IsZero() && len(c.AdminPassword.Reveal()) < MinPasswordLength:
		r.fail("ADMIN_PASSWORD", fmt.Sprintf("must be at least %d characters long", MinPasswordLength))
	}
	if !c.JWTSecret.IsZero() && len(c.JWTSecret.Reveal()) < minJWTSecretLength {
		r.fail("JWT_SECRET", fmt.Sprintf("must be at least %d characters long", minJWTSecretLength))
	}
}

// RequireEncryptionKey fails when ENCRYPTION_KEY is unset. Every role that reads
// or writes account secrets calls it; `migrate` does not need the key.
func (c Config) RequireEncryptionKey() error {
	if c.EncryptionKey == nil {
		return &Error{Var: "ENCRYPTION_KEY", Msg: "is required: 32 random bytes as base64 or hex, e.g. from `openssl rand -base64 32`"}
	}
	return nil
}

// MinPasswordLength is the shortest accepted admin password.
const MinPasswordLength = 8

// minJWTSecretLength is 256 bits as hex: HS256 wants a key as long as its hash.
const minJWTSecretLength = 32
