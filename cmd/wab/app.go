package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/getsentry/sentry-go"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"

	"github.com/wabuilder/wab/cmd/internal/config"
	"github.com/wabuilder/wab/cmd/internal/telemetry"
	"github.com/wabuilder/wab/db"
	"github.com/wabuilder/wab/db/secret"
)

// app holds the process-wide handles one role needs. Built once per process by
// setup, closed by close; nothing here is global.
type app struct {
	cfg      config.Config
	log      *slog.Logger
	pool     *pgxpool.Pool
	store    *db.Store
	temporal client.Client
	// metrics is the process's Prometheus registry: the API's /metrics or
	// the worker's METRICS_PORT serve it.
	metrics *prometheus.Registry
	// sentry is nil without SENTRY_DSN.
	sentry  *sentry.Hub
	closers []func()
}

// setup reads the configuration and opens the database pool. withStore also
// requires the encryption key and builds the store (every role but migrate).
// Temporal is connected separately: the API and the worker want different modes.
func setup(ctx context.Context, e env, withStore bool) (*app, error) {
	cfg, err := config.FromEnv(e.getenv)
	if err != nil {
		return nil, err
	}
	if withStore {
		if err := cfg.RequireEncryptionKey(); err != nil {
			return nil, err
		}
	}
	a := &app{cfg: cfg, log: newLogger(cfg, e.stderr), metrics: telemetry.NewRegistry()}
	if cfg.SentryDSN != "" {
		if err := sentry.Init(sentry.ClientOptions{
			Dsn: cfg.SentryDSN.Reveal(), Environment: cfg.Environment,
			AttachStacktrace: true, // also on panics with a string, which become messages
		}); err != nil {
			return nil, fmt.Errorf("initialise Sentry: %w", err)
		}
		a.sentry = sentry.CurrentHub()
		a.closers = append(a.closers, func() { sentry.Flush(2 * time.Second) })
	}
	if a.pool, err = openPool(ctx, cfg.DatabaseURL.Reveal()); err != nil {
		a.close()
		return nil, err
	}
	a.closers = append(a.closers, a.pool.Close)
	if withStore {
		box, err := secret.NewBox(cfg.EncryptionKey)
		if err != nil {
			a.close()
			return nil, &config.Error{Var: "ENCRYPTION_KEY", Msg: "must be 32 random bytes"}
		}
		a.store = db.New(a.pool, box)
	}
	if cfg.MigrateOnStart {
		if err := db.Migrate(ctx, a.pool); err != nil {
			a.close()
			return nil, fmt.Errorf("apply migrations: %w", err)
		}
	}
	return a, nil
}

// close releases resources in reverse order of acquisition.
func (a *app) close() {
	for i := len(a.closers) - 1; i >= 0; i-- {
		a.closers[i]()
	}
	a.closers = nil
}

func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	if cfg.LogFormat == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

// openPool connects to PostgreSQL, retrying briefly so that a database that
// starts alongside the app (compose, Kubernetes) is waited for, not failed on.
func openPool(ctx context.Context, url string) (*pgxpool.Pool, error) {
	pcfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, &config.Error{Var: "DATABASE_URL", Msg: "must be a PostgreSQL URL such as postgres://user:pass@host:5432/db"}
	}
	// Plan each prepared statement once per connection. Left to choose,
	// PostgreSQL re-plans the array-parameter statements of the hot path
	// (ingest, sends) on every call, and planning cost more than running
	// them. Generic plans are what db/indexes_test.go checks for index use.
	// A plan_cache_mode in the URL wins.
	if _, set := pcfg.ConnConfig.RuntimeParams["plan_cache_mode"]; !set {
		pcfg.ConnConfig.RuntimeParams["plan_cache_mode"] = "force_generic_plan"
	}
	pool, err := pgxpool.NewWithConfig(ctx, pcfg)
	if err != nil {
		return nil, fmt.Errorf("open database pool: %w", err)
	}
	err = retry(ctx, 30*time.Second, func(ctx context.Context) error { return pool.Ping(ctx) })
	if err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect to PostgreSQL at %s: %w", pcfg.ConnConfig.Host, err)
	}
	return pool, nil
}

// connectTemporal dials Temporal. lazy is for the API, which must keep taking
// webhooks while Temporal is down; the worker waits until it can connect.
func (a *app) connectTemporal(ctx context.Context, lazy bool) error {
	metrics, flush := telemetry.TemporalMetrics(a.metrics, a.log)
	a.closers = append(a.closers, func() { _ = flush.Close() })
	opts := client.Options{
		HostPort:       a.cfg.Temporal.Address,
		Namespace:      a.cfg.Temporal.Namespace,
		Logger:         tlog.NewStructuredLogger(a.log.With("component", "temporal")),
		MetricsHandler: metrics,
	}
	var c client.Client
	var err error
	if lazy {
		c, err = client.NewLazyClient(opts)
	} else {
		err = retry(ctx, 60*time.Second, func(ctx context.Context) error {
			c, err = client.DialContext(ctx, opts)
			return err
		})
	}
	if err != nil {
		return fmt.Errorf("connect to Temporal at %s: %w", a.cfg.Temporal.Address, err)
	}
	a.temporal = c
	a.closers = append(a.closers, c.Close)
	return nil
}

// temporalPing is the health check of the Temporal connection.
func (a *app) temporalPing(ctx context.Context) error {
	_, err := a.temporal.CheckHealth(ctx, &client.CheckHealthRequest{})
	return err
}

// retry calls fn until it succeeds, ctx ends or the budget is spent.
func retry(ctx context.Context, budget time.Duration, fn func(context.Context) error) error {
	deadline := time.Now().Add(budget)
	wait := 100 * time.Millisecond
	for {
		attempt, cancel := context.WithTimeout(ctx, 5*time.Second)
		err := fn(attempt)
		cancel()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return errors.Join(err, ctx.Err())
		}
		select {
		case <-ctx.Done():
			return errors.Join(err, ctx.Err())
		case <-time.After(wait):
		}
		wait = min(wait*2, 2*time.Second)
	}
}
