package sandbox_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/wabuilder/wab/activities/whatsapp"
	"github.com/wabuilder/wab/activities/whatsapp/sandbox"
)

// Not parallel on purpose: goleak compares goroutines before and after, and
// parallel tests would add their own. Top-level parallel tests only start
// once this sequential one has finished.
func TestClose_LeaksNothing_WithHangingRequestAndPendingWebhooks(t *testing.T) {
	opt := goleak.IgnoreCurrent()
	hooks := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	sb := sandbox.New(sandbox.Options{AppSecret: "s", WebhookURL: hooks.URL, StatusDelay: time.Hour, AutoRead: true})
	srv := httptest.NewServer(sb)
	transport := &http.Transport{}
	client := whatsapp.NewClient(&http.Client{Transport: transport})
	acct := whatsapp.Account{BaseURL: srv.URL, PhoneNumberID: phoneID, AccessToken: "t"}

	// A sent message leaves statuses waiting an hour in the scheduler.
	_, err := client.Send(context.Background(), acct, textTo(user, "queued"))
	require.NoError(t, err)

	// A request hangs, its client willing to wait forever.
	sb.FailNext(1, sandbox.FailHang)
	errc := make(chan error, 1)
	go func() {
		_, err := client.Send(context.Background(), acct, textTo(user, "hangs"))
		errc <- err
	}()
	_, err = sb.WaitRequests(context.Background(), 2)
	require.NoError(t, err)

	sb.Close() // releases the hang: the connection drops
	err = <-errc
	require.Error(t, err)
	require.Equal(t, whatsapp.ErrKindNetwork, whatsapp.KindOf(err))

	srv.Close()
	hooks.Close()
	transport.CloseIdleConnections()
	goleak.VerifyNone(t, opt)
}
