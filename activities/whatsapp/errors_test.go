package whatsapp_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/wabuilder/wab/activities/whatsapp"
)

func graphError(code, subcode int, msg, details string) string {
	return fmt.Sprintf(`{"error":{"message":%q,"type":"OAuthException","code":%d,"error_subcode":%d,
		"error_data":{"messaging_product":"whatsapp","details":%q},"fbtrace_id":"AbCdEf123"}}`, msg, code, subcode, details)
}

var textMsg = whatsapp.OutboundMessage{To: to, Type: whatsapp.TypeText, Text: &whatsapp.Text{Body: "hi"}}

func TestSend_ErrorMapping(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		status    int
		body      string
		kind      string
		retryable bool
		account   bool
	}{
		{"window closed", 400, graphError(131047, 0, "(#131047) Re-engagement message", "More than 24 hours have passed"), whatsapp.ErrKindWindowClosed, false, false},
		{"undeliverable", 400, graphError(131026, 0, "(#131026) Message Undeliverable.", ""), whatsapp.ErrKindUndeliverable, false, false},
		{"marketing not delivered", 400, graphError(131049, 0, "(#131049) not delivered", ""), whatsapp.ErrKindUndeliverable, false, false},
		{"invalid parameter", 400, graphError(100, 0, "(#100) Invalid parameter", "interactive.action.buttons"), whatsapp.ErrKindInvalidParameter, false, false},
		{"parameter value invalid", 400, graphError(131009, 0, "(#131009) Parameter value is not valid", ""), whatsapp.ErrKindInvalidParameter, false, false},
		{"wrong phone number id", 400, graphError(100, 33, "Unsupported post request. Object with ID '1' does not exist", ""), whatsapp.ErrKindInvalidParameter, false, true},
		{"expired token", 401, graphError(190, 463, "Error validating access token: Session has expired", ""), whatsapp.ErrKindAuth, false, true},
		{"permission", 403, graphError(10, 0, "(#10) Application does not have permission for this action", ""), whatsapp.ErrKindAuth, false, true},
		{"permission range", 400, graphError(200, 0, "(#200) Permissions error", ""), whatsapp.ErrKindAuth, false, true},
		{"http 401 without code", 401, `{}`, whatsapp.ErrKindAuth, false, true},
		{"throttled app", 400, graphError(4, 0, "(#4) Application request limit reached", ""), whatsapp.ErrKindThrottled, true, false},
		{"throttled waba", 400, graphError(80007, 0, "(#80007) Rate limit issues", ""), whatsapp.ErrKindThrottled, true, false},
		{"throughput", 429, graphError(130429, 0, "(#130429) Rate limit hit", ""), whatsapp.ErrKindThrottled, true, false},
		{"pair rate", 400, graphError(131056, 0, "(#131056) (Business Account, Consumer Account) pair rate limit hit", ""), whatsapp.ErrKindThrottled, true, false},
		{"spam rate", 400, graphError(131048, 0, "(#131048) Spam rate limit hit", ""), whatsapp.ErrKindThrottled, true, false},
		{"http 429 without code", 429, ``, whatsapp.ErrKindThrottled, true, false},
		{"server 500", 500, graphError(131000, 0, "(#131000) Something went wrong", ""), whatsapp.ErrKindServer, true, false},
		{"service unavailable code", 503, graphError(2, 0, "Service temporarily unavailable", ""), whatsapp.ErrKindServer, true, false},
		{"bad gateway html", 502, `<html><body>Bad Gateway</body></html>`, whatsapp.ErrKindServer, true, false},
		{"not registered", 400, graphError(133010, 0, "(#133010) Phone number Not Registered", ""), whatsapp.ErrKindNotRegistered, false, true},
		{"blocked", 400, graphError(368, 0, "Temporarily blocked for policies violations", ""), whatsapp.ErrKindBlocked, false, true},
		{"account locked", 400, graphError(131031, 0, "(#131031) Business Account locked", ""), whatsapp.ErrKindBlocked, false, true},
		{"payment", 400, graphError(131042, 0, "(#131042) Business eligibility payment issue", ""), whatsapp.ErrKindAccount, false, true},
		{"template param mismatch", 400, graphError(132000, 0, "(#132000) Number of parameters does not match", ""), whatsapp.ErrKindTemplate, false, false},
		{"template missing", 404, graphError(132001, 0, "(#132001) Template name does not exist in the translation", ""), whatsapp.ErrKindTemplate, false, false},
		{"template paused", 400, graphError(132015, 0, "(#132015) Template is Paused", ""), whatsapp.ErrKindTemplate, false, false},
		{"template 136000", 400, graphError(136000, 0, "Template error", ""), whatsapp.ErrKindTemplate, false, false},
		{"media upload", 400, graphError(131053, 0, "(#131053) Media upload error", ""), whatsapp.ErrKindMedia, false, false},
		{"unknown 4xx", 400, graphError(999999, 0, "Something new", ""), whatsapp.ErrKindRejected, false, false},
		{"not found without code", 404, `not found`, whatsapp.ErrKindRejected, false, false},
		{"2xx without message id", 200, `{"messages":[]}`, whatsapp.ErrKindBadResponse, false, false},
		{"2xx not json", 200, `<html>`, whatsapp.ErrKindBadResponse, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			g := newGraph(t, answer(tt.status, tt.body))
			_, err := g.client().Send(context.Background(), g.account(), textMsg)
			require.Error(t, err)
			var ae *whatsapp.APIError
			require.ErrorAs(t, err, &ae)
			require.Equal(t, tt.status, ae.HTTPStatus)
			require.Equal(t, tt.kind, ae.Kind())
			require.Equal(t, tt.kind, whatsapp.KindOf(err))
			require.Equal(t, tt.retryable, ae.Retryable())
			require.Equal(t, tt.retryable, whatsapp.IsRetryable(err))
			require.Equal(t, tt.account, whatsapp.IsAccountProblem(err))
			require.NotContains(t, err.Error(), token)
			require.Contains(t, err.Error(), tt.kind)
		})
	}
}

