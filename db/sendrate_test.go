package db_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/wabuilder/wab/db"
	"github.com/wabuilder/wab/db/dbtest"
)

// sharedStore is a Store over the committed test database, as a worker has:
// bookings must be seen by every connection at once. Tests use fresh account
// ids, which no other test touches, and delete their rows at the end.
func sharedStore(t *testing.T, pool *pgxpool.Pool, ids ...uuid.UUID) *db.Store {
	t.Helper()
	t.Cleanup(func() {
		_, err := pool.Exec(context.Background(), "DELETE FROM send_rate_slots WHERE account_id = ANY($1)", ids)
		require.NoError(t, err)
	})
	return db.New(pool, nil)
}

func TestReserveSendSlot_SpacesSlotsAcrossProcesses(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	// No such account: paced at the default rate. A second pool is a second
	// worker process.
	acct := uuid.New()
	other, err := pgxpool.New(ctx, dbtest.URL(t))
	require.NoError(t, err)
	t.Cleanup(other.Close)
	workers := []*db.Store{sharedStore(t, dbtest.Pool(t), acct), db.New(other, nil)}

	const perWorker, rate = 15, 10
	var (
		mu    sync.Mutex
		slots []time.Time
		wg    sync.WaitGroup
	)
	start := time.Now()
	for _, w := range workers {
		wg.Go(func() {
			for range perWorker {
				s, err := w.ReserveSendSlot(ctx, acct, rate, 10*time.Second)
				if !assertNoError(t, err) || !s.Granted {
					t.Errorf("booking refused: %+v", s)
					return
				}
				mu.Lock()
				slots = append(slots, s.At)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	require.Less(t, time.Since(start), time.Second, "booking does not wait; the caller does")
	require.Len(t, slots, 2*perWorker)
	slices.SortFunc(slots, func(a, b time.Time) int { return a.Compare(b) })
	for i := 1; i < len(slots); i++ {
		require.Equal(t, 100*time.Millisecond, slots[i].Sub(slots[i-1]), "slot %d", i)
	}
	// Evenly spaced, so any one-second window [t, t+1s) holds at most 10.
	for i := rate; i < len(slots); i++ {
		require.GreaterOrEqual(t, slots[i].Sub(slots[i-rate]), time.Second)
	}
}

func assertNoError(t *testing.T, err error) bool {
	t.Helper()
	if err != nil {
		t.Error(err)
		return false
	}
	return true
}

func TestReserveSendSlot_RefusesBeyondAhead(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	acct := uuid.New()
	s := sharedStore(t, dbtest.Pool(t), acct)
	// One send a second and 2.5 s ahead: the test tolerates half a second of
	// scheduling delay between its calls on a loaded machine.
	const ahead = 2500 * time.Millisecond

	first, err := s.ReserveSendSlot(ctx, acct, 1, ahead)
	require.NoError(t, err)
	require.True(t, first.Granted)
	require.Zero(t, first.Wait(), "an idle number sends at once")
	for i := 1; i <= 2; i++ {
		slot, err := s.ReserveSendSlot(ctx, acct, 1, ahead)
		require.NoError(t, err)
		require.True(t, slot.Granted)
		require.Equal(t, first.At.Add(time.Duration(i)*time.Second), slot.At)
	}
	refused, err := s.ReserveSendSlot(ctx, acct, 1, ahead)
	require.NoError(t, err)
	require.False(t, refused.Granted, "the next slot is 3s ahead, beyond 2.5s")
	require.Equal(t, first.At.Add(500*time.Millisecond), refused.At, "when the next slot is 2.5s ahead")
	require.Positive(t, refused.Wait())

	time.Sleep(refused.Wait())
	later, err := s.ReserveSendSlot(ctx, acct, 1, ahead)
	require.NoError(t, err)
	require.True(t, later.Granted)
	require.Equal(t, first.At.Add(3*time.Second), later.At, "a refusal books nothing")
}

func TestReserveSendSlot_UsesTheAccountsRate(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tx := dbtest.Tx(ctx, t) // one connection: the booking's row lock is no bother
	s := db.New(tx, dbtest.Box(t))
	acct := dbtest.Account(ctx, t, s, nil)
	require.Equal(t, 80, acct.SendRatePerSecond, "Meta's default throughput")
	_, err := tx.Exec(ctx, "UPDATE accounts SET send_rate_per_second = 3 WHERE id = $1", acct.ID)
	require.NoError(t, err)

	a, err := s.ReserveSendSlot(ctx, acct.ID, 1000, time.Minute)
	require.NoError(t, err)
	b, err := s.ReserveSendSlot(ctx, acct.ID, 1000, time.Minute)
	require.NoError(t, err)
	require.Equal(t, 333334*time.Microsecond, b.At.Sub(a.At), "1/3 s, rounded up to a microsecond")
	require.InDelta(t, 333334*time.Microsecond, b.Wait(), float64(50*time.Millisecond))
}

func TestReserveSendSlot_AccountsAreIndependent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	busy, idle := uuid.New(), uuid.New()
	s := sharedStore(t, dbtest.Pool(t), busy, idle)
	for range 5 {
		_, err := s.ReserveSendSlot(ctx, busy, 2, 10*time.Second)
		require.NoError(t, err)
	}
	slot, err := s.ReserveSendSlot(ctx, idle, 2, 10*time.Second)
	require.NoError(t, err)
	require.True(t, slot.Granted)
	require.Zero(t, slot.Wait(), "another number's backlog does not slow this one")
}

func TestReserveSendSlot_RejectsBadArguments(t *testing.T) {
	t.Parallel()
	s := db.New(dbtest.Pool(t), nil)
	_, err := s.ReserveSendSlot(context.Background(), uuid.New(), 0, time.Second)
	require.Error(t, err)
}
