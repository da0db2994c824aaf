package activities

import (
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/wabuilder/wab/activities/whatsapp"
)

func TestAccountCache(t *testing.T) {
	t.Parallel()
	c := accountCache{ttl: accountTTL, entries: map[uuid.UUID]cachedAccount{}}
	id, other := uuid.New(), uuid.New()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	acct := whatsapp.Account{PhoneNumberID: "1", AccessToken: "t"}

	c.put(id, acct, t0)
	got, ok := c.get(id, t0.Add(accountTTL-time.Nanosecond))
	require.True(t, ok)
	require.Equal(t, acct, got)
	_, ok = c.get(id, t0.Add(accountTTL))
	require.False(t, ok, "expired after the TTL")
	_, ok = c.get(other, t0)
	require.False(t, ok)

	c.put(other, acct, t0.Add(time.Hour)) // sweeps the expired entry
	require.Len(t, c.entries, 1)
	c.forget(other)
	require.Empty(t, c.entries)
}
