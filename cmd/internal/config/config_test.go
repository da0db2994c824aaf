package config_test

import (
	"encoding/base64"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/wabuilder/wab/cmd/internal/config"
)

var testKey = base64.StdEncoding.EncodeToString([]byte("0123456789abcdef0123456789abcdef"))

func env(kv map[string]string) func(string) string {
	base := map[string]string{"DATABASE_URL": "postgres://u:p@db:5432/wab", "ENCRYPTION_KEY": testKey}
	for k, v := range kv {
		base[k] = v
	}
	return func(k string) string { return base[k] }
}

func TestFromEnv_Defaults(t *testing.T) {
	t.Parallel()
	c, err := config.FromEnv(env(nil))
	require.NoError(t, err)
	require.Equal(t, 3000, c.Port)
	require.Equal(t, "localhost:7233", c.Temporal.Address)
	require.Equal(t, "default", c.Temporal.Namespace)
	require.Equal(t, "https://graph.facebook.com", c.WhatsApp.APIBaseURL)
	require.Equal(t, config.DefaultGraphAPIVersion, c.WhatsApp.APIVersion)
	require.Equal(t, 80, c.WhatsApp.SendRatePerSecond)
	require.Equal(t, config.DefaultWorkerCacheSize, c.WorkerCacheSize, "the worker's memory is bounded by default")
	require.Equal(t, slog.LevelInfo, c.LogLevel)
	require.Equal(t, 30*time.Second, c.ShutdownTimeout)
	require.False(t, c.WhatsApp.Configured())
	require.Len(t, c.EncryptionKey, 32)
}

func TestFromEnv_Values(t *testing.T) {
	t.Parallel()
	c, err := config.FromEnv(env(map[string]string{
		"DATABASE_URL":                  "",
		"DB_HOST":                       "pg.internal",
		"DB_PORT":                       "6432",
		"DB_USERNAME":                   "bot",
		"DB_PASSWORD":                   "p@ss/word",
		"DB_NAME":                       "chat",
		"DB_SSL":                        "true",
		"PORT":                          "8080",
		"WHATSAPP_PHONE_NUMBER_ID":      "106540352242922",
		"WHATSAPP_ACCESS_TOKEN":         "EAAG",
		"WHATSAPP_APP_SECRET":           "s3cret",
		"WHATSAPP_WEBHOOK_VERIFY_TOKEN": "verify",
		"WHATSAPP_API_BASE_URL":         "http://127.0.0.1:9999/",
		"WHATSAPP_API_VERSION":          "v18.0",
		"LOG_LEVEL":                     "debug",
		"FRONTEND_URL":                  "https://console.example.com, http://localhost:5173/",
		"ADMIN_EMAIL":                   "admin@example.com",
		"ADMIN_PASSWORD":                "correct horse",
		"REST_URL_REWRITES":             "https://httpbin.org=http://127.0.0.1:9000/, https://a.example=https://b.example",
	}))
	require.NoError(t, err)
	require.Equal(t, "postgres://bot:p%40ss%2Fword@pg.internal:6432/chat?sslmode=require", c.DatabaseURL.Reveal())
	require.Equal(t, 8080, c.Port)
	require.True(t, c.WhatsApp.Configured())
	require.Equal(t, "http://127.0.0.1:9999", c.WhatsApp.APIBaseURL)
	require.Equal(t, "v18.0", c.WhatsApp.APIVersion)
	require.Equal(t, slog.LevelDebug, c.LogLevel)
	require.Equal(t, []string{"https://console.example.com", "http://localhost:5173"}, c.FrontendURLs)
	require.Equal(t, "s3cret", c.WhatsApp.AppSecret.Reveal())
	require.Equal(t, map[string]string{"https://httpbin.org": "http://127.0.0.1:9000", "https://a.example": "https://b.example"}, c.RESTRewrites)

	// A logged or printed config shows no secret.
	printed := fmt.Sprintf("%v %+v %#v", c, c, c)
	for _, s := range []string{"EAAG", "s3cret", "correct horse", "p%40ss"} {
		require.NotContains(t, printed, s)
	}
}

