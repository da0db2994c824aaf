package db_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/wabuilder/wab/db"
	"github.com/wabuilder/wab/db/dbtest"
	"github.com/wabuilder/wab/db/secret"
)

func TestUpsertAccount_RoundTrip(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := dbtest.Store(ctx, t)
	in := db.AccountInput{
		Name: "Support", PhoneNumberID: dbtest.Unique(), WABAID: "1029384756", DisplayPhoneNumber: "+1 555 0100",
		AccessToken: "EAAG-token", AppSecret: "app-secret", VerifyToken: "verify-me",
		APIVersion: "v23.0", APIBaseURL: "https://graph.facebook.com", SendRatePerSecond: 250,
	}
	a, err := s.UpsertAccount(ctx, in)
	require.NoError(t, err)
	require.Equal(t, in.Name, a.Name)
	require.Equal(t, in.WABAID, a.WABAID)
	require.Equal(t, in.DisplayPhoneNumber, a.DisplayPhoneNumber)
	require.Equal(t, "EAAG-token", a.AccessToken.Reveal())
	require.Equal(t, "app-secret", a.AppSecret.Reveal())
	require.Equal(t, "verify-me", a.VerifyToken.Reveal())
	require.Equal(t, 250, a.SendRatePerSecond)
	require.Equal(t, db.HealthUnknown, a.Health)

	byID, err := s.Account(ctx, a.ID)
	require.NoError(t, err)
	require.Equal(t, a, byID)
	byPhone, err := s.AccountByPhoneNumberID(ctx, in.PhoneNumberID)
	require.NoError(t, err)
	require.Equal(t, a, byPhone)
}

func TestUpsertAccount_UpdateKeepsOmittedFields(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := dbtest.Store(ctx, t)
	first := dbtest.Account(ctx, t, s, &dbtest.AccountOpts{Name: "Renamed in console"})

	// Re-applying the environment at start: no name, new token.
	again, err := s.UpsertAccount(ctx, db.AccountInput{
		PhoneNumberID: first.PhoneNumberID, AccessToken: "rotated", AppSecret: "s", VerifyToken: "v",
		APIVersion: "v24.0", APIBaseURL: first.APIBaseURL,
	})
	require.NoError(t, err)
	require.Equal(t, first.ID, again.ID)
	require.Equal(t, "Renamed in console", again.Name)
	require.Equal(t, first.WABAID, again.WABAID)
	require.Equal(t, 80, again.SendRatePerSecond)
	require.Equal(t, "rotated", again.AccessToken.Reveal())
	require.Equal(t, "v24.0", again.APIVersion)

	// Defaults on create: the phone number id names the account.
	fresh, err := s.UpsertAccount(ctx, db.AccountInput{
		PhoneNumberID: dbtest.Unique(), AccessToken: "t", AppSecret: "s", VerifyToken: "v",
		APIVersion: "v23.0", APIBaseURL: "https://graph.facebook.com",
	})
	require.NoError(t, err)
	require.Equal(t, fresh.PhoneNumberID, fresh.Name)
}

func TestAccount_SecretsEncryptedAtRest(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tx := dbtest.Tx(ctx, t)
	s := db.New(tx, dbtest.Box(t))
	a := dbtest.Account(ctx, t, s, &dbtest.AccountOpts{
		AccessToken: "EAAG-plaintext-token", AppSecret: "plaintext-app-secret", VerifyToken: "plaintext-verify",
	})

	var token, appSecret, verify []byte
	require.NoError(t, tx.QueryRow(ctx,
		"SELECT access_token_enc, app_secret_enc, verify_token_enc FROM accounts WHERE id = $1", a.ID,
	).Scan(&token, &appSecret, &verify))
	for plain, stored := range map[string][]byte{
		"EAAG-plaintext-token": token, "plaintext-app-secret": appSecret, "plaintext-verify": verify,
	} {
		require.False(t, bytes.Contains(stored, []byte(plain)), "%q stored in clear", plain)
		require.Greater(t, len(stored), len(plain), "sealed value carries a nonce and tag")
	}

	// Another key cannot read them, and says why.
	otherBox, err := secret.NewBox(bytes.Repeat([]byte{7}, secret.KeySize))
	require.NoError(t, err)
	_, err = db.New(tx, otherBox).Account(ctx, a.ID)
	require.ErrorIs(t, err, secret.ErrDecrypt)
	require.ErrorContains(t, err, "ENCRYPTION_KEY")

	// A ciphertext moved into another column does not open there.
	_, err = tx.Exec(ctx, "UPDATE accounts SET app_secret_enc = access_token_enc WHERE id = $1", a.ID)
	require.NoError(t, err)
	_, err = s.Account(ctx, a.ID)
	require.ErrorIs(t, err, secret.ErrDecrypt)
}

