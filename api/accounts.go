package api

import (
	"context"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/wabuilder/wab/api/webhook"
	"github.com/wabuilder/wab/db"
)

// AccountSource lists the business numbers with their decrypted credentials;
// *db.Store implements it. The webhook reads app secrets and verify tokens
// from it (the number configured by environment is an account row too).
type AccountSource interface {
	Accounts(ctx context.Context) ([]db.Account, error)
}

// Account cache timings. The TTL bounds how long a revoked secret keeps
// validating; a miss (unknown signature, token or number) reloads early,
// at most once per minReload, so forged requests cannot load the database.
const (
	defaultAccountsTTL = 15 * time.Second
	minReload          = 250 * time.Millisecond
)

// webhookAccount is what the webhook needs of an account.
type webhookAccount struct {
	id            uuid.UUID
	phoneNumberID string
	appSecret     string
}

// accountSet is one snapshot of the accounts, indexed for the webhook.
type accountSet struct {
	byPhone      map[string]webhookAccount
	bySecret     map[string][]string // app secret → its numbers (numbers often share an app)
	verifyTokens []string
	loaded       time.Time
}

func newAccountSet(accounts []db.Account, now time.Time) *accountSet {
	s := &accountSet{byPhone: map[string]webhookAccount{}, bySecret: map[string][]string{}, loaded: now}
	seenToken := map[string]bool{}
	for _, a := range accounts {
		secret := a.AppSecret.Reveal()
		s.byPhone[a.PhoneNumberID] = webhookAccount{id: a.ID, phoneNumberID: a.PhoneNumberID, appSecret: secret}
		if secret != "" {
			s.bySecret[secret] = append(s.bySecret[secret], a.PhoneNumberID)
		}
		if t := a.VerifyToken.Reveal(); t != "" && !seenToken[t] {
			seenToken[t] = true
			s.verifyTokens = append(s.verifyTokens, t)
		}
	}
	return s
}

// signers returns the numbers whose account's app secret produced the
// signature header over body; empty if none did.
func (s *accountSet) signers(body []byte, header string) map[string]bool {
	out := map[string]bool{}
	for secret, numbers := range s.bySecret {
		if webhook.ValidSignature(body, header, secret) {
			for _, n := range numbers {
				out[n] = true
			}
		}
	}
	return out
}

// accountCache keeps an accountSet for a short TTL: the webhook is the hot
// path, and decrypting every account per POST would dominate it.
type accountCache struct {
	src AccountSource
	ttl time.Duration

	mu         sync.Mutex
	cur        *accountSet
	lastReload time.Time // the last load's start, failed or not
}

func newAccountCache(src AccountSource, ttl time.Duration) *accountCache {
	if ttl <= 0 {
		ttl = defaultAccountsTTL
	}
	return &accountCache{src: src, ttl: ttl}
}

// get returns the current set, loading it if it is missing or expired.
func (c *accountCache) get(ctx context.Context) (*accountSet, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cur != nil && time.Since(c.cur.loaded) < c.ttl {
		return c.cur, nil
	}
	return c.loadLocked(ctx)
}

// fresh returns a set loaded after since: for a signature, token or number
// the cached set does not know (an account added or a secret rotated since
// it was loaded). Loads run at most once per minReload, so callers may wait
// up to that long; callers waiting together share one load.
func (c *accountCache) fresh(ctx context.Context, since time.Time) (*accountSet, error) {
	for {
		c.mu.Lock()
		if c.cur != nil && !c.cur.loaded.Before(since) {
			s := c.cur
			c.mu.Unlock()
			return s, nil
		}
		wait := minReload - time.Since(c.lastReload)
		if c.cur == nil || wait <= 0 {
			s, err := c.loadLocked(ctx)
			c.mu.Unlock()
			return s, err
		}
		c.mu.Unlock()
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

func (c *accountCache) loadLocked(ctx context.Context) (*accountSet, error) {
	// Stamped before the query: the set holds every account committed by then.
	start := time.Now()
	c.lastReload = start
	accounts, err := c.src.Accounts(ctx)
	if err != nil {
		return nil, err
	}
	c.cur = newAccountSet(accounts, start)
	return c.cur, nil
}
