package activities

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/wabuilder/wab/db"
	"github.com/wabuilder/wab/db/dbtest"
)

// limiterSetup is the activities over the committed test database, as a
// worker has them, with no WhatsApp client: only awaitSendSlot is called.
// The account ids are fresh (no account: paced at rate), and their bookings
// are deleted at the end.
func limiterSetup(t *testing.T, rate int, ids ...uuid.UUID) *Activities {
	t.Helper()
	pool := dbtest.Pool(t)
	t.Cleanup(func() {
		_, err := pool.Exec(context.Background(), "DELETE FROM send_rate_slots WHERE account_id = ANY($1)", ids)
		require.NoError(t, err)
	})
	return New(db.New(pool, nil), nil, Config{DefaultSendRate: rate})
}

func TestAwaitSendSlot_CancelEndsTheWait(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	acct := uuid.New()
	a := limiterSetup(t, 1, acct) // one send a second

	start := time.Now()
	require.NoError(t, a.awaitSendSlot(ctx, acct))
	require.Less(t, time.Since(start), 200*time.Millisecond, "an idle number sends at once")

	// The second slot is booked a second ahead; the third is refused (beyond
	// sendAhead) and waits to ask again. Either wait ends with ctx.
	for _, what := range []string{"booked", "refused"} {
		cctx, cancel := context.WithCancel(ctx)
		time.AfterFunc(50*time.Millisecond, cancel)
		start := time.Now()
		err := a.awaitSendSlot(cctx, acct)
		require.ErrorIs(t, err, context.Canceled, what)
		require.Less(t, time.Since(start), 300*time.Millisecond, "%s: the wait ends when ctx does", what)
		cancel()
	}
}

func TestAwaitSendSlot_AccountsAreIndependent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	busy, idle := uuid.New(), uuid.New()
	a := limiterSetup(t, 2, busy, idle)
	for range 3 { // books the next second of the busy number
		_, err := a.store.ReserveSendSlot(ctx, busy, 2, sendAhead)
		require.NoError(t, err)
	}

	start := time.Now()
	require.NoError(t, a.awaitSendSlot(ctx, idle))
	require.Less(t, time.Since(start), 200*time.Millisecond, "another number's backlog does not slow this one")

	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	require.ErrorIs(t, a.awaitSendSlot(short, busy), context.DeadlineExceeded, "the busy number waits")
}
