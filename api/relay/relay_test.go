package relay_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/wabuilder/wab/api/relay"
	"github.com/wabuilder/wab/db"
	"github.com/wabuilder/wab/db/dbtest"
	"github.com/wabuilder/wab/workflows"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

var quiet = slog.New(slog.DiscardHandler)

// fakeTemporal records signals; fail, if set, decides per call whether it fails.
type fakeTemporal struct {
	mu      sync.Mutex
	signals map[string][]string // workflow id → wamids in arrival order
	inputs  map[string]workflows.ConversationInput
	delay   time.Duration
	fail    func(workflowID, wamid string) error
}

func newFake() *fakeTemporal {
	return &fakeTemporal{signals: map[string][]string{}, inputs: map[string]workflows.ConversationInput{}}
}

func (f *fakeTemporal) SignalWithStartWorkflow(ctx context.Context, workflowID, signalName string, signalArg any,
	opts client.StartWorkflowOptions, wf any, args ...any,
) (client.WorkflowRun, error) {
	msg := signalArg.(workflows.InboundMessage)
	if signalName != workflows.SignalInbound || wf != workflows.ConversationWorkflow || opts.ID != workflowID ||
		opts.TaskQueue != workflows.TaskQueue {
		return nil, errors.New("fake: unexpected call")
	}
	if f.delay > 0 {
		select {
		case <-time.After(f.delay):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		if err := f.fail(workflowID, msg.WAMID); err != nil {
			return nil, err
		}
	}
	f.signals[workflowID] = append(f.signals[workflowID], msg.WAMID)
	f.inputs[workflowID] = args[0].(workflows.ConversationInput)
	return nil, nil
}

func (f *fakeTemporal) got(workflowID string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.signals[workflowID]...)
}

// committedStore is a store over a database of the test's own: relays claim
// every pending row, so tests must not see each other's.
func committedStore(t *testing.T) *db.Store {
	t.Helper()
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, dbtest.NewDatabase(ctx, t))
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	require.NoError(t, db.Migrate(ctx, pool))
	return db.New(pool, dbtest.Box(t))
}

// enqueue stores messages as the webhook would: conversation c of the
// account gets wamids "<c>-<i>", posted interleaved across conversations.
func enqueue(ctx context.Context, t *testing.T, s *db.Store, acc db.Account, conversations, each int) []string {
	t.Helper()
	var workflowIDs []string
	var batch db.IngestBatch
	for i := range each {
		for c := range conversations {
			waID := fmt.Sprintf("1650555%04d", c)
			wf := workflows.ConversationID(acc.PhoneNumberID, waID)
			if i == 0 {
				workflowIDs = append(workflowIDs, wf)
			}
			wamid := fmt.Sprintf("%d-%d", c, i)
			id := uuid.New()
			payload, err := json.Marshal(relay.Payload{
				Input:   workflows.ConversationInput{PhoneNumberID: acc.PhoneNumberID, WAID: waID},
				Message: workflows.InboundMessage{MessageID: id, WAMID: wamid, Timestamp: time.Now()},
			})
			require.NoError(t, err)
			batch.Messages = append(batch.Messages, db.IngestMessage{
				ID: id, AccountID: acc.ID, WAID: waID, WorkflowID: wf, WAMID: wamid, Type: "text",
				Timestamp: time.Now(), Outbox: payload,
			})
		}
	}
	// Several POSTs, so that conversations' rows interleave in the outbox.
	for len(batch.Messages) > 0 {
		n := min(len(batch.Messages), 3)
		_, err := s.Ingest(ctx, db.IngestBatch{Messages: batch.Messages[:n]})
		require.NoError(t, err)
		batch.Messages = batch.Messages[n:]
	}
	return workflowIDs
}

func wantOrder(c, each int) []string {
	out := make([]string, each)
	for i := range each {
		out[i] = fmt.Sprintf("%d-%d", c, i)
	}
	return out
}

// run starts a relay until the test ends.
func run(t *testing.T, r *relay.Relay) context.CancelFunc {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			require.NoError(t, <-done)
		})
	}
	t.Cleanup(stop)
	return stop
}

func waitPending(t *testing.T, s *db.Store, want int) {
	t.Helper()
	var n int
	var err error
	require.Eventually(t, func() bool {
		n, err = s.PendingOutbox(context.Background())
		return err == nil && n == want
	}, 15*time.Second, 10*time.Millisecond, "pending outbox rows: %d (%v), want %d", n, err, want)
}

