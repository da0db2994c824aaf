package whatsapp_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/wabuilder/wab/activities/whatsapp"
	"github.com/wabuilder/wab/activities/whatsapp/sandbox"
)

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestTestChannel_AnsweredInProcess(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	var network atomic.Int32 // calls that reached the real transport
	hc := &http.Client{Transport: roundTripFunc(func(*http.Request) (*http.Response, error) {
		network.Add(1)
		return nil, errors.New("no network in this test")
	})}
	sb := sandbox.New(sandbox.Options{})
	t.Cleanup(sb.Close)
	client := whatsapp.NewClient(hc).WithTestChannel(sb)
	acct := whatsapp.Account{BaseURL: whatsapp.TestChannelBaseURL, PhoneNumberID: "test-channel", AccessToken: "t"}
	require.True(t, acct.IsTestChannel())
	msg := whatsapp.OutboundMessage{To: "999000000000001", Type: whatsapp.TypeButtons, Buttons: &whatsapp.Buttons{
		Body: "Pick one", Buttons: []whatsapp.Button{{ID: "a", Title: "A"}, {ID: "b", Title: "B"}},
	}}

	res, err := client.Send(ctx, acct, msg)
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(res.WAMID, "wamid."), res.WAMID)
	require.Equal(t, "999000000000001", res.WAID)
	require.NoError(t, client.MarkRead(ctx, acct, res.WAMID, true))
	sent := sb.Sent()
	require.Len(t, sent, 1)
	require.Equal(t, res.WAMID, sent[0].WAMID)
	require.Equal(t, "b", sent[0].Message.Buttons.Buttons[1].ID)
	require.Len(t, sb.Requests(), 2, "the send and the read")
	require.Zero(t, network.Load(), "nothing left the process")

	// The sandbox answers like Meta, errors included.
	sb.FailNext(1, sandbox.FailWindowClosed)
	_, err = client.Send(ctx, acct, msg)
	require.Equal(t, whatsapp.ErrKindWindowClosed, whatsapp.KindOf(err))

	// Every other account still goes over the network.
	_, err = client.Send(ctx, whatsapp.Account{BaseURL: "https://graph.example.com", PhoneNumberID: "1", AccessToken: "t"}, msg)
	require.Error(t, err)
	require.Equal(t, int32(1), network.Load())

	// A client without the test channel refuses its calls for good, offline.
	_, err = whatsapp.NewClient(hc).Send(ctx, acct, msg)
	var accountErr *whatsapp.AccountError
	require.ErrorAs(t, err, &accountErr)
	require.False(t, whatsapp.IsRetryable(err))
	require.Equal(t, int32(1), network.Load())
}

// The test channel's sandbox lives as long as its process: it keeps no record.
func TestNewTestChannel_RecordsNothing(t *testing.T) {
	t.Parallel()
	sb := sandbox.NewTestChannel()
	t.Cleanup(sb.Close)
	client := whatsapp.NewClient(nil).WithTestChannel(sb)
	acct := whatsapp.Account{BaseURL: whatsapp.TestChannelBaseURL, PhoneNumberID: "test-channel", AccessToken: "t"}
	for range 3 {
		res, err := client.Send(context.Background(), acct, whatsapp.OutboundMessage{To: "999000000000002", Type: whatsapp.TypeText, Text: &whatsapp.Text{Body: "hi"}})
		require.NoError(t, err)
		require.NotEmpty(t, res.WAMID)
	}
	require.Empty(t, sb.Sent())
	require.Empty(t, sb.Requests())
}
