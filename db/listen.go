package db

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Reconnect backoff of Listen.
const (
	listenRetryMin = 100 * time.Millisecond
	listenRetryMax = 5 * time.Second
)

// Listen LISTENs on channel and calls fn with each notification's payload
// until ctx ends; it then returns nil. It uses a connection of its own, not
// one of the pool's (a listener holds its connection for good), configured
// like the pool's. A lost connection is re-established with backoff; fn("")
// is called after every connect, because notifications sent while nobody
// listened are gone and the caller should look for what it missed.
func Listen(ctx context.Context, pool *pgxpool.Pool, channel string, fn func(payload string), log *slog.Logger) error {
	if log == nil {
		log = slog.Default()
	}
	delay := listenRetryMin
	for {
		connected, err := listenOnce(ctx, pool.Config().ConnConfig.Copy(), channel, fn)
		if ctx.Err() != nil {
			return nil //nolint:nilerr // the caller ended the listener; err is only the cancellation.
		}
		if connected {
			delay = listenRetryMin
		}
		log.WarnContext(ctx, "database listener lost; reconnecting", "channel", channel, "err", err, "in", delay)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(delay):
		}
		delay = min(2*delay, listenRetryMax)
	}
}

// listenOnce serves one connection; connected reports that LISTEN succeeded.
func listenOnce(ctx context.Context, cfg *pgx.ConnConfig, channel string, fn func(string)) (connected bool, err error) {
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return false, fmt.Errorf("connect: %w", err)
	}
	defer func() { _ = conn.Close(context.WithoutCancel(ctx)) }()
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{channel}.Sanitize()); err != nil {
		return false, fmt.Errorf("listen %s: %w", channel, err)
	}
	fn("")
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return true, fmt.Errorf("wait for notification: %w", err)
		}
		fn(n.Payload)
	}
}