// Two relays (two API processes) share the outbox: every message reaches
// its workflow exactly once, each conversation in order.
func TestRelay_TwoRelaysDeliverInOrderOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := committedStore(t)
	acc := dbtest.Account(ctx, t, s, nil)
	fake := newFake()
	fake.delay = time.Millisecond
	opts := relay.Options{Workers: 4, PerConversation: 3, Sweep: 50 * time.Millisecond, Log: quiet}
	r1, r2 := relay.New(s, fake, opts), relay.New(s, fake, opts)
	run(t, r1)
	run(t, r2)

	const conversations, each = 8, 10
	wfs := enqueue(ctx, t, s, acc, conversations, each)
	r1.Notify()
	r2.Notify()
	waitPending(t, s, 0)
	for c, wf := range wfs {
		require.Equal(t, wantOrder(c, each), fake.got(wf), wf)
	}
	in := fake.inputs[wfs[0]]
	require.Equal(t, acc.ID, in.AccountID)
	require.NotEqual(t, uuid.Nil, in.ConversationID, "the relay fills the conversation id")
	require.Equal(t, acc.PhoneNumberID, in.PhoneNumberID)
}

// A conversation whose delivery fails waits (in order) while the others
// go on; it is retried without any new webhook.
func TestRelay_FailureHoldsOnlyItsConversation(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := committedStore(t)
	acc := dbtest.Account(ctx, t, s, nil)
	fake := newFake()
	failures := 0
	fake.fail = func(_, wamid string) error {
		if wamid == "0-1" && failures < 3 {
			failures++
			return errors.New("workflow task queue is full")
		}
		return nil
	}
	r := relay.New(s, fake, relay.Options{Sweep: 20 * time.Millisecond, MinBackoff: 20 * time.Millisecond, Log: quiet})
	wfs := enqueue(ctx, t, s, acc, 2, 4)
	run(t, r)
	require.Eventually(t, func() bool { return len(fake.got(wfs[1])) == 4 }, 10*time.Second, 5*time.Millisecond)
	waitPending(t, s, 0)
	require.Equal(t, wantOrder(0, 4), fake.got(wfs[0]))
	require.Equal(t, wantOrder(1, 4), fake.got(wfs[1]))
	fake.mu.Lock()
	defer fake.mu.Unlock()
	require.Equal(t, 3, failures)
}

// Temporal unreachable: rows stay pending, and are delivered in order once
// it answers again.
func TestRelay_TemporalUnavailable(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := committedStore(t)
	acc := dbtest.Account(ctx, t, s, nil)
	fake := newFake()
	var mu sync.Mutex
	down := true
	fake.fail = func(string, string) error {
		mu.Lock()
		defer mu.Unlock()
		if down {
			return serviceerror.NewUnavailable("connection refused")
		}
		return nil
	}
	r := relay.New(s, fake, relay.Options{Sweep: 20 * time.Millisecond, MinBackoff: 10 * time.Millisecond, MaxBackoff: 100 * time.Millisecond, Log: quiet})
	wfs := enqueue(ctx, t, s, acc, 3, 3)
	run(t, r)
	time.Sleep(200 * time.Millisecond)
	n, err := s.PendingOutbox(ctx)
	require.NoError(t, err)
	require.Equal(t, 9, n)

	mu.Lock()
	down = false
	mu.Unlock()
	waitPending(t, s, 0)
	for c, wf := range wfs {
		require.Equal(t, wantOrder(c, 3), fake.got(wf))
	}
}

// Stopping the relay mid-delivery hands the rows back at once instead of
// leaving them leased.
func TestRelay_ShutdownReleasesClaims(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := committedStore(t)
	acc := dbtest.Account(ctx, t, s, nil)
	fake := newFake()
	fake.delay = time.Hour // never answers
	enqueue(ctx, t, s, acc, 2, 2)
	stop := run(t, relay.New(s, fake, relay.Options{SignalTimeout: time.Hour, Log: quiet}))
	time.Sleep(100 * time.Millisecond)
	stop()

	groups, err := s.ClaimOutbox(ctx, db.OutboxClaim{Conversations: 10, PerConversation: 10, Lease: time.Minute})
	require.NoError(t, err)
	require.Len(t, groups, 2, "both conversations are claimable again")
	for _, g := range groups {
		require.Len(t, g, 2)
		require.Zero(t, g[0].Attempts, "a shutdown is not a failed attempt")
	}
}
