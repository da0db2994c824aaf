package db_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/wabuilder/wab/db"
	"github.com/wabuilder/wab/db/dbtest"
)

// claimMine claims and keeps only the account's conversations: rows other
// tests committed are visible too.
func claimMine(ctx context.Context, t *testing.T, s *db.Store, acc db.Account) map[string][]string {
	t.Helper()
	groups, err := s.ClaimOutbox(ctx, db.OutboxClaim{Conversations: 1000, PerConversation: 2, Lease: time.Minute})
	require.NoError(t, err)
	out := map[string][]string{}
	for _, g := range groups {
		for _, it := range g {
			require.Equal(t, g[0].WorkflowID, it.WorkflowID)
			if it.AccountID == acc.ID {
				out[it.WorkflowID] = append(out[it.WorkflowID], string(it.Payload))
			}
		}
	}
	return out
}

func outboxIDs(ctx context.Context, t *testing.T, tx pgx.Tx, acc db.Account) map[string]int64 {
	t.Helper()
	rows, err := tx.Query(ctx, `SELECT payload->>'wamid', id FROM ingest_outbox WHERE account_id = $1`, acc.ID)
	require.NoError(t, err)
	ids := map[string]int64{}
	for rows.Next() {
		var w string
		var id int64
		require.NoError(t, rows.Scan(&w, &id))
		ids[w] = id
	}
	require.NoError(t, rows.Err())
	return ids
}

func TestOutbox_ClaimsConversationsInOrder(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tx := dbtest.Tx(ctx, t)
	s := db.New(tx, dbtest.Box(t))
	acc := dbtest.Account(ctx, t, s, nil)
	a, b := dbtest.Unique(), dbtest.Unique()
	msgs := []db.IngestMessage{
		inbound(acc, a, "a1", "1"), inbound(acc, b, "b1", "1"), inbound(acc, a, "a2", "2"), inbound(acc, a, "a3", "3"),
	}
	_, err := s.Ingest(ctx, db.IngestBatch{Messages: msgs})
	require.NoError(t, err)
	wfA, wfB := msgs[0].WorkflowID, msgs[1].WorkflowID
	ids := outboxIDs(ctx, t, tx, acc)

	// One claim per conversation, oldest first, capped per conversation.
	require.Equal(t, map[string][]string{
		wfA: {`{"wamid": "a1"}`, `{"wamid": "a2"}`},
		wfB: {`{"wamid": "b1"}`},
	}, claimMine(ctx, t, s, acc))
	require.Empty(t, claimMine(ctx, t, s, acc), "leased conversations are nobody else's")

	// a1 reached its workflow, a2 failed: a3 must wait behind a2.
	require.NoError(t, s.SettleOutbox(ctx, db.OutboxSettlement{
		Delivered: []int64{ids["a1"]}, Failed: ids["a2"], Error: "temporal unavailable", RetryAfter: time.Hour,
	}))
	// b1 was handed back untried: claimable at once.
	require.NoError(t, s.SettleOutbox(ctx, db.OutboxSettlement{Released: []int64{ids["b1"]}}))
	require.Equal(t, map[string][]string{wfB: {`{"wamid": "b1"}`}}, claimMine(ctx, t, s, acc))

	var attempts int
	var lastErr string
	require.NoError(t, tx.QueryRow(ctx, `SELECT attempts, last_error FROM ingest_outbox WHERE id = $1`, ids["a2"]).
		Scan(&attempts, &lastErr))
	require.Equal(t, 1, attempts)
	require.Equal(t, "temporal unavailable", lastErr)

	// Once a2 is due again, the conversation resumes from it.
	_, err = tx.Exec(ctx, `UPDATE ingest_outbox SET next_attempt_at = now() WHERE id = $1`, ids["a2"])
	require.NoError(t, err)
	require.Equal(t, map[string][]string{wfA: {`{"wamid": "a2"}`, `{"wamid": "a3"}`}}, claimMine(ctx, t, s, acc))

	require.NoError(t, s.SettleOutbox(ctx, db.OutboxSettlement{Delivered: []int64{ids["a2"], ids["a3"], ids["b1"]}}))
	require.Empty(t, outboxIDs(ctx, t, tx, acc), "delivered rows are deleted")
}

func TestOutbox_ClaimValidatesLimits(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, err := dbtest.Store(ctx, t).ClaimOutbox(ctx, db.OutboxClaim{})
	require.Error(t, err)
}
