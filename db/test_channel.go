package db

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/wabuilder/wab/db/dbgen"
)

// The test channel's account. TestChannelBaseURL is whatsapp.TestChannelBaseURL
// (a test holds them equal; db does not import the Graph client), and the
// accounts_test_channel_url_check constraint ties it to channel = 'test'.
const (
	TestChannelBaseURL       = "http://test-channel.invalid"
	TestChannelPhoneNumberID = "test-channel"
	testChannelName          = "Test channel"
	testChannelAPIVersion    = "v23.0"
)

// TestChannelAccount returns the test channel's account, creating it on
// first use. Its credentials are random: nothing outside this process ever
// checks them, and nobody can sign a webhook as the test channel.
func (s *Store) TestChannelAccount(ctx context.Context) (Account, error) {
	r, err := s.q.GetTestChannelAccount(ctx)
	if err == nil {
		return s.accountFromRow(r)
	}
	if !noRow(err) {
		return Account{}, wrap(err, "get the test channel")
	}
	if s.box == nil {
		return Account{}, errors.New("create the test channel: the store has no secret box")
	}
	p := dbgen.CreateTestChannelAccountParams{
		Name: testChannelName, PhoneNumberID: TestChannelPhoneNumberID,
		APIVersion: testChannelAPIVersion, APIBaseURL: TestChannelBaseURL,
	}
	for _, f := range []struct {
		dst *[]byte
		aad []byte
	}{{&p.AccessTokenEnc, aadAccessToken}, {&p.AppSecretEnc, aadAppSecret}, {&p.VerifyTokenEnc, aadVerifyToken}} {
		if *f.dst, err = s.box.Seal([]byte(rand.Text()), f.aad); err != nil {
			return Account{}, fmt.Errorf("create the test channel: %w", err)
		}
	}
	r, err = s.q.CreateTestChannelAccount(ctx, p)
	if noRow(err) { // created concurrently
		r, err = s.q.GetTestChannelAccount(ctx)
	}
	if err != nil {
		return Account{}, wrap(err, "create the test channel")
	}
	return s.accountFromRow(r)
}

// TestSession is a console test conversation: a synthetic customer on the
// test channel writing to the chatbot the tester chose. Its ID is its
// conversation's.
type TestSession struct {
	ConversationID uuid.UUID
	ChatbotID      uuid.UUID
	ChatbotName    string
	AccountID      uuid.UUID
	WorkflowID     string
	CustomerPhone  string
	CustomerName   string
	CreatedBy      *uuid.UUID
	CreatedAt      time.Time
	ClosedAt       *time.Time
}

// CreateTestSession marks a conversation of the test channel as a test of
// chatbotID; call it in the transaction that ingests its first message, so
// the workflow never sees the conversation without it. A conversation that
// already is a test session is ErrConflict.
func (s *Store) CreateTestSession(ctx context.Context, conversationID, chatbotID uuid.UUID, by *uuid.UUID) error {
	_, err := s.q.CreateTestSession(ctx, dbgen.CreateTestSessionParams{
		ConversationID: conversationID, ChatbotID: chatbotID, CreatedBy: by,
	})
	return wrap(err, "create test session %s", conversationID)
}

// TestSession returns the test session of a conversation.
func (s *Store) TestSession(ctx context.Context, id uuid.UUID) (TestSession, error) {
	r, err := s.q.GetTestSession(ctx, id)
	if err != nil {
		return TestSession{}, wrap(err, "get test session %s", id)
	}
	t := r.TestSession
	return TestSession{
		ConversationID: t.ConversationID, ChatbotID: t.ChatbotID, ChatbotName: r.ChatbotName,
		AccountID: r.AccountID, WorkflowID: r.WorkflowID, CustomerPhone: r.CustomerPhone,
		CustomerName: r.CustomerName, CreatedBy: t.CreatedBy, CreatedAt: t.CreatedAt, ClosedAt: t.ClosedAt,
	}, nil
}

// CloseTestSession records that the tester stopped the test session; a
// closed one takes no more messages. Closing it again changes nothing.
func (s *Store) CloseTestSession(ctx context.Context, id uuid.UUID) error {
	n, err := s.q.CloseTestSession(ctx, id)
	if err != nil {
		return wrap(err, "close test session %s", id)
	}
	if n == 0 {
		return fmt.Errorf("close test session %s: %w", id, ErrNotFound)
	}
	return nil
}

// TestSessionBot is the chatbot a test session runs, with the version it
// has published now (nil if none).
type TestSessionBot struct {
	ChatbotID uuid.UUID
	VersionID *uuid.UUID
}

// TestSessionChatbot returns the chatbot chosen for the test session whose
// conversation workflowID drives; ErrNotFound for every other conversation.
func (s *Store) TestSessionChatbot(ctx context.Context, workflowID string) (TestSessionBot, error) {
	r, err := s.q.GetTestSessionChatbot(ctx, workflowID)
	if err != nil {
		return TestSessionBot{}, wrap(err, "test session chatbot of %s", workflowID)
	}
	return TestSessionBot(r), nil
}
