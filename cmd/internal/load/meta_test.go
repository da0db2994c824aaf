package load

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestMeta_RoutesReplies sends through the fake Graph API the way the
// worker does and checks the reply reaches its customer's turn, timed on
// the same clock; replies to nobody count as strays. The REST backend
// answers the REST bot's lookups.
func TestMeta_RoutesReplies(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	meta, err := StartMeta(ctx, MetaOptions{AppSecret: "s"})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, meta.Close()) })

	s := RESTBot()
	c := meta.newConvs(&s, 1)[0]
	start := time.Now()
	tr := c.startTurn(meta.newRun(), "100000000000077", "wamid.x", start)
	graphSend(t, meta.URL, c.waID, "Hi "+c.name+"! Which order shall I look up?")
	select {
	case <-tr.done:
	case <-time.After(5 * time.Second):
		t.Fatal("the reply never reached its turn")
	}
	require.True(t, tr.ok())
	require.Positive(t, tr.first.Sub(start))
	graphSend(t, meta.URL, "15550009999", "hello?")
	require.Eventually(t, func() bool { return meta.strays() == 1 }, 5*time.Second, 10*time.Millisecond)

	for order, want := range map[string]string{"S4": "shipped", "P5": "pending"} {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, meta.RESTURL+"/orders",
			bytes.NewReader([]byte(`{"order":"`+order+`","customer":"cust-1-4"}`)))
		require.NoError(t, err)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		var got map[string]string
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&got))
		_ = resp.Body.Close()
		require.Equal(t, map[string]string{"order": order, "customer": "cust-1-4", "status": want, "carrier": restCarrier}, got)
	}
	require.EqualValues(t, 2, meta.RESTCalls())

	_, err = StartMeta(ctx, MetaOptions{Addr: "0.0.0.0:0"})
	require.ErrorContains(t, err, "loopback only")
}

// graphSend posts a text message to the fake Graph API as the worker does.
func graphSend(t *testing.T, base, to, text string) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{
		"messaging_product": "whatsapp", "recipient_type": "individual", "to": to, "type": "text",
		"text": map[string]any{"body": text},
	})
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, base+"/v23.0/100000000000077/messages", bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer token")
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	answer, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode, string(answer))
}
