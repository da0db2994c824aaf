package activities

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/google/uuid"
)

// DefaultSendRate is Config.DefaultSendRate's default: Meta's standard
// throughput per business number, in messages per second.
const DefaultSendRate = 80

// sendAhead is how far ahead a send may book its slot. A booked slot is
// spent whether or not its sender lives to use it, so this bounds what a
// canceled or timed-out activity wastes (a second of the number's
// throughput) and keeps every wait for a booked slot under a second; a
// longer backlog makes senders ask again instead of queueing further out.
const sendAhead = time.Second

// awaitSendSlot returns when the account's number may send one message: the
// send rate per business number (accounts.send_rate_per_second, else
// Config.DefaultSendRate) holds across every worker process, because slots
// are booked in PostgreSQL (see db.Store.ReserveSendSlot). An idle number
// costs one round trip and no wait. It returns early, with ctx's error, when
// ctx ends; the slot it booked is then lost, which only slows the number.
//
// Waits for a booked slot stay under sendAhead. A refused booking waits for
// the backlog to shrink, plus a random part of sendAhead so that refused
// senders do not all ask again at once; that may add up to longer than a
// HeartbeatTimeout, which SendMessages' heartbeats (keepAlive) cover.
func (a *Activities) awaitSendSlot(ctx context.Context, accountID uuid.UUID) error {
	for {
		slot, err := a.store.ReserveSendSlot(ctx, accountID, a.cfg.DefaultSendRate, sendAhead)
		if err != nil {
			return err
		}
		wait := slot.Wait()
		if !slot.Granted {
			wait += rand.N(sendAhead / 2) //nolint:gosec // jitter, not secrecy.
		}
		if wait > 0 {
			if err := sleep(ctx, wait); err != nil {
				return fmt.Errorf("wait to send from account %s: %w", accountID, err)
			}
		}
		if slot.Granted {
			return nil
		}
	}
}

// sleep waits for d, or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