func TestAccounts_OldestFirst(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := dbtest.Store(ctx, t)
	a := dbtest.Account(ctx, t, s, nil)
	b := dbtest.Account(ctx, t, s, nil)

	all, err := s.Accounts(ctx)
	require.NoError(t, err)
	pos := map[string]int{}
	for i, acc := range all {
		pos[acc.PhoneNumberID] = i
	}
	require.Contains(t, pos, a.PhoneNumberID)
	require.Contains(t, pos, b.PhoneNumberID)
	// Same transaction, same created_at: the id breaks the tie.
	if a.ID.String() < b.ID.String() {
		require.Less(t, pos[a.PhoneNumberID], pos[b.PhoneNumberID])
	} else {
		require.Less(t, pos[b.PhoneNumberID], pos[a.PhoneNumberID])
	}
}

func TestCreateAccount_DefaultsAndConflict(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := dbtest.Store(ctx, t)
	in := db.AccountInput{
		PhoneNumberID: dbtest.Unique(), AccessToken: "t", AppSecret: "s", VerifyToken: "v",
		APIVersion: "v23.0", APIBaseURL: "https://graph.facebook.com",
	}
	a, err := s.CreateAccount(ctx, in)
	require.NoError(t, err)
	require.Equal(t, in.PhoneNumberID, a.Name)
	require.Equal(t, db.DefaultSendRatePerSecond, a.SendRatePerSecond)
	require.Equal(t, "t", a.AccessToken.Reveal())

	_, err = s.CreateAccount(ctx, in)
	require.ErrorIs(t, err, db.ErrConflict, "unlike UpsertAccount, creating never overwrites")
	again, err := s.Account(ctx, a.ID) // the conflict did not abort the caller's transaction
	require.NoError(t, err)
	require.Equal(t, a, again)
}

func TestUpdateAccount_ChangesOnlyWhatIsNamed(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := dbtest.Store(ctx, t)
	a := dbtest.Account(ctx, t, s, &dbtest.AccountOpts{Name: "Before"})
	require.NoError(t, s.SetAccountHealth(ctx, a.ID, db.HealthUnhealthy, "bad token"))

	name, rate := "After", 5
	renamed, err := s.UpdateAccount(ctx, a.ID, db.AccountChange{Name: &name, SendRatePerSecond: &rate})
	require.NoError(t, err)
	require.Equal(t, "After", renamed.Name)
	require.Equal(t, 5, renamed.SendRatePerSecond)
	require.Equal(t, a.AccessToken, renamed.AccessToken)
	require.Equal(t, db.HealthUnhealthy, renamed.Health, "a rename says nothing about the token")

	tok := secret.Value("new-token")
	rotated, err := s.UpdateAccount(ctx, a.ID, db.AccountChange{AccessToken: &tok})
	require.NoError(t, err)
	require.Equal(t, "new-token", rotated.AccessToken.Reveal())
	require.Equal(t, a.AppSecret, rotated.AppSecret)
	require.Equal(t, db.HealthUnknown, rotated.Health, "a new token needs a new check")
	require.Empty(t, rotated.HealthReason)

	_, err = s.UpdateAccount(ctx, uuid.New(), db.AccountChange{Name: &name})
	require.ErrorIs(t, err, db.ErrNotFound)
}

func TestDeleteAccount_OnlyWithoutHistory(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := dbtest.Store(ctx, t)
	used := dbtest.Conversation(ctx, t, s, nil)
	require.ErrorIs(t, s.DeleteAccount(ctx, used.AccountID), db.ErrInUse)
	_, err := s.Account(ctx, used.AccountID)
	require.NoError(t, err, "a refused delete changes nothing, and the transaction goes on")

	fresh := dbtest.Account(ctx, t, s, nil)
	dbtest.Trigger(ctx, t, s, &dbtest.TriggerOpts{AccountID: &fresh.ID})
	_, err = s.ReserveSendSlot(ctx, fresh.ID, 80, time.Second)
	require.NoError(t, err)
	require.NoError(t, s.DeleteAccount(ctx, fresh.ID), "its triggers and send pacing go with it")
	_, err = s.Account(ctx, fresh.ID)
	require.ErrorIs(t, err, db.ErrNotFound)
	require.ErrorIs(t, s.DeleteAccount(ctx, fresh.ID), db.ErrNotFound)
}
