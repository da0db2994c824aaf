package activities_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/wabuilder/wab/activities"
	"github.com/wabuilder/wab/activities/whatsapp"
	"github.com/wabuilder/wab/activities/whatsapp/sandbox"
	"github.com/wabuilder/wab/api/webhook"
	"github.com/wabuilder/wab/db"
	"github.com/wabuilder/wab/db/dbtest"
)

// The Graph API took a message but its answer never reached the activity
// (the worker that sent it died, or the connection did). These tests play
// it with the sandbox's accept_then_* failures and Temporal's retry as a
// second execution; the sandbox's status webhooks are ingested as the API
// does, into a committed database the activity polls concurrently.

// shortSends gives every Graph call a short deadline: a hung call fails
// soon, as the activity's own timeout would make it.
type shortSends struct {
	*whatsapp.Client
	timeout time.Duration
}

func (c shortSends) Send(ctx context.Context, acct whatsapp.Account, m whatsapp.OutboundMessage) (whatsapp.SendResult, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	return c.Client.Send(ctx, acct, m)
}

// newUnansweredSetup is a send setup over a committed database whose
// sandbox posts status webhooks, after statusDelay, to an endpoint that
// ingests them like the API: with their callback data.
func newUnansweredSetup(ctx context.Context, t *testing.T, statusDelay time.Duration) sendSetup {
	t.Helper()
	store := db.New(dbtest.Pool(t), dbtest.Box(t))
	var acct db.Account
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		batch, err := webhook.Parse(body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		var b db.IngestBatch
		for _, st := range batch.Statuses {
			b.Statuses = append(b.Statuses, db.StatusUpdate{
				AccountID: acct.ID, WAMID: st.WAMID, Status: db.MessageStatus(st.Status), At: st.Timestamp,
				CallbackData: st.BizOpaqueCallbackData,
			})
		}
		if _, err := store.Ingest(r.Context(), b); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
		}
	}))
	t.Cleanup(hook.Close)
	sb := sandbox.New(sandbox.Options{AppSecret: "unanswered", WebhookURL: hook.URL, StatusDelay: statusDelay})
	srv := httptest.NewServer(sb)
	t.Cleanup(func() {
		srv.Close()
		sb.Close()
	})
	acct = dbtest.Account(ctx, t, store, &dbtest.AccountOpts{APIBaseURL: srv.URL})
	contact := dbtest.Contact(ctx, t, store, &dbtest.ContactOpts{AccountID: acct.ID})
	conv := dbtest.Conversation(ctx, t, store, &dbtest.ConversationOpts{AccountID: acct.ID, ContactID: contact.ID})
	acts := activities.New(store, shortSends{whatsapp.NewClient(srv.Client()), 300 * time.Millisecond}, activities.Config{})
	return sendSetup{store: store, sandbox: sb, acct: acct, conv: conv, to: contact.WAID, acts: acts}
}

// The retry finds the message pending with no wamid; Meta's "sent" webhook
// arrives while it waits and names the message by its callback data: the
// retry takes that wamid and does not send the message again.
func TestSendMessages_AcceptedUnanswered_NotSentAgain(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newUnansweredSetup(ctx, t, 700*time.Millisecond) // later than the retry starts
	in := s.input(text("Merhaba!"), text("Nasılsınız?"))
	s.sandbox.FailNext(1, sandbox.FailAcceptThenHang)

	_, err := execute(t, s.acts, s.acts.SendMessages, in)
	require.Equal(t, whatsapp.ErrKindNetwork, appError(t, err).Type(), "the first attempt never got Meta's answer")
	key := in.KeyPrefix + "/7"
	row, err := s.store.MessageByIdempotencyKey(ctx, s.acct.ID, key)
	require.NoError(t, err)
	require.Equal(t, db.StatusPending, row.Status)
	require.Empty(t, row.WAMID, "the wamid was never stored")
	accepted := s.sandbox.Sent()
	require.Len(t, accepted, 1, "but Meta has the message")
	require.Equal(t, key, accepted[0].Message.CallbackData)

	start := time.Now()
	res, err := execute(t, s.acts, s.acts.SendMessages, in) // Temporal's retry
	require.NoError(t, err)
	require.Less(t, time.Since(start), 5*time.Second, "it waited for the webhook, not the whole grace")

	sent := s.sandbox.Sent()
	require.Len(t, sent, 2, "each message accepted once")
	require.Equal(t, "Merhaba!", sent[0].Message.Text.Body)
	require.Equal(t, "Nasılsınız?", sent[1].Message.Text.Body)
	require.Len(t, s.messageSends(), 2, "the retry made no second Graph call for the first message")
	require.Len(t, res.Sent, 2)
	require.Equal(t, accepted[0].WAMID, res.Sent[0].WAMID, "the wamid Meta gave the first attempt")
	require.Equal(t, row.ID, res.Sent[0].MessageID)

	row, err = s.store.MessageByIdempotencyKey(ctx, s.acct.ID, key)
	require.NoError(t, err)
	require.Equal(t, accepted[0].WAMID, row.WAMID)
	require.Contains(t, []db.MessageStatus{db.StatusSent, db.StatusDelivered}, row.Status)

	conv, err := s.store.UpsertConversation(ctx, db.ConversationInput{AccountID: s.acct.ID, ContactID: s.conv.ContactID, WorkflowID: s.conv.WorkflowID})
	require.NoError(t, err)
	require.Equal(t, "Nasılsınız?", conv.LastMessagePreview)
}

