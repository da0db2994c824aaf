package db_test

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/wabuilder/wab/db"
	"github.com/wabuilder/wab/db/dbtest"
)

// inbound is an IngestMessage from waID to the account, with a fresh ID.
func inbound(acc db.Account, waID, wamid, text string) db.IngestMessage {
	return db.IngestMessage{
		ID: uuid.New(), AccountID: acc.ID, WAID: waID, ProfileName: "Kerry " + waID,
		WorkflowID: "conv/" + acc.PhoneNumberID + "/" + waID, WAMID: wamid, Type: "text",
		Payload: json.RawMessage(`{"text":"` + text + `"}`), Preview: text, Timestamp: now(),
		Outbox: json.RawMessage(`{"wamid":"` + wamid + `"}`),
	}
}

// fresh gives a redelivered message a new ID, as a second POST would.
func fresh(m db.IngestMessage) db.IngestMessage { m.ID = uuid.New(); return m }

func outboxWAMIDs(ctx context.Context, t *testing.T, q pgx.Tx, acc db.Account) []string {
	t.Helper()
	rows, err := q.Query(ctx, `SELECT payload->>'wamid' FROM ingest_outbox WHERE account_id = $1 ORDER BY id`, acc.ID)
	require.NoError(t, err)
	got, err := pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, err)
	return got
}

func TestIngest_StoresEachMessageOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tx := dbtest.Tx(ctx, t)
	s := db.New(tx, dbtest.Box(t))
	acc := dbtest.Account(ctx, t, s, nil)
	alice, bob := dbtest.Unique(), dbtest.Unique()
	batch := db.IngestBatch{Messages: []db.IngestMessage{
		inbound(acc, alice, "wamid.a1", "hello"),
		inbound(acc, bob, "wamid.b1", "hi"),
		inbound(acc, alice, "wamid.a2", "anyone?"),
		inbound(acc, alice, "wamid.a1", "hello"), // Meta repeats itself within one POST too
	}}
	res, err := s.Ingest(ctx, batch)
	require.NoError(t, err)
	require.Len(t, res.Stored, 3)
	require.Equal(t, []string{"wamid.a1", "wamid.b1", "wamid.a2"}, []string{res.Stored[0].WAMID, res.Stored[1].WAMID, res.Stored[2].WAMID})
	require.Equal(t, batch.Messages[0].ID, res.Stored[0].ID, "the caller's ID is the row's")
	require.Equal(t, res.Stored[0].ConversationID, res.Stored[2].ConversationID)
	require.NotEqual(t, res.Stored[0].ConversationID, res.Stored[1].ConversationID)
	require.Equal(t, []string{"wamid.a1", "wamid.b1", "wamid.a2"}, outboxWAMIDs(ctx, t, tx, acc), "outbox in arrival order")

	var preview, wf string
	var unread int
	var inboundAt *time.Time
	require.NoError(t, tx.QueryRow(ctx, `SELECT last_message_preview, unread_count, last_inbound_at, workflow_id
		FROM conversations WHERE id = $1`, res.Stored[0].ConversationID).Scan(&preview, &unread, &inboundAt, &wf))
	require.Equal(t, "anyone?", preview)
	require.Equal(t, 2, unread)
	require.NotNil(t, inboundAt)
	require.Equal(t, "conv/"+acc.PhoneNumberID+"/"+alice, wf)

	var name, status, direction string
	require.NoError(t, tx.QueryRow(ctx, `SELECT c.profile_name, m.status, m.direction FROM messages m
		JOIN conversations v ON v.id = m.conversation_id JOIN contacts c ON c.id = v.contact_id
		WHERE m.id = $1`, res.Stored[1].ID).Scan(&name, &status, &direction))
	require.Equal(t, "Kerry "+bob, name)
	require.Equal(t, "received", status)
	require.Equal(t, "inbound", direction)

	// The same POST again, with fresh IDs: nothing new, nothing enqueued.
	again := db.IngestBatch{Messages: []db.IngestMessage{fresh(batch.Messages[0]), fresh(batch.Messages[1]), fresh(batch.Messages[2])}}
	res, err = s.Ingest(ctx, again)
	require.NoError(t, err)
	require.Empty(t, res.Stored)
	require.Len(t, outboxWAMIDs(ctx, t, tx, acc), 3)
	require.NoError(t, tx.QueryRow(ctx, `SELECT unread_count FROM conversations WHERE workflow_id = $1`, wf).Scan(&unread))
	require.Equal(t, 2, unread)
}

