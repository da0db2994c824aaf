package db

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"

	"github.com/wabuilder/wab/db/dbgen"
)

// SendSlot answers ReserveSendSlot. Its times are the database's clock, the
// one clock every worker shares; use Wait, which needs no other clock.
type SendSlot struct {
	// Granted: a slot was booked, and the message may go at At. Otherwise
	// the number's backlog is full and At is when booking may succeed.
	Granted bool
	At      time.Time
	// Now is the database's clock when it answered.
	Now time.Time
}

// Wait is how long to wait from the answer to At (zero when At has passed).
func (s SendSlot) Wait() time.Duration { return max(s.At.Sub(s.Now), 0) }

// ReserveSendSlot books the next send slot of the account's number. Slots are
// spaced 1/rate apart across every process that shares the database, rate
// being the account's send_rate_per_second (defaultRate if there is no such
// account), so no one-second window holds more than rate slots. A slot is
// booked only if it is at most ahead away; otherwise the answer is not
// granted and says when to ask again.
//
// It is one statement and one round trip. Run it outside any transaction (on
// a pool-backed Store): inside one, the booking would stay locked, and
// invisible to other workers, until the transaction ends.
func (s *Store) ReserveSendSlot(ctx context.Context, accountID uuid.UUID, defaultRate int, ahead time.Duration) (SendSlot, error) {
	if defaultRate <= 0 || ahead < 0 {
		return SendSlot{}, errors.New("reserve send slot: defaultRate must be positive and ahead not negative")
	}
	row, err := s.q.ReserveSendSlot(ctx, dbgen.ReserveSendSlotParams{
		AccountID:   accountID,
		DefaultRate: int32(min(defaultRate, 1_000_000)), //nolint:gosec // capped above; a µs is the finest step.
		AheadUs:     ahead.Microseconds(),
	})
	if err != nil {
		return SendSlot{}, wrap(err, "reserve send slot of account %s", accountID)
	}
	return SendSlot{Granted: row.Granted, At: row.At, Now: row.Now}, nil
}
