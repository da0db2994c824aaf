package telemetry

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"
)

func TestFinal(t *testing.T) {
	t.Parallel()
	retryable := temporal.NewApplicationError("throttled", "WhatsAppThrottled")
	permanent := temporal.NewNonRetryableApplicationError("window closed", "WhatsAppWindowClosed", nil)
	three := &temporal.RetryPolicy{MaximumAttempts: 3}
	unlimited := &temporal.RetryPolicy{NonRetryableErrorTypes: []string{"WhatsAppAuth"}}
	for _, tc := range []struct {
		name      string
		err       error
		attempt   int32
		policy    *temporal.RetryPolicy
		byDefault bool
		want      bool
	}{
		{"non-retryable error", permanent, 1, unlimited, true, true},
		{"retryable, attempts left", retryable, 2, three, true, false},
		{"retryable, last attempt", retryable, 3, three, true, true},
		{"retryable, unlimited", retryable, 50, unlimited, true, false},
		{"type the policy refuses to retry", temporal.NewApplicationError("bad token", "WhatsAppAuth"), 1, unlimited, true, true},
		{"plain error, attempts left", errors.New("boom"), 1, three, true, false},
		{"no policy, retried by default (activity)", retryable, 1, nil, true, false},
		{"no policy, not retried (workflow)", retryable, 1, nil, false, true},
		{"canceled", temporal.NewCanceledError(), 3, three, true, false},
		{"context canceled", context.Canceled, 3, three, true, false},
	} {
		require.Equal(t, tc.want, final(tc.err, tc.attempt, tc.policy, tc.byDefault), tc.name)
	}
}
