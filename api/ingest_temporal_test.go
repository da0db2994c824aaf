package api_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	tlog "go.temporal.io/sdk/log"

	"github.com/wabuilder/wab/api"
	"github.com/wabuilder/wab/api/relay"
	"github.com/wabuilder/wab/api/webhook"
	"github.com/wabuilder/wab/db"
	"github.com/wabuilder/wab/db/dbtest"
	"github.com/wabuilder/wab/deploy/localstack"
	"github.com/wabuilder/wab/workflows"
)

// liveStack is the whole ingest path: the app, a database of its own (the
// relay claims every pending row, so no other test may see them), a real
// Temporal dev server and a running relay. No worker runs: the workflow
// histories show exactly what the relay signalled.
type liveStack struct {
	app      *fiber.App
	pool     *pgxpool.Pool
	store    *db.Store
	acc      db.Account
	temporal *localstack.Temporal
	tc       client.Client
}

func startLive(t *testing.T, opts relay.Options) *liveStack {
	t.Helper()
	ctx := context.Background()
	state := filepath.Join(t.TempDir(), "temporal.db") // survives Kill and Restart
	tmp, err := localstack.StartTemporal(ctx, localstack.TemporalOptions{SearchAttributes: workflows.SearchAttributeTypes, DBFile: state})
	require.NoError(t, err, "the Temporal dev server must start for integration tests (run `make tools`)")
	t.Cleanup(tmp.Kill) // a test server: no need to wait for a graceful stop

	pool, err := pgxpool.New(ctx, dbtest.NewDatabase(ctx, t))
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	require.NoError(t, db.Migrate(ctx, pool))
	s := db.New(pool, dbtest.Box(t))

	tc, err := client.Dial(client.Options{HostPort: tmp.Address(), Namespace: tmp.Namespace(), Logger: tlog.NewStructuredLogger(quiet)})
	require.NoError(t, err)
	t.Cleanup(tc.Close)

	opts.Log, opts.Listen = quiet, relay.ListenPostgres(pool, quiet)
	r := relay.New(s, tc, opts)
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- r.Run(rctx) }()
	t.Cleanup(func() { cancel(); require.NoError(t, <-done) })

	app := api.New(api.Deps{Log: quiet, Database: s, Temporal: s, Accounts: s, Ingest: s, Relay: r})
	return &liveStack{app: app, pool: pool, store: s, acc: dbtest.Account(ctx, t, s, nil), temporal: tmp, tc: tc}
}

// postOK posts a signed webhook made of changes for the stack's number.
func (st *liveStack) postOK(t *testing.T, msgs ...map[string]any) {
	t.Helper()
	body := hookBody(t, change{PhoneNumberID: st.acc.PhoneNumberID, Messages: msgs})
	status, resp := post(t, st.app, body, webhook.Sign(body, testSecret))
	require.Equal(t, 200, status, resp)
}

func (st *liveStack) workflowID(from string) string {
	return workflows.ConversationID(st.acc.PhoneNumberID, from)
}