func TestIngest_StatusesOnlyMoveForward(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := dbtest.Store(ctx, t)
	conv := dbtest.Conversation(ctx, t, s, nil)
	m1 := outbound(ctx, t, s, conv, "wamid.out1."+dbtest.Unique())
	m2 := outbound(ctx, t, s, conv, "wamid.out2."+dbtest.Unique())
	st := func(wamid string, status db.MessageStatus, e *db.MessageError) db.StatusUpdate {
		return db.StatusUpdate{AccountID: conv.AccountID, WAMID: wamid, Status: status, Error: e, At: now()}
	}
	undeliverable := &db.MessageError{Code: 131026, Title: "Message undeliverable", Detail: "Message Undeliverable."}

	// Out of order within one POST: read wins over the delivered after it.
	res, err := s.Ingest(ctx, db.IngestBatch{Statuses: []db.StatusUpdate{
		st(m1.WAMID, db.StatusRead, nil), st(m1.WAMID, db.StatusDelivered, nil),
		st(m2.WAMID, db.StatusFailed, undeliverable), st("wamid.unknown", db.StatusRead, nil),
	}})
	require.NoError(t, err)
	require.ElementsMatch(t, []db.AdvancedStatus{
		{MessageID: m1.ID, ConversationID: conv.ID, Status: db.StatusRead},
		{MessageID: m2.ID, ConversationID: conv.ID, Status: db.StatusFailed},
	}, res.Advanced)

	// A late delivered never overwrites read.
	res, err = s.Ingest(ctx, db.IngestBatch{Statuses: []db.StatusUpdate{st(m1.WAMID, db.StatusDelivered, nil)}})
	require.NoError(t, err)
	require.Empty(t, res.Advanced)

	page, err := s.ConversationMessages(ctx, conv.ID, db.Cursor{}, 10)
	require.NoError(t, err)
	byID := map[uuid.UUID]db.Message{}
	for _, m := range page.Items {
		byID[m.ID] = m
	}
	require.Equal(t, db.StatusRead, byID[m1.ID].Status)
	require.Nil(t, byID[m1.ID].Error)
	require.Equal(t, db.StatusFailed, byID[m2.ID].Status)
	require.Equal(t, undeliverable, byID[m2.ID].Error)

	_, err = s.Ingest(ctx, db.IngestBatch{Statuses: []db.StatusUpdate{st(m1.WAMID, "deleted", nil)}})
	require.Error(t, err, "only delivery statuses are stored")
}

