package sandbox_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/wabuilder/wab/activities/whatsapp"
	"github.com/wabuilder/wab/activities/whatsapp/sandbox"
)

func TestFailNext(t *testing.T) {
	t.Parallel()
	tests := []struct {
		failure   sandbox.Failure
		status    int
		code      int
		kind      string
		retryable bool
	}{
		{sandbox.FailServerError, http.StatusInternalServerError, 131000, whatsapp.ErrKindServer, true},
		{sandbox.FailThrottled, http.StatusTooManyRequests, 130429, whatsapp.ErrKindThrottled, true},
		{sandbox.FailWindowClosed, http.StatusBadRequest, 131047, whatsapp.ErrKindWindowClosed, false},
	}
	for _, tt := range tests {
		t.Run(string(tt.failure), func(t *testing.T) {
			t.Parallel()
			b := setup(t, sandbox.Options{})
			ctx := context.Background()
			b.sb.FailNext(2, tt.failure)
			for range 2 {
				_, err := b.client.Send(ctx, b.acct, textTo(user, "hi"))
				var ae *whatsapp.APIError
				require.ErrorAs(t, err, &ae)
				require.Equal(t, tt.status, ae.HTTPStatus)
				require.Equal(t, tt.code, ae.Code)
				require.Equal(t, tt.kind, ae.Kind())
				require.Equal(t, tt.retryable, whatsapp.IsRetryable(err))
				if tt.failure == sandbox.FailThrottled {
					require.Equal(t, time.Second, ae.RetryAfter)
				}
			}
			// The count is spent: the third send goes through.
			_, err := b.client.Send(ctx, b.acct, textTo(user, "hi"))
			require.NoError(t, err)

			reqs := b.sb.Requests()
			require.Len(t, reqs, 3)
			for _, r := range reqs[:2] {
				require.Equal(t, tt.failure, r.Failure)
				require.Equal(t, tt.code, r.ErrorCode)
				require.Empty(t, r.WAMID)
			}
			require.Empty(t, reqs[2].Failure)
			require.Len(t, b.sb.Sent(), 1, "failed requests are not recorded as sent")
		})
	}
}

func TestFailFor_Expires(t *testing.T) {
	t.Parallel()
	b := setup(t, sandbox.Options{})
	ctx := context.Background()
	start := time.Now()
	b.sb.FailFor(400*time.Millisecond, sandbox.FailServerError)
	_, err := b.client.Send(ctx, b.acct, textTo(user, "hi"))
	require.Equal(t, whatsapp.ErrKindServer, whatsapp.KindOf(err))
	_, err = b.client.Send(ctx, b.acct, textTo(user, "hi"))
	require.Equal(t, whatsapp.ErrKindServer, whatsapp.KindOf(err))

	time.Sleep(time.Until(start.Add(450 * time.Millisecond))) // let the window pass; the sandbox uses the wall clock
	_, err = b.client.Send(ctx, b.acct, textTo(user, "hi"))
	require.NoError(t, err)
	require.Len(t, b.sb.Sent(), 1)
}

func TestClearFailures(t *testing.T) {
	t.Parallel()
	b := setup(t, sandbox.Options{})
	b.sb.FailNext(5, sandbox.FailWindowClosed)
	b.sb.FailFor(time.Hour, sandbox.FailThrottled)
	b.sb.ClearFailures()
	_, err := b.client.Send(context.Background(), b.acct, textTo(user, "hi"))
	require.NoError(t, err)
}

