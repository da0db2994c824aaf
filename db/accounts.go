package db

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

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
	sealed, err := s.sealCredentials(in.PhoneNumberID, &in.AccessToken, &in.AppSecret, &in.VerifyToken)
	if err != nil {
		return Account{}, err
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

// CreateAccount adds a number; ErrConflict if its phone number id exists.
// Empty Name defaults to the phone number id, zero SendRatePerSecond to 80.
func (s *Store) CreateAccount(ctx context.Context, in AccountInput) (Account, error) {
	if in.PhoneNumberID == "" || in.APIVersion == "" || in.APIBaseURL == "" {
		return Account{}, errors.New("create account: phone number id, API version and API base URL are required")
	}
	sealed, err := s.sealCredentials(in.PhoneNumberID, &in.AccessToken, &in.AppSecret, &in.VerifyToken)
	if err != nil {
		return Account{}, err
	}
	if in.Name == "" {
		in.Name = in.PhoneNumberID
	}
	if in.SendRatePerSecond <= 0 {
		in.SendRatePerSecond = DefaultSendRatePerSecond
	}
	var row dbgen.Account
	// A savepoint: a conflict must not abort the caller's transaction.
	err = s.InTx(ctx, func(tx *Store) error {
		var err error
		row, err = tx.q.CreateAccount(ctx, dbgen.CreateAccountParams{
			Name: in.Name, PhoneNumberID: in.PhoneNumberID, WABAID: in.WABAID, DisplayPhoneNumber: in.DisplayPhoneNumber,
			AccessTokenEnc: sealed[0], AppSecretEnc: sealed[1], VerifyTokenEnc: sealed[2],
			APIVersion: in.APIVersion, APIBaseURL: in.APIBaseURL,
			SendRatePerSecond: int32(in.SendRatePerSecond), //nolint:gosec // rates are small.
		})
		return err
	})
	if err != nil {
		return Account{}, wrap(err, "create account %s", in.PhoneNumberID)
	}
	return s.accountFromRow(row)
}

// DefaultSendRatePerSecond is Meta's default throughput for a number.
const DefaultSendRatePerSecond = 80

// AccountChange is a partial update of an account: nil fields keep their
// value. The phone number id never changes: conversations are keyed by it.
type AccountChange struct {
	Name               *string
	WABAID             *string
	DisplayPhoneNumber *string
	AccessToken        *secret.Value
	AppSecret          *secret.Value
	VerifyToken        *secret.Value
	APIVersion         *string
	APIBaseURL         *string
	SendRatePerSecond  *int
}

// UpdateAccount applies ch. New credentials, API version or base URL reset
// the health to unknown: the last check said nothing about them.
func (s *Store) UpdateAccount(ctx context.Context, id uuid.UUID, ch AccountChange) (Account, error) {
	sealed, err := s.sealCredentials(id.String(), ch.AccessToken, ch.AppSecret, ch.VerifyToken)
	if err != nil {
		return Account{}, err
	}
	p := dbgen.UpdateAccountParams{
		Name: ch.Name, WABAID: ch.WABAID, DisplayPhoneNumber: ch.DisplayPhoneNumber,
		AccessTokenEnc: sealed[0], AppSecretEnc: sealed[1], VerifyTokenEnc: sealed[2],
		APIVersion: ch.APIVersion, APIBaseURL: ch.APIBaseURL, ID: id,
	}
	if ch.SendRatePerSecond != nil {
		r := int32(*ch.SendRatePerSecond) //nolint:gosec // rates are small; the CHECK refuses <= 0.
		p.SendRatePerSecond = &r
	}
	row, err := s.q.UpdateAccount(ctx, p)
	if err != nil {
		return Account{}, wrap(err, "update account %s", id)
	}
	return s.accountFromRow(row)
}

// ErrInUse is returned when a row cannot be deleted because history refers
// to it (a number with conversations). It wraps ErrConflict.
var ErrInUse = fmt.Errorf("%w: still referenced", ErrConflict)

// DeleteAccount deletes a number that has no history (contacts,
// conversations, messages): ErrInUse otherwise, ErrNotFound if it is gone.
// Its triggers are deleted with it.
func (s *Store) DeleteAccount(ctx context.Context, id uuid.UUID) error {
	return s.InTx(ctx, func(tx *Store) error {
		n, err := tx.q.DeleteAccount(ctx, id)
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && pgErr.Code == "23503" { // foreign_key_violation
			return fmt.Errorf("delete account %s: %w", id, ErrInUse)
		}
		if err != nil {
			return wrap(err, "delete account %s", id)
		}
		if n == 0 {
			return wrap(pgx.ErrNoRows, "delete account %s", id)
		}
		return wrap(tx.q.DeleteSendRateSlot(ctx, id), "delete send rate of account %s", id)
	})
}

// sealCredentials seals the non-nil values (nil stays nil: "keep").
func (s *Store) sealCredentials(label string, vals ...*secret.Value) ([3][]byte, error) {
	var sealed [3][]byte
	if s.box == nil {
		return sealed, errors.New("seal credentials: the store has no secret box")
	}
	aads := [3][]byte{aadAccessToken, aadAppSecret, aadVerifyToken}
	for i, v := range vals {
		if v == nil {
			continue
		}
		var err error
		if sealed[i], err = s.box.Seal([]byte(v.Reveal()), aads[i]); err != nil {
			return sealed, fmt.Errorf("seal credentials of account %s: %w", label, err)
		}
	}
	return sealed, nil
}
