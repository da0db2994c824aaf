package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/wabuilder/wab/activities/whatsapp/sandbox"
)

// sandboxShutdown bounds how long answers in flight may take after Ctrl-C.
const sandboxShutdown = 5 * time.Second

// runSandbox serves the fake Graph API until ctx ends: point the app's
// WHATSAPP_API_BASE_URL at it, and talk to the bot with `wab chat`.
func runSandbox(ctx context.Context, e env, args []string) error {
	var addr, hookURL, secret string
	var opts sandbox.Options
	err := parseFlags("sandbox", args, e.stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&addr, "addr", "127.0.0.1:8090", "address to listen on")
		fs.StringVar(&hookURL, "webhook-url", "", "where to POST signed status webhooks, e.g. http://localhost:3000/api/webhooks/whatsapp (default none)")
		fs.StringVar(&secret, "app-secret", "", "app secret that signs the webhooks (default $WHATSAPP_APP_SECRET, else "+sandboxSecretFile+")")
		fs.DurationVar(&opts.StatusDelay, "status-delay", 200*time.Millisecond, "pause before each status webhook (sent, delivered, read)")
		fs.BoolVar(&opts.AutoRead, "auto-read", false, "also send a read status after delivered")
	})
	if err != nil {
		return err
	}
	if err := checkSandboxFlags(addr, hookURL, opts.StatusDelay); err != nil {
		return err
	}
	if hookURL != "" {
		if secret == "" {
			secret = defaultAppSecret(e.getenv)
		}
		if secret == "" {
			return &usageError{msg: "sandbox: -webhook-url needs an app secret to sign the webhooks; set -app-secret or WHATSAPP_APP_SECRET."}
		}
	}
	opts.WebhookURL, opts.AppSecret = hookURL, secret
	opts.Logger = slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))

	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("sandbox: listen on %s (pick another with -addr): %w", addr, err)
	}
	sb := sandbox.New(opts)
	srv := &http.Server{Handler: sb, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	base := "http://" + dialable(ln.Addr().String())
	hooks := "no status webhooks"
	if hookURL != "" {
		hooks = "status webhooks to " + hookURL
	}
	fmt.Fprintf(e.stdout, "Sandbox Graph API listening on %s (%s); start the app with WHATSAPP_API_BASE_URL=%s, then talk to it with `wab chat -sandbox %s`.\n", base, hooks, base, base)

	var serveErr error
	select {
	case serveErr = <-served:
	case <-ctx.Done():
	}
	sb.Close() // releases long polls and hanging requests first
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), sandboxShutdown)
	defer cancel()
	shutErr := srv.Shutdown(sctx)
	if serveErr == nil {
		serveErr = <-served
	}
	if !errors.Is(serveErr, http.ErrServerClosed) {
		return fmt.Errorf("sandbox: serve: %w", serveErr)
	}
	if shutErr != nil {
		return fmt.Errorf("sandbox: shut down: %w", shutErr)
	}
	return nil
}

func checkSandboxFlags(addr, hookURL string, delay time.Duration) error {
	if _, port, err := net.SplitHostPort(addr); err != nil || port == "" {
		return &usageError{msg: fmt.Sprintf("sandbox: -addr must be host:port, such as 127.0.0.1:8090, got %q.", addr)}
	}
	if hookURL != "" && !isHTTPURL(hookURL) {
		return &usageError{msg: fmt.Sprintf("sandbox: -webhook-url must be an http(s) URL, got %q.", hookURL)}
	}
	if delay < 0 {
		return &usageError{msg: fmt.Sprintf("sandbox: -status-delay must not be negative, got %s.", delay)}
	}
	return nil
}

func isHTTPURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// dialable turns a listening address into one a client can dial: a wildcard
// host (":8090", "0.0.0.0:8090", "[::]:8090") becomes 127.0.0.1.
func dialable(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}
