package main

import (
	"bytes"
	"context"
	"net/http"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/wabuilder/wab/activities/whatsapp/sandbox"
	"github.com/wabuilder/wab/db"
	"github.com/wabuilder/wab/deploy/localstack"
	"github.com/wabuilder/wab/workflows"
)

var sampleReplies = []string{
	"Merhaba! WhatsApp Builder Destek Hattına hoşgeldiniz. Size nasıl yardımcı olabilirim?",
	"Lütfen aşağıdaki seçeneklerden birini seçin: [Teknik Destek|Fiyat Bilgisi|Hakkimizda]",
}

// TestE2E_Failures shares one stack between the failure scenarios that do
// not take it down.
func TestE2E_Failures(t *testing.T) {
	t.Parallel()
	g := startGolden(t)

	// Meta redelivers: the same POST three times in sequence and three times
	// at once is one message and one reply.
	t.Run("redelivery", func(t *testing.T) {
		t.Parallel()
		c := g.customer(t, g.bot(t, "sample-chatbot.json"))
		body, sig := g.sandbox.BuildInbound(c.pnid, "15550000000", c.waID, "Golden Customer",
			sandbox.InboundSpec{Type: sandbox.InboundText, Text: "Merhaba"})
		for range 3 {
			c.post(body, sig)
		}
		c.gets(sampleReplies...)
		c.hearsNothing()

		tap, tapSig := g.sandbox.BuildInbound(c.pnid, "15550000000", c.waID, "Golden Customer",
			sandbox.InboundSpec{Type: sandbox.InboundButtonReply, ID: "btn_info", Title: "Hakkimizda"})
		statuses := make([]int, 3)
		var wg sync.WaitGroup
		for i := range statuses {
			wg.Go(func() { statuses[i] = postWebhook(g.app.base, tap, tapSig) })
		}
		wg.Wait()
		require.Equal(t, []int{200, 200, 200}, statuses)
		c.gets("Hakkimizda - WhatsApp Builder…", "Bizi tercih ettiginiz icin tesekkurler!…")
		c.hearsNothing()
		var stored int
		require.NoError(t, g.pool.QueryRow(context.Background(), `SELECT count(*) FROM messages m
			JOIN conversations v ON v.id = m.conversation_id JOIN contacts k ON k.id = v.contact_id
			WHERE k.wa_id = $1 AND m.direction = 'inbound'`, c.waID).Scan(&stored))
		require.Equal(t, 2, stored, "six POSTs, two messages")
	})

	// The Graph API answers 500 for a while: the replies arrive once each,
	// in order, when it recovers.
	t.Run("graph api failing", func(t *testing.T) {
		t.Parallel()
		ctx := context.Background()
		failing, err := sandbox.Start(ctx, "127.0.0.1:0", sandbox.Options{AppSecret: goldenSecret})
		require.NoError(t, err)
		t.Cleanup(func() { _ = failing.Close() })
		number := g.bot(t, "sample-chatbot.json")
		_, err = g.store.UpsertAccount(ctx, db.AccountInput{
			PhoneNumberID: number, AccessToken: "golden-token",
			AppSecret: goldenSecret, VerifyToken: "golden-verify", APIBaseURL: failing.URL, APIVersion: "v23.0",
		})
		require.NoError(t, err)
		failing.FailFor(3*time.Second, sandbox.FailServerError)

		c := g.customer(t, number)
		c.says("Merhaba")
		waitCtx, cancel := context.WithTimeout(ctx, 45*time.Second)
		defer cancel()
		sent, err := failing.WaitSent(waitCtx, c.waID, 2)
		require.NoError(t, err)
		require.Equal(t, sampleReplies, renderAll(sent))
		time.Sleep(500 * time.Millisecond)
		require.Len(t, failing.SentTo(c.waID), 2, "each reply exactly once")
		failed := 0
		for _, r := range failing.Requests() {
			if r.Failure != "" {
				failed++
			}
		}
		require.Positive(t, failed, "the Graph API really refused sends meanwhile")
	})

	// Meta accepts the first reply but its answer never reaches the worker
	// (the connection drops, as when the worker dies before storing the
	// wamid). Meta's "sent" webhook names the reply by its callback data;
	// the activity's retry finds the wamid and does not send it again.
	t.Run("graph api accepts but the answer is lost", func(t *testing.T) {
		t.Parallel()
		ctx := context.Background()
		lossy, err := sandbox.Start(ctx, "127.0.0.1:0", sandbox.Options{
			AppSecret: goldenSecret, WebhookURL: g.app.base + "/api/webhooks/whatsapp", StatusDelay: 20 * time.Millisecond,
		})
		require.NoError(t, err)
		t.Cleanup(func() { _ = lossy.Close() })
		number := g.bot(t, "sample-chatbot.json")
		acct, err := g.store.UpsertAccount(ctx, db.AccountInput{
			PhoneNumberID: number, AccessToken: "golden-token",
			AppSecret: goldenSecret, VerifyToken: "golden-verify", APIBaseURL: lossy.URL, APIVersion: "v23.0",
		})
		require.NoError(t, err)
		lossy.FailNext(1, sandbox.FailAcceptThenDrop)

		c := g.customer(t, number)
		c.says("Merhaba")
		waitCtx, cancel := context.WithTimeout(ctx, 45*time.Second)
		defer cancel()
		sent, err := lossy.WaitSent(waitCtx, c.waID, 2)
		require.NoError(t, err)
		require.Equal(t, sampleReplies, renderAll(sent))
		time.Sleep(time.Second)
		require.Len(t, lossy.SentTo(c.waID), 2, "each reply accepted exactly once")

		var lost []sandbox.Request
		for _, r := range lossy.Requests() {
			if r.Failure == sandbox.FailAcceptThenDrop {
				lost = append(lost, r)
			}
		}
		require.Len(t, lost, 1, "the first reply's answer was lost")
		require.Equal(t, sent[0].WAMID, lost[0].WAMID)
		key := sent[0].Message.CallbackData
		require.NotEmpty(t, key, "sent with its idempotency key as callback data")

		var wamid, status string
		require.NoError(t, g.pool.QueryRow(ctx, `SELECT wamid, status FROM messages
			WHERE account_id = $1 AND idempotency_key = $2`, acct.ID, key).Scan(&wamid, &status))
		require.Equal(t, sent[0].WAMID, wamid, "the row has the wamid of the one accepted send")
		require.Contains(t, []string{"sent", "delivered", "read"}, status)
		var rows int
		require.NoError(t, g.pool.QueryRow(ctx, `SELECT count(*) FROM messages
			WHERE account_id = $1 AND direction = 'outbound'`, acct.ID).Scan(&rows))
		require.Equal(t, 2, rows)
	})
}

