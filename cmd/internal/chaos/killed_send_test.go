package chaos_test

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/wabuilder/wab/activities/whatsapp/sandbox"
	"github.com/wabuilder/wab/cmd/internal/cluster"
	"github.com/wabuilder/wab/cmd/internal/load"
)

// TestKilledWorker_AcceptedReplyNotSentAgain pins down what a chaos run
// found: Meta accepted a reply, and the worker was SIGKILLed before it
// stored the wamid. The sandbox accepts the reply and never answers; the
// worker is killed while it waits and started again. The send's retry
// comes after the workflow task timeout (the send is a local activity; not
// the 45 s StartToClose), finds the
// wamid that Meta's "sent" webhook (with the send's key as callback data)
// gave the reply through the API process, and does not send it again.
func TestKilledWorker_AcceptedReplyNotSentAgain(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	bin, err := cluster.Build(ctx, t.TempDir())
	require.NoError(t, err)
	dir := t.TempDir()
	c, err := cluster.New(ctx, cluster.Options{Binary: bin, Dir: dir, PostgresFast: true})
	require.NoError(t, err)
	t.Cleanup(func() {
		c.Stop()
		if t.Failed() {
			dumpLogs(t, dir)
		}
	})
	hook := c.APIURL(0) + "/api/webhooks/whatsapp"
	target := load.NewTarget(hook)
	meta, err := load.StartMeta(ctx, load.MetaOptions{AppSecret: target.AppSecret, StatusWebhooks: true, StatusURL: hook})
	require.NoError(t, err)
	t.Cleanup(func() { _ = meta.Close() })
	require.NoError(t, c.Start(ctx, map[string]string{
		"WHATSAPP_PHONE_NUMBER_ID":      target.PhoneNumberID,
		"WHATSAPP_WABA_ID":              "100000000000001",
		"WHATSAPP_ACCESS_TOKEN":         "bench-token-" + target.PhoneNumberID,
		"WHATSAPP_APP_SECRET":           target.AppSecret,
		"WHATSAPP_WEBHOOK_VERIFY_TOKEN": "bench-verify-" + target.PhoneNumberID,
		"WHATSAPP_API_BASE_URL":         meta.URL,
		"LOG_LEVEL":                     "info",
	}))
	require.NoError(t, load.Publish(ctx, c.Store(), meta, load.SampleChatbot(), target))

	meta.FailNext(1, sandbox.FailAcceptThenHang)
	const customer = "905559990001"
	body, sig := meta.BuildInbound(target.PhoneNumberID, target.DisplayPhone, customer, "Killed Worker",
		sandbox.InboundSpec{Type: sandbox.InboundText, Text: "hi"})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, hook, bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Hub-Signature-256", sig)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	_ = resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)

	waitCtx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	first, err := meta.WaitSent(waitCtx, customer, 1)
	require.NoError(t, err, "the first reply reaches Meta")
	require.NoError(t, c.Kill(cluster.Worker, 0), "while its send waits for Meta's answer")
	killed := time.Now()
	require.NoError(t, c.Restart(ctx, cluster.Worker, 0))

	_, err = meta.WaitSent(waitCtx, customer, 2)
	require.NoError(t, err, "the retry sends the second reply")
	t.Logf("the second reply came %s after the kill", time.Since(killed).Round(time.Millisecond))
	require.Less(t, time.Since(killed), 40*time.Second, "retried after the workflow task timeout, not the 45 s StartToClose")
	time.Sleep(2 * time.Second) // a second copy would come now
	sent := meta.SentTo(customer)
	require.Len(t, texts(sent), 2, "each reply accepted once: %q", texts(sent))
	require.True(t, strings.HasPrefix(sent[0].Message.Text.Body, "Merhaba"), sent[0].Message.Text.Body)
	require.Equal(t, first[0].WAMID, sent[0].WAMID)

	var wamid, status string
	require.NoError(t, c.Pool().QueryRow(ctx, `SELECT wamid, status FROM messages
		WHERE direction = 'outbound' AND idempotency_key = $1`, sent[0].Message.CallbackData).Scan(&wamid, &status))
	require.Equal(t, sent[0].WAMID, wamid, "the reply's row has the wamid of its one send")
	require.Contains(t, []string{"sent", "delivered", "read"}, status)
}

func texts(sent []sandbox.Sent) []string {
	out := make([]string, len(sent))
	for i, s := range sent {
		out[i] = string(s.Message.Type)
		if s.Message.Text != nil {
			out[i] = s.Message.Text.Body
		}
	}
	return out
}
