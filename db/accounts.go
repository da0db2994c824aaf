package db

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/wabuilder/wab/db/dbgen"
	"github.com/wabuilder/wab/db/secret"
)

// Health is the last known state of a number's credentials and quality.
type Health string

// Health values, as allowed by the accounts.health CHECK constraint.
const (
	HealthUnknown   Health = "unknown"
	HealthHealthy   Health = "healthy"
	HealthUnhealthy Health = "unhealthy"
)

// Account is a WhatsApp business phone number with its (decrypted) credentials.
type Account struct {
	ID                 uuid.UUID
	Name               string
	PhoneNumberID      string
	WABAID             string
	DisplayPhoneNumber string
	AccessToken        secret.Value
	AppSecret          secret.Value // checks X-Hub-Signature-256 on webhooks
	VerifyToken        secret.Value // answers Meta's webhook verification GET
	APIVersion         string
	APIBaseURL         string
	SendRatePerSecond  int
	Health             Health
	HealthReason       string
	CreatedAt          time.Time
	UpdatedAt          time.Time
}

// AccountInput creates or updates an account, keyed by PhoneNumberID. Empty
// Name, WABAID, DisplayPhoneNumber and zero SendRatePerSecond keep the stored
// values (defaults on create: the phone number id, "", "", 80).
type AccountInput struct {
	Name               string
	PhoneNumberID      string
	WABAID             string
	DisplayPhoneNumber string
	AccessToken        secret.Value
	AppSecret          secret.Value
	VerifyToken        secret.Value
	APIVersion         string
	APIBaseURL         string
	SendRatePerSecond  int
}

// Additional data for each sealed column: a ciphertext moved into another
// column (an app secret posing as a token) fails to open.
var (
	aadAccessToken = []byte("accounts.access_token")
	aadAppSecret   = []byte("accounts.app_secret")
	aadVerifyToken = []byte("accounts.verify_token")
)

// UpsertAccount creates the account or updates the one with the same phone
// number id, sealing its credentials.
func (s *Store) UpsertAccount(ctx context.Context, in AccountInput) (Account, error) {
	if in.PhoneNumberID == "" || in.APIVersion == "" || in.APIBaseURL == "" {
		return Account{}, errors.New("upsert account: phone number id, API version and API base URL are required")
	}
	if s.box == nil {
		return Account{}, errors.New("upsert account: the store has no secret box")
	}
	var sealed [3][]byte
	for i, v := range []struct {
		val secret.Value
		aad []byte
	}{{in.AccessToken, aadAccessToken}, {in.AppSecret, aadAppSecret}, {in.VerifyToken, aadVerifyToken}} {
		var err error
		if sealed[i], err = s.box.Seal([]byte(v.val.Reveal()), v.aad); err != nil {
			return Account{}, fmt.Errorf("upsert account %s: %w", in.PhoneNumberID, err)
		}
	}
	row, err := s.q.UpsertAccount(ctx, dbgen.UpsertAccountParams{
		Name:               ptr(in.Name),
		PhoneNumberID:      in.PhoneNumberID,
		WABAID:             ptr(in.WABAID),
		DisplayPhoneNumber: ptr(in.DisplayPhoneNumber),
		AccessTokenEnc:     sealed[0],
		AppSecretEnc:       sealed[1],
		VerifyTokenEnc:     sealed[2],
		APIVersion:         in.APIVersion,
		APIBaseURL:         in.APIBaseURL,
		SendRatePerSecond:  ptr(int32(in.SendRatePerSecond)), //nolint:gosec // rates are small.
	})
	if err != nil {
		return Account{}, wrap(err, "upsert account %s", in.PhoneNumberID)
	}
	return s.accountFromRow(row)
}

// Account returns the account with the given id.
func (s *Store) Account(ctx context.Context, id uuid.UUID) (Account, error) {
	row, err := s.q.GetAccount(ctx, id)
	if err != nil {
		return Account{}, wrap(err, "get account %s", id)
	}
	return s.accountFromRow(row)
}

// AccountByPhoneNumberID returns the account a webhook's metadata.phone_number_id names.
func (s *Store) AccountByPhoneNumberID(ctx context.Context, phoneNumberID string) (Account, error) {
	row, err := s.q.GetAccountByPhoneNumberID(ctx, phoneNumberID)
	if err != nil {
		return Account{}, wrap(err, "get account by phone number id %s", phoneNumberID)
	}
	return s.accountFromRow(row)
}

// Accounts returns every account, oldest first.
func (s *Store) Accounts(ctx context.Context) ([]Account, error) {
	rows, err := s.q.ListAccounts(ctx)
	if err != nil {
		return nil, wrap(err, "list accounts")
	}
	out := make([]Account, 0, len(rows))
	for _, r := range rows {
		a, err := s.accountFromRow(r)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

func (s *Store) accountFromRow(r dbgen.Account) (Account, error) {
	if s.box == nil {
		return Account{}, errors.New("read account: the store has no secret box")
	}
	var opened [3]secret.Value
	for i, v := range []struct {
		sealed []byte
		aad    []byte
	}{{r.AccessTokenEnc, aadAccessToken}, {r.AppSecretEnc, aadAppSecret}, {r.VerifyTokenEnc, aadVerifyToken}} {
		plain, err := s.box.Open(v.sealed, v.aad)
		if err != nil {
			return Account{}, fmt.Errorf("decrypt %s of account %s (is ENCRYPTION_KEY the one it was stored with?): %w",
				v.aad, r.PhoneNumberID, err)
		}
		opened[i] = secret.Value(plain)
	}
	return Account{
		ID: r.ID, Name: r.Name, PhoneNumberID: r.PhoneNumberID, WABAID: r.WABAID,
		DisplayPhoneNumber: r.DisplayPhoneNumber,
		AccessToken:        opened[0], AppSecret: opened[1], VerifyToken: opened[2],
		APIVersion: r.APIVersion, APIBaseURL: r.APIBaseURL, SendRatePerSecond: int(r.SendRatePerSecond),
		Health: Health(r.Health), HealthReason: r.HealthReason, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
	}, nil
}

// SetAccountHealth records the account's health, with the reason shown to
// its owner (e.g. Meta's error when the token was revoked).
func (s *Store) SetAccountHealth(ctx context.Context, id uuid.UUID, h Health, reason string) error {
	if _, err := s.q.SetAccountHealth(ctx, dbgen.SetAccountHealthParams{Health: string(h), HealthReason: reason, ID: id}); err != nil {
		return wrap(err, "set health of account %s", id)
	}
	return nil
}
