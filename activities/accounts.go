package activities

import (
	"context"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/wabuilder/wab/activities/whatsapp"
)

// accountTTL is how long decrypted credentials are reused: a burst of sends
// costs one database read, and a rotated token is picked up within it.
const accountTTL = 30 * time.Second

// accountCache keeps recently used accounts' Graph credentials in memory.
type accountCache struct {
	ttl     time.Duration
	mu      sync.Mutex
	entries map[uuid.UUID]cachedAccount
}

type cachedAccount struct {
	acct    whatsapp.Account
	expires time.Time
}

func (c *accountCache) get(id uuid.UUID, now time.Time) (whatsapp.Account, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[id]
	if !ok || !now.Before(e.expires) {
		return whatsapp.Account{}, false
	}
	return e.acct, true
}

func (c *accountCache) put(id uuid.UUID, acct whatsapp.Account, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, e := range c.entries { // drop expired entries: accounts are few, this stays small
		if !now.Before(e.expires) {
			delete(c.entries, k)
		}
	}
	c.entries[id] = cachedAccount{acct: acct, expires: now.Add(c.ttl)}
}

func (c *accountCache) forget(id uuid.UUID) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.entries, id)
}

// account returns the Graph credentials of the account, from the cache when
// they were read less than accountTTL ago.
func (a *Activities) account(ctx context.Context, id uuid.UUID) (whatsapp.Account, error) {
	now := a.now()
	if acct, ok := a.accounts.get(id, now); ok {
		return acct, nil
	}
	row, err := a.store.Account(ctx, id)
	if err != nil {
		return whatsapp.Account{}, err
	}
	acct := whatsapp.Account{
		BaseURL: row.APIBaseURL, Version: row.APIVersion,
		PhoneNumberID: row.PhoneNumberID, AccessToken: row.AccessToken.Reveal(),
	}
	a.accounts.put(id, acct, now)
	return acct, nil
}
