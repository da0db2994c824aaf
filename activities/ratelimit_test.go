package activities_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/testsuite"

	"github.com/wabuilder/wab/activities"
	"github.com/wabuilder/wab/activities/whatsapp"
	"github.com/wabuilder/wab/activities/whatsapp/sandbox"
	"github.com/wabuilder/wab/db"
	"github.com/wabuilder/wab/db/dbtest"
)

// Two workers, each with its own connection pool as separate processes
// have, send 30 messages from one number limited to 10/s. Bookings must be
// committed to pace each other, so the test has a database of its own.
func TestSendMessages_RateLimitHoldsAcrossWorkers(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := dbtest.NewDatabase(ctx, t)
	var (
		pools  []*pgxpool.Pool
		stores []*db.Store
	)
	for range 2 {
		pool, err := pgxpool.New(ctx, url)
		require.NoError(t, err)
		t.Cleanup(pool.Close)
		pools = append(pools, pool)
		stores = append(stores, db.New(pool, dbtest.Box(t)))
	}
	require.NoError(t, db.Migrate(ctx, pools[0]))

	sb := sandbox.New(sandbox.Options{})
	srv := httptest.NewServer(sb)
	t.Cleanup(func() { srv.Close(); sb.Close() })
	store := stores[0]
	limited := dbtest.Account(ctx, t, store, &dbtest.AccountOpts{APIBaseURL: srv.URL})
	_, err := pools[0].Exec(ctx, "UPDATE accounts SET send_rate_per_second = 10 WHERE id = $1", limited.ID)
	require.NoError(t, err)
	other := dbtest.Account(ctx, t, store, &dbtest.AccountOpts{APIBaseURL: srv.URL}) // 80/s
	input := func(acct db.Account, n int) activities.SendMessagesInput {
		contact := dbtest.Contact(ctx, t, store, &dbtest.ContactOpts{AccountID: acct.ID})
		conv := dbtest.Conversation(ctx, t, store, &dbtest.ConversationOpts{AccountID: acct.ID, ContactID: contact.ID})
		in := activities.SendMessagesInput{AccountID: acct.ID, ConversationID: conv.ID, To: contact.WAID, KeyPrefix: "conv/" + uuid.NewString()}
		for i := range n {
			in.Messages = append(in.Messages, text(fmt.Sprintf("message %d", i)))
		}
		return in
	}
	booked := &bookings{}
	var workers []*activities.Activities
	for _, s := range stores {
		workers = append(workers, activities.New(&recordBookings{Store: s, to: booked}, whatsapp.NewClient(srv.Client()), activities.Config{}))
	}

	var (
		wg   sync.WaitGroup
		errs = make(chan error, 3)
	)
	start := time.Now()
	for _, w := range workers {
		in := input(limited, 15)
		wg.Go(func() { errs <- send(w, in) })
	}
	// Meanwhile another number of the same workers sends at once.
	time.Sleep(300 * time.Millisecond)
	in := input(other, 3)
	otherStart := time.Now()
	require.NoError(t, send(workers[1], in))
	require.Less(t, time.Since(otherStart), 500*time.Millisecond, "another number is not slowed")
	wg.Wait()
	elapsed := time.Since(start)
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}

	slots := booked.of(limited.ID)
	var sends []time.Time
	for _, s := range sb.Sent() {
		if s.PhoneNumberID == limited.PhoneNumberID {
			sends = append(sends, s.Time)
		}
	}
	require.Len(t, slots, 30, "one booking per send")
	require.Len(t, sends, 30)
	byTime := func(a, b time.Time) int { return a.Compare(b) }
	slices.SortFunc(slots, byTime)
	slices.SortFunc(sends, byTime)
	for i := 10; i < len(slots); i++ {
		require.GreaterOrEqual(t, slots[i].Sub(slots[i-10]), time.Second, "slots %d-%d fall within one second", i-10, i)
	}
	// No send goes before its slot: the i-th send is no earlier than the i-th
	// slot. (The database's clock is this host's; allow a little skew.) Sends
	// lag their slots by scheduling delays, so their own spacing is checked
	// only loosely: it varies by tens of milliseconds under -race.
	for i := range sends {
		require.False(t, sends[i].Before(slots[i].Add(-5*time.Millisecond)), "send %d at %v, before its slot %v", i, sends[i], slots[i])
	}
	require.GreaterOrEqual(t, sends[29].Sub(sends[0]), 2800*time.Millisecond)
	require.GreaterOrEqual(t, elapsed, 2*time.Second)
	t.Logf("30 sends at 10/s from 2 workers took %v; first to last %v", elapsed, sends[29].Sub(sends[0]))
}

// bookings collects the granted send slots of every worker, by account.
type bookings struct {
	mu    sync.Mutex
	slots map[uuid.UUID][]time.Time
}

func (b *bookings) add(acct uuid.UUID, at time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.slots == nil {
		b.slots = map[uuid.UUID][]time.Time{}
	}
	b.slots[acct] = append(b.slots[acct], at)
}

func (b *bookings) of(acct uuid.UUID) []time.Time {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.slots[acct])
}

// recordBookings is a worker's store that notes the slots it is granted.
type recordBookings struct {
	activities.Store
	to *bookings
}

func (r *recordBookings) ReserveSendSlot(ctx context.Context, acct uuid.UUID, rate int, ahead time.Duration) (db.SendSlot, error) {
	s, err := r.Store.ReserveSendSlot(ctx, acct, rate, ahead)
	if err == nil && s.Granted {
		r.to.add(acct, s.At)
	}
	return s, err
}

// send runs SendMessages once in its own test activity environment; it is
// safe to call from several goroutines.
func send(acts *activities.Activities, in activities.SendMessagesInput) error {
	var ts testsuite.WorkflowTestSuite
	env := ts.NewTestActivityEnvironment()
	env.RegisterActivity(acts)
	_, err := env.ExecuteActivity(acts.SendMessages, in)
	return err
}