// Same, with the connection dropped at once and the webhook in before the
// retry: the retry finds the wamid stored and does not wait at all.
func TestSendMessages_AcceptedDropped_WebhookFirst(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newUnansweredSetup(ctx, t, time.Millisecond)
	in := s.input(text("Merhaba!"))
	s.sandbox.FailNext(1, sandbox.FailAcceptThenDrop)

	_, err := execute(t, s.acts, s.acts.SendMessages, in)
	require.Equal(t, whatsapp.ErrKindNetwork, appError(t, err).Type())
	accepted := s.sandbox.Sent()
	require.Len(t, accepted, 1)
	key := in.KeyPrefix + "/7"
	require.Eventually(t, func() bool {
		row, err := s.store.MessageByIdempotencyKey(ctx, s.acct.ID, key)
		return err == nil && row.WAMID == accepted[0].WAMID
	}, 5*time.Second, 10*time.Millisecond, "the status webhook gave the pending message its wamid")

	start := time.Now()
	res, err := execute(t, s.acts, s.acts.SendMessages, in)
	require.NoError(t, err)
	require.Less(t, time.Since(start), time.Second)
	require.Equal(t, accepted[0].WAMID, res.Sent[0].WAMID)
	require.Len(t, s.sandbox.Sent(), 1)
	require.Len(t, s.messageSends(), 1)
}

// Meta never took the message (the call hung unanswered): no webhook names
// it, so the retry sends it once the grace is over, and only then.
func TestSendMessages_NeverAccepted_SentAfterGrace(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newUnansweredSetup(ctx, t, time.Millisecond)
	const grace = 1500 * time.Millisecond
	activities.SetPendingGrace(s.acts, grace)
	in := s.input(text("Merhaba!"))
	s.sandbox.FailNext(1, sandbox.FailHang)

	_, err := execute(t, s.acts, s.acts.SendMessages, in)
	require.Equal(t, whatsapp.ErrKindNetwork, appError(t, err).Type())
	require.Empty(t, s.sandbox.Sent())
	row, err := s.store.MessageByIdempotencyKey(ctx, s.acct.ID, in.KeyPrefix+"/7")
	require.NoError(t, err)

	res, err := execute(t, s.acts, s.acts.SendMessages, in)
	require.NoError(t, err)
	require.GreaterOrEqual(t, time.Since(row.CreatedAt), grace-50*time.Millisecond, "it waited out the grace first") // DB and test share the clock
	sent := s.sandbox.Sent()
	require.Len(t, sent, 1)
	require.Equal(t, sent[0].WAMID, res.Sent[0].WAMID)

	// A row older than the grace is sent again at once.
	in = s.input(text("Tekrar"))
	s.sandbox.FailNext(1, sandbox.FailHang)
	_, err = execute(t, s.acts, s.acts.SendMessages, in)
	require.Error(t, err)
	time.Sleep(grace)
	start := time.Now()
	_, err = execute(t, s.acts, s.acts.SendMessages, in)
	require.NoError(t, err)
	require.Less(t, time.Since(start), grace/2)
	require.Len(t, s.sandbox.Sent(), 2)
}
