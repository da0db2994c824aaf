// Package relay hands stored inbound messages to their conversation
// workflows. The webhook commits each message with an ingest_outbox row and
// answers Meta at once; a Relay then signal-with-starts the workflow and
// deletes the row. Temporal being down delays messages, never loses them.
//
// Order: a conversation's rows are delivered strictly in id order, by one
// relay at a time (db.Store.ClaimOutbox leases whole conversations); a
// failure holds that conversation back with a growing delay while the
// others proceed. Delivery is at least once: a relay that dies after
// signalling but before deleting leaves rows that are delivered again when
// their lease ends, and the workflow drops the repeated wamid.
package relay

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"go.temporal.io/sdk/client"

	"github.com/wabuilder/wab/db"
	"github.com/wabuilder/wab/workflows"
)

// Temporal is the part of the Temporal client a Relay uses.
type Temporal interface {
	SignalWithStartWorkflow(ctx context.Context, workflowID, signalName string, signalArg any,
		options client.StartWorkflowOptions, workflow any, workflowArgs ...any) (client.WorkflowRun, error)
}

// Store is the outbox as a Relay sees it; *db.Store implements it.
type Store interface {
	ClaimOutbox(ctx context.Context, c db.OutboxClaim) ([][]db.OutboxItem, error)
	SettleOutbox(ctx context.Context, st db.OutboxSettlement) error
}

// Payload is what the ingest path enqueues for one message: the signal and
// the input that starts the workflow if it is not running. The relay fills
// Input.AccountID and Input.ConversationID from the outbox row. Stored as
// JSON in ingest_outbox.payload: add fields, never rename one.
type Payload struct {
	Input   workflows.ConversationInput
	Message workflows.InboundMessage
}

// Options tunes a Relay; zero values take the defaults in brackets.
type Options struct {
	// Workers is how many conversations are delivered at once [16].
	Workers int
	// PerConversation caps the rows one claim takes per conversation [50].
	PerConversation int
	// Sweep is the period of the safety-net scan for due retries [1s].
	Sweep time.Duration
	// Lease keeps other relays off claimed rows [30s]. A relay stops
	// delivering a claim when less than SignalTimeout of it is left.
	Lease time.Duration
	// SignalTimeout bounds each SignalWithStart [5s].
	SignalTimeout time.Duration
	// MinBackoff and MaxBackoff bound the delay after a failed delivery,
	// doubling per attempt [250ms, 10s].
	MinBackoff, MaxBackoff time.Duration
	// Listen, if set, runs for the life of Run and calls wake whenever
	// another process stored messages (see ListenPostgres).
	Listen func(ctx context.Context, wake func()) error
	Log    *slog.Logger
}

func (o *Options) defaults() {
	setDefault(&o.Workers, 16)
	setDefault(&o.PerConversation, 50)
	setDefault(&o.Sweep, time.Second)
	setDefault(&o.Lease, 30*time.Second)
	setDefault(&o.SignalTimeout, 5*time.Second)
	setDefault(&o.MinBackoff, 250*time.Millisecond)
	setDefault(&o.MaxBackoff, 10*time.Second)
	// A lease must fit a few calls, or a claim could never deliver anything.
	o.Lease = max(o.Lease, 2*o.SignalTimeout+leaseMargin)
	if o.Log == nil {
		o.Log = slog.Default()
	}
}

func setDefault[T int | time.Duration](v *T, d T) {
	if *v <= 0 {
		*v = d
	}
}

// Relay delivers the ingest outbox to Temporal. Create it with New, start
// Run once, and call Notify after every ingest that enqueued rows.
type Relay struct {
	store Store
	tc    Temporal
	opts  Options
	log   *slog.Logger
	wake  chan struct{}
}

// New returns a Relay over the store and Temporal client.
func New(store Store, tc Temporal, opts Options) *Relay {
	opts.defaults()
	return &Relay{store: store, tc: tc, opts: opts, log: opts.Log, wake: make(chan struct{}, 1)}
}

// ListenPostgres is an Options.Listen that wakes the relay on NOTIFY
// db.IngestChannel, which every ingest commit sends: a message stored by
// another API process is delivered without waiting for the sweep. It holds
// one connection of its own, outside the pool.
func ListenPostgres(pool *pgxpool.Pool, log *slog.Logger) func(context.Context, func()) error {
	return func(ctx context.Context, wake func()) error {
		return db.Listen(ctx, pool, db.IngestChannel, func(string) { wake() }, log)
	}
}

// Notify wakes the relay; it never blocks. Call it after an ingest commits.
func (r *Relay) Notify() {
	select {
	case r.wake <- struct{}{}:
	default: // a wake-up is already pending; it will see these rows too
	}
}

// Run delivers until ctx ends, then waits for deliveries in flight (which
// hand their untried rows back) and returns nil.
func (r *Relay) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	defer wg.Wait()
	if r.opts.Listen != nil {
		wg.Go(func() {
			if err := r.opts.Listen(ctx, r.Notify); err != nil && ctx.Err() == nil {
				r.log.ErrorContext(ctx, "relay listener stopped; relying on the sweep", "err", err)
			}
		})
	}
	sweep := time.NewTicker(r.opts.Sweep)
	defer sweep.Stop()
	resume := time.NewTimer(0)
	defer resume.Stop()
	results := make(chan outcome, r.opts.Workers) // never blocks a worker
	busy, failures := 0, 0
	var pausedUntil time.Time
	// Every event (a wake-up, the sweep, a finished conversation, which may
	// have rows beyond its claim) is a reason to claim, if a worker is free.
	for {
		if busy < r.opts.Workers && !time.Now().Before(pausedUntil) {
			n, err := r.dispatch(ctx, r.opts.Workers-busy, results, &wg)
			busy += n
			if err != nil && ctx.Err() == nil {
				r.log.ErrorContext(ctx, "relay claim failed", "err", err)
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-r.wake:
		case <-sweep.C:
		case <-resume.C:
		case o := <-results:
			busy--
			switch {
			case o.unavailable && !time.Now().Before(pausedUntil):
				// Temporal is down: stop hammering it; rows wait in the
				// outbox. One step per pause, however many workers failed.
				failures++
				pausedUntil = time.Now().Add(r.backoff(failures))
				resume.Reset(time.Until(pausedUntil))
			case o.delivered > 0:
				failures, pausedUntil = 0, time.Time{}
			}
		}
	}
}

// dispatch claims up to free conversations and starts a worker for each.
func (r *Relay) dispatch(ctx context.Context, free int, results chan<- outcome, wg *sync.WaitGroup) (int, error) {
	claimed := time.Now()
	groups, err := r.store.ClaimOutbox(ctx, db.OutboxClaim{
		Conversations: free, PerConversation: r.opts.PerConversation, Lease: r.opts.Lease,
	})
	if err != nil {
		return 0, err
	}
	for _, g := range groups {
		wg.Go(func() { results <- r.deliver(ctx, claimed, g) })
	}
	return len(groups), nil
}