func TestFailHang_UntilClientGivesUp(t *testing.T) {
	t.Parallel()
	b := setup(t, sandbox.Options{})
	b.sb.FailNext(1, sandbox.FailHang)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := b.client.Send(ctx, b.acct, textTo(user, "hi"))
	require.True(t, errors.Is(err, context.DeadlineExceeded), "%v", err)
	require.Equal(t, whatsapp.ErrKindNetwork, whatsapp.KindOf(err))
	require.True(t, whatsapp.IsRetryable(err))

	reqs := b.sb.Requests()
	require.Len(t, reqs, 1)
	require.Equal(t, sandbox.FailHang, reqs[0].Failure)
	require.Zero(t, reqs[0].Status)
	require.Empty(t, b.sb.Sent())

	// Next request is answered normally.
	_, err = b.client.Send(context.Background(), b.acct, textTo(user, "hi"))
	require.NoError(t, err)
}

func TestWait_EndsWithContextOrClose(t *testing.T) {
	t.Parallel()
	b := setup(t, sandbox.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, err := b.sb.WaitSent(ctx, user, 1)
	require.ErrorIs(t, err, context.DeadlineExceeded)

	errc := make(chan error, 1)
	go func() {
		_, err := b.sb.WaitRequests(context.Background(), 1)
		errc <- err
	}()
	b.sb.Close()
	require.ErrorIs(t, <-errc, sandbox.ErrClosed)
}

func TestWaitSent_WakesOnSend(t *testing.T) {
	t.Parallel()
	b := setup(t, sandbox.Options{})
	got := make(chan []sandbox.Sent, 1)
	go func() {
		sent, err := b.sb.WaitSent(context.Background(), "+1 (650) 555-1234", 2)
		if err == nil {
			got <- sent
		}
		close(got)
	}()
	for _, body := range []string{"one", "two"} {
		_, err := b.client.Send(context.Background(), b.acct, textTo(user, body))
		require.NoError(t, err)
	}
	sent := <-got
	require.Len(t, sent, 2)
	require.Equal(t, "two", sent[1].Message.Text.Body)
}

// Meta takes the message but its answer never arrives: the sender sees a
// network error, yet the message is sent and its webhooks (with the
// callback data) go out. Mark-as-read requests do not take the failure.
func TestFailAcceptThen_SentButUnanswered(t *testing.T) {
	t.Parallel()
	for _, f := range []sandbox.Failure{sandbox.FailAcceptThenDrop, sandbox.FailAcceptThenHang} {
		t.Run(string(f), func(t *testing.T) {
			t.Parallel()
			a := newApp(t)
			b := setup(t, sandbox.Options{AppSecret: appSecret, WebhookURL: a.srv.URL, StatusDelay: time.Millisecond})
			b.sb.FailNext(1, f)
			require.NoError(t, b.client.MarkRead(context.Background(), b.acct, "wamid.IN", false), "reads pass")

			ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
			defer cancel()
			m := textTo(user, "hi")
			m.CallbackData = "conv/x/7"
			start := time.Now()
			_, err := b.client.Send(ctx, b.acct, m)
			require.Equal(t, whatsapp.ErrKindNetwork, whatsapp.KindOf(err), "%v", err)
			if f == sandbox.FailAcceptThenDrop {
				require.Less(t, time.Since(start), 150*time.Millisecond, "dropped at once")
			} else {
				require.ErrorIs(t, err, context.DeadlineExceeded, "hung until the client gave up")
			}

			sent := b.sb.Sent()
			require.Len(t, sent, 1, "the message was accepted")
			reqs := b.sb.Requests()
			require.Len(t, reqs, 2)
			require.Equal(t, sandbox.KindRead, reqs[0].Kind)
			require.Empty(t, reqs[0].Failure)
			require.Equal(t, f, reqs[1].Failure)
			require.Equal(t, http.StatusOK, reqs[1].Status)
			require.Equal(t, sent[0].WAMID, reqs[1].WAMID)

			st := a.next(t).Statuses[0]
			require.Equal(t, "sent", st.Status)
			require.Equal(t, sent[0].WAMID, st.WAMID)
			require.Equal(t, "conv/x/7", st.BizOpaqueCallbackData)

			_, err = b.client.Send(context.Background(), b.acct, textTo(user, "again"))
			require.NoError(t, err, "the count is spent")
		})
	}
}