// Three identical POSTs at once: the unique wamid decides, nobody deadlocks.
func TestIngest_ConcurrentIdenticalBatches(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := db.New(dbtest.Pool(t), dbtest.Box(t)) // committed: the transactions must really race
	acc := dbtest.Account(ctx, t, s, nil)
	var msgs []db.IngestMessage
	for i := range 5 {
		msgs = append(msgs, inbound(acc, dbtest.Unique(), "wamid.c"+dbtest.Unique(), "m"+string(rune('0'+i))))
	}
	t.Cleanup(func() {
		_, err := dbtest.Pool(t).Exec(context.WithoutCancel(ctx), `DELETE FROM ingest_outbox WHERE account_id = $1`, acc.ID)
		require.NoError(t, err)
	})
	stored, errs := make([]int, 3), make([]error, 3)
	var wg sync.WaitGroup
	for i := range stored {
		wg.Go(func() {
			b := db.IngestBatch{}
			for _, m := range msgs {
				b.Messages = append(b.Messages, fresh(m))
			}
			res, err := s.Ingest(ctx, b)
			stored[i], errs[i] = len(res.Stored), err
		})
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
	require.Equal(t, len(msgs), stored[0]+stored[1]+stored[2])
	var messages, outbox int
	require.NoError(t, dbtest.Pool(t).QueryRow(ctx, `SELECT (SELECT count(*) FROM messages WHERE account_id = $1),
		(SELECT count(*) FROM ingest_outbox WHERE account_id = $1)`, acc.ID).Scan(&messages, &outbox))
	require.Equal(t, len(msgs), messages)
	require.Equal(t, len(msgs), outbox)
}

func TestIngest_RejectsIncompleteMessages(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := dbtest.Store(ctx, t)
	acc := dbtest.Account(ctx, t, s, nil)
	m := inbound(acc, dbtest.Unique(), "", "no wamid")
	_, err := s.Ingest(ctx, db.IngestBatch{Messages: []db.IngestMessage{m}})
	require.ErrorContains(t, err, "WAMID")
}

// pendingOutbound stores an outbound message as a send does before its
// Graph call: pending, under key, without a wamid.
func pendingOutbound(ctx context.Context, t *testing.T, s *db.Store, conv db.Conversation, key string) db.Message {
	t.Helper()
	m, inserted, err := s.InsertMessage(ctx, db.NewMessage{
		AccountID: conv.AccountID, ConversationID: conv.ID, Direction: db.Outbound, IdempotencyKey: key,
		Type: "text", Payload: []byte(`{"body":"hi"}`), Status: db.StatusPending, Sender: "bot",
	})
	require.NoError(t, err)
	require.True(t, inserted)
	return m
}

// A status whose callback data is a pending message's idempotency key gives
// it the wamid (the send died after Meta accepted it), then applies; a wamid
// once stored is never replaced, and unknown keys change nothing.
func TestIngest_CallbackDataFillsPendingSends(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := dbtest.Store(ctx, t)
	conv := dbtest.Conversation(ctx, t, s, nil)
	other := dbtest.Conversation(ctx, t, s, nil) // another account
	key := func(n string) string { return conv.WorkflowID + "/" + n }
	lost := pendingOutbound(ctx, t, s, conv, key("1"))
	lostToo := pendingOutbound(ctx, t, s, conv, key("2"))
	untouched := pendingOutbound(ctx, t, s, conv, key("3"))
	sent := outbound(ctx, t, s, conv, "wamid.kept."+dbtest.Unique())
	failed := pendingOutbound(ctx, t, s, conv, key("4"))
	_, err := s.MarkMessageFailed(ctx, failed.ID, db.MessageError{Code: 131047, Title: "Re-engagement message"}, now())
	require.NoError(t, err)
	foreign := pendingOutbound(ctx, t, s, other, key("1")) // the same key on another account

	at := now()
	st := func(acc uuid.UUID, wamid string, status db.MessageStatus, cb string) db.StatusUpdate {
		return db.StatusUpdate{AccountID: acc, WAMID: wamid, Status: status, At: at, CallbackData: cb}
	}
	w1, w2 := "wamid.lost1."+dbtest.Unique(), "wamid.lost2."+dbtest.Unique()
	res, err := s.Ingest(ctx, db.IngestBatch{Statuses: []db.StatusUpdate{
		st(conv.AccountID, w1, db.StatusSent, key("1")),
		st(conv.AccountID, w2, db.StatusSent, key("2")),
		st(conv.AccountID, w2, db.StatusDelivered, key("2")),
		st(conv.AccountID, "wamid.unknown."+dbtest.Unique(), db.StatusSent, key("no-such-key")),
		st(conv.AccountID, "wamid.other."+dbtest.Unique(), db.StatusSent, sent.IdempotencyKey), // already has a wamid
		st(conv.AccountID, sent.WAMID, db.StatusDelivered, sent.IdempotencyKey),
		st(conv.AccountID, "wamid.late."+dbtest.Unique(), db.StatusSent, failed.IdempotencyKey),
	}})
	require.NoError(t, err)
	require.ElementsMatch(t, []db.FilledMessage{
		{MessageID: lost.ID, ConversationID: conv.ID, WAMID: w1},
		{MessageID: lostToo.ID, ConversationID: conv.ID, WAMID: w2},
	}, res.Filled)
	require.ElementsMatch(t, []db.AdvancedStatus{
		{MessageID: lostToo.ID, ConversationID: conv.ID, Status: db.StatusDelivered},
		{MessageID: sent.ID, ConversationID: conv.ID, Status: db.StatusDelivered},
	}, res.Advanced, "filled messages then move on like any other")

	get := func(m db.Message) db.Message {
		t.Helper()
		got, err := s.Message(ctx, m.ID)
		require.NoError(t, err)
		return got
	}
	require.Equal(t, w1, get(lost).WAMID)
	require.Equal(t, db.StatusSent, get(lost).Status)
	require.True(t, at.Equal(*get(lost).StatusUpdatedAt), "the status time")
	require.Equal(t, w2, get(lostToo).WAMID)
	require.Equal(t, db.StatusDelivered, get(lostToo).Status)
	require.Empty(t, get(untouched).WAMID)
	require.Equal(t, db.StatusPending, get(untouched).Status)
	require.Equal(t, sent.WAMID, get(sent).WAMID, "a stored wamid is never replaced")
	require.Equal(t, db.StatusDelivered, get(sent).Status)
	require.Empty(t, get(failed).WAMID, "a failed send stays as it was recorded")
	require.Equal(t, db.StatusFailed, get(failed).Status)
	require.Empty(t, get(foreign).WAMID, "keys are per account")

	// Redelivered, the statuses change nothing.
	res, err = s.Ingest(ctx, db.IngestBatch{Statuses: []db.StatusUpdate{
		st(conv.AccountID, w1, db.StatusSent, key("1")),
		st(conv.AccountID, "wamid.again."+dbtest.Unique(), db.StatusSent, key("1")), // a second send's webhook
	}})
	require.NoError(t, err)
	require.Empty(t, res.Filled)
	require.Empty(t, res.Advanced)
	require.Equal(t, w1, get(lost).WAMID)

	// A wamid the account stores on another message is never given to a
	// second one (the unique index would fail the whole POST).
	res, err = s.Ingest(ctx, db.IngestBatch{Statuses: []db.StatusUpdate{st(conv.AccountID, w1, db.StatusDelivered, key("3"))}})
	require.NoError(t, err)
	require.Empty(t, res.Filled)
	require.Empty(t, get(untouched).WAMID)
	require.Equal(t, db.StatusDelivered, get(lost).Status)
}