// signals reads the wamids a workflow was signalled with, in order.
func (st *liveStack) signals(t *testing.T, workflowID string) []string {
	t.Helper()
	it := st.tc.GetWorkflowHistory(context.Background(), workflowID, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	var out []string
	for it.HasNext() {
		ev, err := it.Next()
		var notFound *serviceerror.NotFound
		if errors.As(err, &notFound) {
			return nil
		}
		require.NoError(t, err)
		if ev.GetEventType() != enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED {
			continue
		}
		attrs := ev.GetWorkflowExecutionSignaledEventAttributes()
		require.Equal(t, workflows.SignalInbound, attrs.GetSignalName())
		var msg workflows.InboundMessage
		require.NoError(t, converter.GetDefaultDataConverter().FromPayloads(attrs.GetInput(), &msg))
		out = append(out, msg.WAMID)
	}
	return out
}

// waitSignals waits until the conversation has nothing left in the outbox
// and returns its signals: once its rows are gone no further signal can come.
func (st *liveStack) waitSignals(t *testing.T, workflowID string, want int) []string {
	t.Helper()
	var got []string
	require.Eventually(t, func() bool {
		var pending int
		err := st.pool.QueryRow(context.Background(), `SELECT count(*) FROM ingest_outbox WHERE workflow_id = $1`, workflowID).Scan(&pending)
		if err != nil || pending > 0 {
			return false
		}
		got = st.signals(t, workflowID)
		return len(got) >= want
	}, 30*time.Second, 20*time.Millisecond, "%s got %v, want %d signals", workflowID, got, want)
	return got
}

func (st *liveStack) messages(t *testing.T, workflowID string) int {
	t.Helper()
	var n int
	require.NoError(t, st.pool.QueryRow(context.Background(), `SELECT count(*) FROM messages m
		JOIN conversations c ON c.id = m.conversation_id WHERE c.workflow_id = $1`, workflowID).Scan(&n))
	return n
}

func TestIngestToTemporal(t *testing.T) {
	t.Parallel()
	st := startLive(t, relay.Options{})

	// Meta retries for days: the same POST, in sequence or at once, is one
	// message and one signal.
	t.Run("redelivery signals once", func(t *testing.T) {
		t.Parallel()
		from := "16505550001"
		seq := textMsg(from, "wamid.seq", "once")
		for range 3 {
			st.postOK(t, seq)
		}
		conc := hookBody(t, change{PhoneNumberID: st.acc.PhoneNumberID, Messages: []map[string]any{textMsg(from, "wamid.conc", "twice")}})
		statuses, errs := make([]int, 3), make([]error, 3)
		var wg sync.WaitGroup
		for i := range statuses {
			wg.Go(func() { statuses[i], _, errs[i] = tryPost(st.app, conc, webhook.Sign(conc, testSecret)) })
		}
		wg.Wait()
		require.Equal(t, []error{nil, nil, nil}, errs)
		require.Equal(t, []int{200, 200, 200}, statuses)
		wf := st.workflowID(from)
		require.Equal(t, []string{"wamid.seq", "wamid.conc"}, st.waitSignals(t, wf, 2))
		require.Equal(t, 2, st.messages(t, wf))
	})

	// POSTs mixing conversations: each conversation's signals in order.
	t.Run("interleaved conversations", func(t *testing.T) {
		t.Parallel()
		customers := []string{"16505550101", "16505550102", "16505550103"}
		const each = 4
		for i := range each {
			var msgs []map[string]any
			for c, from := range customers {
				msgs = append(msgs, textMsg(from, fmt.Sprintf("wamid.%d.%d", c, i), "hi"))
			}
			st.postOK(t, msgs...)
		}
		for c, from := range customers {
			want := make([]string, each)
			for i := range each {
				want[i] = fmt.Sprintf("wamid.%d.%d", c, i)
			}
			require.Equal(t, want, st.waitSignals(t, st.workflowID(from), each))
		}
	})
}

// Temporal down during ingest: Meta still gets its 200 once the rows are
// committed, and the relay delivers everything, in order, when it is back,
// without another webhook.
func TestIngest_TemporalDown(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := startLive(t, relay.Options{
		Sweep: 100 * time.Millisecond, SignalTimeout: 2 * time.Second,
		MinBackoff: 50 * time.Millisecond, MaxBackoff: 500 * time.Millisecond,
	})
	alice, bob := "16505550201", "16505550202"
	st.postOK(t, textMsg(alice, "a0", "before"))
	require.Equal(t, []string{"a0"}, st.waitSignals(t, st.workflowID(alice), 1))

	st.temporal.Kill()
	for _, msgs := range [][]map[string]any{
		{textMsg(alice, "a1", "1"), textMsg(bob, "b1", "1")},
		{textMsg(alice, "a2", "2")},
		{textMsg(bob, "b2", "2"), textMsg(alice, "a3", "3")},
	} {
		start := time.Now()
		st.postOK(t, msgs...)
		require.Less(t, time.Since(start), time.Second, "the ack does not wait for Temporal")
	}
	pending, err := st.store.PendingOutbox(ctx)
	require.NoError(t, err)
	require.Equal(t, 5, pending)
	time.Sleep(300 * time.Millisecond) // let the relay fail a few times

	require.NoError(t, st.temporal.Restart(ctx))
	// A call that timed out just as the server came back may have been
	// applied anyway, and its retry repeats the signal (at least once; the
	// workflow drops a wamid it has seen). The order must hold regardless.
	require.Equal(t, []string{"a0", "a1", "a2", "a3"}, firstSeen(st.waitSignals(t, st.workflowID(alice), 4)))
	require.Equal(t, []string{"b1", "b2"}, firstSeen(st.waitSignals(t, st.workflowID(bob), 2)))
}

// firstSeen drops repeats, keeping each wamid where it first arrived.
func firstSeen(wamids []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, w := range wamids {
		if !seen[w] {
			seen[w] = true
			out = append(out, w)
		}
	}
	return out
}