func TestFromEnv_Errors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		env     map[string]string
		wantVar string
	}{
		{"port not a number", map[string]string{"PORT": "abc"}, "PORT"},
		{"port out of range", map[string]string{"PORT": "70000"}, "PORT"},
		{"no database", map[string]string{"DATABASE_URL": ""}, "DATABASE_URL"},
		{"bad database url", map[string]string{"DATABASE_URL": "postgres://u@h:notaport/db"}, "DATABASE_URL"},
		{"bad db port", map[string]string{"DATABASE_URL": "", "DB_HOST": "h", "DB_PORT": "x"}, "DB_PORT"},
		{"bad db ssl", map[string]string{"DATABASE_URL": "", "DB_HOST": "h", "DB_SSL": "maybe"}, "DB_SSL"},
		{"temporal address without port", map[string]string{"TEMPORAL_ADDRESS": "temporal"}, "TEMPORAL_ADDRESS"},
		{"phone id not digits", map[string]string{"WHATSAPP_PHONE_NUMBER_ID": "PHONE_NUMBER_ID"}, "WHATSAPP_PHONE_NUMBER_ID"},
		{"token without phone id", map[string]string{"WHATSAPP_ACCESS_TOKEN": "EAAG"}, "WHATSAPP_ACCESS_TOKEN"},
		{"phone id without secret", map[string]string{"WHATSAPP_PHONE_NUMBER_ID": "1", "WHATSAPP_ACCESS_TOKEN": "t", "WHATSAPP_WEBHOOK_VERIFY_TOKEN": "v"}, "WHATSAPP_APP_SECRET"},
		{"graph url not http", map[string]string{"WHATSAPP_API_BASE_URL": "ftp://x"}, "WHATSAPP_API_BASE_URL"},
		{"api version", map[string]string{"WHATSAPP_API_VERSION": "23"}, "WHATSAPP_API_VERSION"},
		{"sentry dsn", map[string]string{"SENTRY_DSN": "not a dsn"}, "SENTRY_DSN"},
		{"log level", map[string]string{"LOG_LEVEL": "loud"}, "LOG_LEVEL"},
		{"log format", map[string]string{"LOG_FORMAT": "xml"}, "LOG_FORMAT"},
		{"frontend url", map[string]string{"FRONTEND_URL": "console.example.com"}, "FRONTEND_URL"},
		{"admin email", map[string]string{"ADMIN_EMAIL": "admin", "ADMIN_PASSWORD": "long enough"}, "ADMIN_EMAIL"},
		{"admin password missing", map[string]string{"ADMIN_EMAIL": "a@b.c"}, "ADMIN_PASSWORD"},
		{"admin password short", map[string]string{"ADMIN_EMAIL": "a@b.c", "ADMIN_PASSWORD": "short"}, "ADMIN_PASSWORD"},
		{"short encryption key", map[string]string{"ENCRYPTION_KEY": "c2hvcnQ="}, "ENCRYPTION_KEY"},
		{"migrate flag", map[string]string{"MIGRATE_ON_START": "yes please"}, "MIGRATE_ON_START"},
		{"shutdown timeout", map[string]string{"SHUTDOWN_TIMEOUT": "-1s"}, "SHUTDOWN_TIMEOUT"},
		{"send rate", map[string]string{"WHATSAPP_SEND_RATE": "0"}, "WHATSAPP_SEND_RATE"},
		{"worker cache size", map[string]string{"WORKER_CACHE_SIZE": "-5"}, "WORKER_CACHE_SIZE"},
		{"rest rewrites", map[string]string{"REST_URL_REWRITES": "httpbin.org=127.0.0.1"}, "REST_URL_REWRITES"},
		{"private networks flag", map[string]string{"REST_ALLOW_PRIVATE_NETWORKS": "sometimes"}, "REST_ALLOW_PRIVATE_NETWORKS"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := config.FromEnv(env(tt.env))
			require.Error(t, err)
			require.True(t, config.IsError(err))
			msg := err.Error()
			require.True(t, strings.HasPrefix(msg, tt.wantVar+" "), "message %q should start with %s", msg, tt.wantVar)
			require.True(t, strings.HasSuffix(msg, "."), "message %q should be one sentence", msg)
			require.NotContains(t, msg, "\n")
		})
	}
}

func TestRequireEncryptionKey(t *testing.T) {
	t.Parallel()
	c, err := config.FromEnv(env(map[string]string{"ENCRYPTION_KEY": ""}))
	require.NoError(t, err, "migrate runs without a key")
	err = c.RequireEncryptionKey()
	require.True(t, config.IsError(err))
	require.True(t, strings.HasPrefix(err.Error(), "ENCRYPTION_KEY "))
}

func TestFromEnv_NeverEchoesSecrets(t *testing.T) {
	t.Parallel()
	for name, value := range map[string]string{
		"SENTRY_DSN":     "https://supersecretkey@",
		"ENCRYPTION_KEY": "supersecretkey",
		"DATABASE_URL":   "postgres://u:supersecretkey@h:bad/db",
	} {
		_, err := config.FromEnv(env(map[string]string{name: value}))
		require.Error(t, err, name)
		require.NotContains(t, err.Error(), "supersecretkey", name)
	}
}