// TestE2E_TemporalDownDuringIngest: the webhook is answered and stored while
// Temporal is down; the replies arrive once it is back, with no new webhook.
func TestE2E_TemporalDownDuringIngest(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tmp, err := localstack.StartTemporal(ctx, localstack.TemporalOptions{
		DBFile: filepath.Join(t.TempDir(), "temporal.db"), SearchAttributes: workflows.SearchAttributeTypes,
	})
	require.NoError(t, err)
	t.Cleanup(tmp.Stop)
	g := startGoldenWith(t, tmp.Address())
	c := g.customer(t, g.bot(t, "sample-chatbot.json"))

	tmp.Kill()
	c.says("Merhaba") // answered 200: stored in PostgreSQL with an outbox row
	var pending int
	require.NoError(t, g.pool.QueryRow(ctx,
		"SELECT count(*) FROM ingest_outbox o JOIN messages m ON m.id = o.message_id").Scan(&pending))
	require.Positive(t, pending)

	require.NoError(t, tmp.Restart(ctx))
	c.gets(sampleReplies...)
	c.hearsNothing()

	resp, err := http.Get(g.app.base + "/health") //nolint:noctx // test probe
	require.NoError(t, err)
	_ = resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
}

// postWebhook posts a signed webhook and returns the status (0 if the
// request failed); safe to call from any goroutine.
func postWebhook(base string, body []byte, sig string) int {
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, base+"/api/webhooks/whatsapp", bytes.NewReader(body))
	if err != nil {
		return 0
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Hub-Signature-256", sig)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0
	}
	_ = resp.Body.Close()
	return resp.StatusCode
}
