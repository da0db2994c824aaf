package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"strconv"
	"sync/atomic"

	"github.com/wabuilder/wab/activities/whatsapp"
	"github.com/wabuilder/wab/activities/whatsapp/sandbox"
	"github.com/wabuilder/wab/api"
	"github.com/wabuilder/wab/api/auth"
	"github.com/wabuilder/wab/api/live"
	"github.com/wabuilder/wab/api/relay"
)

func runServe(ctx context.Context, e env, args []string) error {
	if err := parseFlags("serve", args, e.stderr, nil); err != nil {
		return err
	}
	a, err := setup(ctx, e, true)
	if err != nil {
		return err
	}
	defer a.close()
	if err := a.connectTemporal(ctx, true); err != nil {
		return err
	}
	if err := a.bootstrap(ctx); err != nil {
		return err
	}
	return a.serveHTTP(ctx)
}

// serveHTTP serves until ctx ends, then stops taking connections, lets
// in-flight requests finish (up to the shutdown timeout) and returns. The
// relay that hands stored webhook messages to Temporal and the hub of the
// WebSocket feed run alongside.
func (a *app) serveHTTP(ctx context.Context) error {
	var draining atomic.Bool
	rl := relay.New(a.store, a.temporal, relay.Options{Listen: relay.ListenPostgres(a.pool, a.log), Log: a.log})
	relayCtx, stopRelay := context.WithCancel(context.WithoutCancel(ctx))
	relayDone := make(chan error, 1)
	go func() { relayDone <- rl.Run(relayCtx) }()
	defer func() {
		stopRelay()
		if err := <-relayDone; err != nil && !errors.Is(err, context.Canceled) {
			a.log.Error("relay stopped", "err", err)
		}
	}()
	hub := live.New(a.pool, live.Options{Log: a.log})
	hubCtx, stopHub := context.WithCancel(context.WithoutCancel(ctx))
	hubDone := make(chan error, 1)
	go func() { hubDone <- hub.Run(hubCtx) }()
	defer func() { // after the HTTP shutdown: WebSocket clients get 1001 and reconnect elsewhere
		stopHub()
		if err := <-hubDone; err != nil {
			a.log.Error("live feed stopped", "err", err)
		}
	}()
	tokens, err := a.tokens()
	if err != nil {
		return err
	}
	// Test sessions' numbers are answered in-process (mark read, connection test).
	testChannel := sandbox.NewTestChannel()
	defer testChannel.Close()
	srv := api.New(api.Deps{ //nolint:contextcheck // New only builds the app; handlers take each request's own context.
		Log:                a.log,
		Database:           a.store,
		Temporal:           api.PingFunc(a.temporalPing),
		Draining:           draining.Load,
		AllowedOrigins:     a.cfg.FrontendURLs,
		Accounts:           a.store,
		Ingest:             a.store,
		Relay:              rl,
		Store:              a.store,
		Tokens:             tokens,
		Workflows:          a.temporal,
		Graph:              whatsapp.NewClient(nil).WithTestChannel(testChannel),
		PublicURL:          a.cfg.PublicURL,
		Metrics:            a.metrics,
		RateLimitPerMinute: a.cfg.RateLimitPerMinute,
		Sentry:             a.sentry,
		Live:               hub,
	})
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", net.JoinHostPort("", strconv.Itoa(a.cfg.Port)))
	if err != nil {
		return fmt.Errorf("listen on port %d (set PORT to another): %w", a.cfg.Port, err)
	}
	a.log.InfoContext(ctx, "api listening", "addr", ln.Addr().String())
	served := make(chan error, 1)
	go func() { served <- srv.Listener(ln) }()
	select {
	case err := <-served:
		return fmt.Errorf("http server: %w", err)
	case <-ctx.Done():
	}
	draining.Store(true)
	a.log.Info("api shutting down", "timeout", a.cfg.ShutdownTimeout)
	if err := srv.ShutdownWithTimeout(a.cfg.ShutdownTimeout); err != nil {
		return fmt.Errorf("http shutdown: %w", err)
	}
	return nil
}

// tokens signs console logins with JWT_SECRET, or a key derived from
// ENCRYPTION_KEY.
func (a *app) tokens() (*auth.Tokens, error) {
	key := auth.DeriveKey(a.cfg.EncryptionKey)
	if !a.cfg.JWTSecret.IsZero() {
		key = []byte(a.cfg.JWTSecret.Reveal())
	}
	t, err := auth.NewTokens(key, a.cfg.JWTTTL)
	if err != nil {
		return nil, fmt.Errorf("login tokens: %w", err)
	}
	return t, nil
}

// parseFlags parses a subcommand's flags; a bad flag is a usage error (exit 2).
func parseFlags(name string, args []string, stderr io.Writer, define func(*flag.FlagSet)) error {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	if define != nil {
		define(fs)
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(stderr)
			fs.PrintDefaults()
		}
		return &usageError{msg: fmt.Sprintf("%s: %v; run `wab %s -h` for its flags.", name, err, name)}
	}
	if fs.NArg() > 0 {
		return &usageError{msg: fmt.Sprintf("%s takes no arguments, got %q.", name, fs.Arg(0))}
	}
	return nil
}