func TestAPIError_Fields(t *testing.T) {
	t.Parallel()
	g := newGraph(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "7")
		answer(429, graphError(130429, 2494055, "(#130429) Rate limit hit", "Cloud API message throughput has been reached."))(w, r)
	})
	_, err := g.client().Send(context.Background(), g.account(), textMsg)
	var ae *whatsapp.APIError
	require.ErrorAs(t, err, &ae)
	require.Equal(t, &whatsapp.APIError{
		HTTPStatus: 429, Code: 130429, Subcode: 2494055, Type: "OAuthException",
		Message: "(#130429) Rate limit hit", Details: "Cloud API message throughput has been reached.",
		FBTraceID: "AbCdEf123", RetryAfter: 7 * time.Second,
	}, ae)
	require.Equal(t, "whatsapp: WhatsAppThrottled: http 429, code 130429/2494055: (#130429) Rate limit hit: Cloud API message throughput has been reached. (fbtrace_id AbCdEf123)", ae.Error())
}

// A proxy or a broken fake that echoes the request must not put the token
// into an error string (which ends up in logs and workflow history).
func TestErrors_NeverContainToken(t *testing.T) {
	t.Parallel()
	echo := func(w http.ResponseWriter, r *http.Request) {
		answer(400, graphError(100, 0, "bad header "+r.Header.Get("Authorization"), "token was "+token))(w, r)
	}
	g := newGraph(t, echo)
	c, acct := g.client(), g.account()
	ctx := context.Background()
	_, err1 := c.Send(ctx, acct, textMsg)
	err2 := c.MarkRead(ctx, acct, "wamid.X", true)
	_, err3 := c.PhoneNumberInfo(ctx, acct)
	_, err4 := c.MediaURL(ctx, acct, "123")
	_, _, err5 := c.DownloadMedia(ctx, acct, g.srv.URL+"/media/123")
	_, err6 := c.UploadMedia(ctx, acct, "a.jpg", "image/jpeg", strings.NewReader("x"))
	for i, err := range []error{err1, err2, err3, err4, err5, err6} {
		require.Error(t, err, i)
		require.NotContains(t, err.Error(), token, i)
		require.Contains(t, err.Error(), "[redacted]", i)
	}
}

func TestSend_TransportErrorsAreRetryable(t *testing.T) {
	t.Parallel()
	t.Run("connection refused", func(t *testing.T) {
		t.Parallel()
		g := newGraph(t, answer(200, accepted))
		acct := g.account()
		g.srv.Close()
		_, err := g.client().Send(context.Background(), acct, textMsg)
		var te *whatsapp.TransportError
		require.ErrorAs(t, err, &te)
		require.Equal(t, whatsapp.ErrKindNetwork, whatsapp.KindOf(err))
		require.True(t, whatsapp.IsRetryable(err))
		require.False(t, whatsapp.IsAccountProblem(err))
	})
	t.Run("timeout", func(t *testing.T) {
		t.Parallel()
		release := make(chan struct{})
		g := newGraph(t, func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-release:
			case <-r.Context().Done():
			}
		})
		defer close(release)
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		_, err := g.client().Send(ctx, g.account(), textMsg)
		require.True(t, errors.Is(err, context.DeadlineExceeded), "%v", err)
		require.Equal(t, whatsapp.ErrKindNetwork, whatsapp.KindOf(err))
		require.True(t, whatsapp.IsRetryable(err))
	})
}

func TestAccountErrors(t *testing.T) {
	t.Parallel()
	c := whatsapp.NewClient(nil)
	tests := []struct {
		name string
		acct whatsapp.Account
	}{
		{"no token", whatsapp.Account{PhoneNumberID: "1"}},
		{"no phone number id", whatsapp.Account{AccessToken: token}},
		{"path traversal", whatsapp.Account{PhoneNumberID: "..", AccessToken: token}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := c.Send(context.Background(), tt.acct, textMsg)
			require.Equal(t, whatsapp.ErrKindAccount, whatsapp.KindOf(err))
			require.False(t, whatsapp.IsRetryable(err))
			require.True(t, whatsapp.IsAccountProblem(err))
			require.NotContains(t, err.Error(), token)
		})
	}
}
