package activities_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/wabuilder/wab/activities"
	"github.com/wabuilder/wab/activities/whatsapp"
	"github.com/wabuilder/wab/activities/whatsapp/sandbox"
	"github.com/wabuilder/wab/db"
	"github.com/wabuilder/wab/db/dbtest"
	"github.com/wabuilder/wab/db/secret"
)

// execute runs one activity attempt in a test activity environment (no
// retries: a test that wants one executes again). fn must be a method value
// of acts, e.g. acts.SendMessages.
func execute[I, R any](t *testing.T, acts *activities.Activities, fn func(context.Context, I) (R, error), in I) (R, error) {
	t.Helper()
	var ts testsuite.WorkflowTestSuite
	env := ts.NewTestActivityEnvironment()
	env.RegisterActivity(acts)
	var out R
	val, err := env.ExecuteActivity(fn, in)
	if err != nil {
		return out, err
	}
	require.NoError(t, val.Get(&out))
	return out, nil
}

// appError unwraps the *temporal.ApplicationError an activity failed with.
func appError(t *testing.T, err error) *temporal.ApplicationError {
	t.Helper()
	var appErr *temporal.ApplicationError
	require.True(t, errors.As(err, &appErr), "want an ApplicationError, got %v", err)
	return appErr
}

// txStore is a store over a rolled-back transaction, with the transaction
// for the few things tests set up or inspect with SQL.
func txStore(ctx context.Context, t *testing.T) (*db.Store, pgx.Tx) {
	t.Helper()
	tx := dbtest.Tx(ctx, t)
	return db.New(tx, dbtest.Box(t)), tx
}

// newSandbox serves a fake Graph API for the test.
func newSandbox(t *testing.T) (*sandbox.Server, *httptest.Server) {
	t.Helper()
	sb := sandbox.New(sandbox.Options{})
	srv := httptest.NewServer(sb)
	t.Cleanup(func() {
		srv.Close()
		sb.Close()
	})
	return sb, srv
}

// sendSetup is an account on a fresh sandbox, a conversation on it, and the
// activities wired to both.
type sendSetup struct {
	store   *db.Store
	tx      pgx.Tx
	sandbox *sandbox.Server
	acct    db.Account
	conv    db.Conversation
	to      string // the contact's wa_id
	acts    *activities.Activities
}

func newSendSetup(ctx context.Context, t *testing.T, token string) sendSetup {
	t.Helper()
	store, tx := txStore(ctx, t)
	sb, srv := newSandbox(t)
	if token == "" {
		token = "test-access-token"
	}
	acct := dbtest.Account(ctx, t, store, &dbtest.AccountOpts{APIBaseURL: srv.URL, AccessToken: secret.Value(token)})
	contact := dbtest.Contact(ctx, t, store, &dbtest.ContactOpts{AccountID: acct.ID})
	conv := dbtest.Conversation(ctx, t, store, &dbtest.ConversationOpts{AccountID: acct.ID, ContactID: contact.ID})
	acts := activities.New(store, whatsapp.NewClient(srv.Client()), activities.Config{})
	return sendSetup{store: store, tx: tx, sandbox: sb, acct: acct, conv: conv, to: contact.WAID, acts: acts}
}
