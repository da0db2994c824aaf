package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/wabuilder/wab/activities/whatsapp"
	"github.com/wabuilder/wab/activities/whatsapp/sandbox"
	"github.com/wabuilder/wab/api/webhook"
	"github.com/wabuilder/wab/deploy/localstack"
)

// startSandbox runs `wab sandbox` in-process on a free port.
func startSandbox(t *testing.T, env map[string]string, args ...string) *started {
	t.Helper()
	port, err := localstack.FreePort(context.Background())
	require.NoError(t, err)
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	ctx, cancel := context.WithCancel(context.Background())
	s := &started{cancel: cancel, done: make(chan int, 1), out: &syncBuffer{}, base: "http://" + addr}
	args = append([]string{"sandbox", "-addr", addr}, args...)
	go func() { s.done <- run(ctx, args, mapEnv(env), s.out, s.out) }()
	t.Cleanup(func() { s.stop(t) })
	s.waitOutput(t, "WHATSAPP_API_BASE_URL="+s.base)
	return s
}

func TestSandbox_ServesUntilCtrlC(t *testing.T) {
	t.Parallel()
	s := startSandbox(t, nil)
	require.Equal(t, 1, strings.Count(s.out.String(), "\n"), "one line: %q", s.out.String())

	acct := whatsapp.Account{BaseURL: s.base, PhoneNumberID: "106540352242922", AccessToken: "t"}
	res, err := whatsapp.NewClient(nil).Send(context.Background(), acct, whatsapp.OutboundMessage{
		To: "905550000001", Type: whatsapp.TypeText, Text: &whatsapp.Text{Body: "Merhaba"},
	})
	require.NoError(t, err)

	for _, query := range []string{"", "?to=905550000001&after=0&wait=1s"} {
		resp, err := http.Get(s.base + "/_sandbox/sent" + query) //nolint:noctx // test probe
		require.NoError(t, err)
		var sent []sandbox.Sent
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&sent))
		_ = resp.Body.Close()
		require.Len(t, sent, 1, query)
		require.Equal(t, res.WAMID, sent[0].WAMID)
		require.Equal(t, "Merhaba", sent[0].Message.Text.Body)
	}

	s.stop(t) // Ctrl-C: exit 0

	resp, err := http.Get(s.base + "/_sandbox/sent") //nolint:noctx // test probe
	if err == nil {
		_ = resp.Body.Close()
	}
	require.Error(t, err, "the port is released")
}

func TestSandbox_SendsSignedStatusWebhooks(t *testing.T) {
	t.Parallel()
	statuses := make(chan string, 16)
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if !webhook.ValidSignature(body, r.Header.Get(webhook.SignatureHeader), "from-env") {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		b, err := webhook.Parse(body)
		if err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		for _, st := range b.Statuses {
			statuses <- st.Status
		}
	}))
	defer app.Close()
	s := startSandbox(t, map[string]string{"WHATSAPP_APP_SECRET": "from-env"},
		"-webhook-url", app.URL+"/api/webhooks/whatsapp", "-status-delay", "5ms", "-auto-read")
	require.Contains(t, s.out.String(), "status webhooks to "+app.URL)

	acct := whatsapp.Account{BaseURL: s.base, PhoneNumberID: "106540352242922", AccessToken: "t"}
	_, err := whatsapp.NewClient(nil).Send(context.Background(), acct, whatsapp.OutboundMessage{
		To: "905550000001", Type: whatsapp.TypeText, Text: &whatsapp.Text{Body: "Merhaba"},
	})
	require.NoError(t, err)
	for _, want := range []string{"sent", "delivered", "read"} {
		select {
		case got := <-statuses:
			require.Equal(t, want, got)
		case <-time.After(10 * time.Second):
			t.Fatalf("no %s status; output:\n%s", want, s.out.String())
		}
	}
}

func TestSandbox_BadInvocation(t *testing.T) {
	t.Parallel()
	tests := []usageCase{
		{"unknown flag", nil, []string{"-nope"}, "sandbox: flag provided but not defined: -nope"},
		{"stray argument", nil, []string{"extra"}, `sandbox takes no arguments, got "extra"`},
		{"bad delay", nil, []string{"-status-delay", "soon"}, `invalid value "soon" for flag -status-delay`},
		{"negative delay", nil, []string{"-status-delay", "-1s"}, "-status-delay must not be negative"},
		{"bad addr", nil, []string{"-addr", "8090"}, "-addr must be host:port"},
		{"bad webhook url", map[string]string{"WHATSAPP_APP_SECRET": "s"}, []string{"-webhook-url", "localhost:3000"}, "-webhook-url must be an http(s) URL"},
		{"webhooks without secret", nil, []string{"-webhook-url", "http://localhost:3000/api/webhooks/whatsapp"}, "-webhook-url needs an app secret"},
	}
	requireUsageErrors(t, "sandbox", tests)
}

func TestSandbox_PortTaken(t *testing.T) {
	t.Parallel()
	busy := httptest.NewServer(http.NotFoundHandler())
	defer busy.Close()
	code, _, stderr := runCmd(t, context.Background(), nil, "sandbox", "-addr", strings.TrimPrefix(busy.URL, "http://"))
	require.Equal(t, exitFailure, code, stderr)
	require.Contains(t, stderr, "pick another with -addr")
	require.Equal(t, 1, strings.Count(stderr, "\n"), "one line: %q", stderr)
}

func TestDialable(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"127.0.0.1:8090": "127.0.0.1:8090",
		"0.0.0.0:8090":   "127.0.0.1:8090",
		"[::]:8090":      "127.0.0.1:8090",
		"[::1]:8090":     "[::1]:8090",
		":8090":          "127.0.0.1:8090",
	} {
		require.Equal(t, want, dialable(in), in)
	}
}
