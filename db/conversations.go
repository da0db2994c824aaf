package db

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/wabuilder/wab/db/dbgen"
)

// Contact is a WhatsApp user as seen by one business number.
type Contact struct {
	ID          uuid.UUID
	AccountID   uuid.UUID
	WAID        string
	BSUID       string // Meta's business-scoped user id; "" when unknown
	ProfileName string
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// ContactInput creates or refreshes a contact. Empty BSUID and ProfileName
// keep the stored values.
type ContactInput struct {
	AccountID   uuid.UUID
	WAID        string
	BSUID       string
	ProfileName string
}

// UpsertContact creates the contact or refreshes the one with the same wa_id.
func (s *Store) UpsertContact(ctx context.Context, in ContactInput) (Contact, error) {
	r, err := s.q.UpsertContact(ctx, dbgen.UpsertContactParams{
		AccountID: in.AccountID, WAID: in.WAID, BSUID: ptr(in.BSUID), ProfileName: in.ProfileName,
	})
	if err != nil {
		return Contact{}, wrap(err, "upsert contact %s", in.WAID)
	}
	return Contact{
		ID: r.ID, AccountID: r.AccountID, WAID: r.WAID, BSUID: deref(r.BSUID),
		ProfileName: r.ProfileName, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
	}, nil
}

// HandoffState says who answers a conversation.
type HandoffState string

// Handoff states, as allowed by the conversations.handoff_state CHECK constraint.
const (
	HandoffBot   HandoffState = "bot"
	HandoffAgent HandoffState = "agent"
)

// Conversation is the thread between a number and a contact, driven by one workflow.
type Conversation struct {
	ID                 uuid.UUID
	AccountID          uuid.UUID
	ContactID          uuid.UUID
	WorkflowID         string
	LastMessageAt      time.Time
	LastMessagePreview string
	LastInboundAt      *time.Time // opens Meta's 24-hour customer-service window
	HandoffState       HandoffState
	HandoffUserID      *uuid.UUID
	HandoffAt          *time.Time
	UnreadCount        int
	CreatedAt          time.Time
	UpdatedAt          time.Time
}

// ConversationInput identifies a conversation to create or find.
type ConversationInput struct {
	AccountID  uuid.UUID
	ContactID  uuid.UUID
	WorkflowID string
}

// UpsertConversation returns the conversation between the account and contact,
// creating it on first contact.
func (s *Store) UpsertConversation(ctx context.Context, in ConversationInput) (Conversation, error) {
	r, err := s.q.UpsertConversation(ctx, dbgen.UpsertConversationParams(in))
	if err != nil {
		return Conversation{}, wrap(err, "upsert conversation %s", in.WorkflowID)
	}
	return conversationFromRow(r), nil
}

// ConversationActivity is a message that moves a conversation's inbox summary.
type ConversationActivity struct {
	At      time.Time
	Preview string
	Inbound bool // counts as unread and refreshes the 24-hour window
}

// RecordConversationMessage updates the inbox summary for a new message.
func (s *Store) RecordConversationMessage(ctx context.Context, id uuid.UUID, a ConversationActivity) (Conversation, error) {
	r, err := s.q.RecordConversationMessage(ctx, dbgen.RecordConversationMessageParams{
		At: a.At, Preview: a.Preview, Inbound: a.Inbound, ID: id,
	})
	if err != nil {
		return Conversation{}, wrap(err, "record message on conversation %s", id)
	}
	return conversationFromRow(r), nil
}

// ConversationListItem is a row of the inbox: the conversation and who it is with.
type ConversationListItem struct {
	Conversation
	ContactWAID string
	ContactName string
}

// ConversationQuery selects a page of the inbox. A nil AccountID lists every number.
type ConversationQuery struct {
	AccountID *uuid.UUID
	After     Cursor
	Limit     int
}

// Conversations lists conversations, most recent message first.
func (s *Store) Conversations(ctx context.Context, q ConversationQuery) (Page[ConversationListItem], error) {
	size := pageSize(q.Limit)
	at, id := q.After.bounds()
	var rows []dbgen.ListConversationsRow
	var err error
	if q.AccountID != nil {
		var acc []dbgen.ListAccountConversationsRow
		acc, err = s.q.ListAccountConversations(ctx, dbgen.ListAccountConversationsParams{
			AccountID: *q.AccountID, BeforeAt: at, BeforeID: id, PageSize: int32(size + 1), //nolint:gosec // clamped.
		})
		for _, r := range acc {
			rows = append(rows, dbgen.ListConversationsRow(r))
		}
	} else {
		rows, err = s.q.ListConversations(ctx, dbgen.ListConversationsParams{
			BeforeAt: at, BeforeID: id, PageSize: int32(size + 1), //nolint:gosec // clamped.
		})
	}
	if err != nil {
		return Page[ConversationListItem]{}, wrap(err, "list conversations")
	}
	return newPage(rows, size, func(r dbgen.ListConversationsRow) (ConversationListItem, error) {
		return ConversationListItem{
			Conversation: conversationFromRow(r.Conversation),
			ContactWAID:  r.ContactWAID,
			ContactName:  r.ContactName,
		}, nil
	}, func(c ConversationListItem) Cursor { return Cursor{At: c.LastMessageAt, ID: c.ID} })
}

func conversationFromRow(r dbgen.Conversation) Conversation {
	return Conversation{
		ID: r.ID, AccountID: r.AccountID, ContactID: r.ContactID, WorkflowID: r.WorkflowID,
		LastMessageAt: r.LastMessageAt, LastMessagePreview: r.LastMessagePreview, LastInboundAt: r.LastInboundAt,
		HandoffState: HandoffState(r.HandoffState), HandoffUserID: r.HandoffUserID, HandoffAt: r.HandoffAt,
		UnreadCount: int(r.UnreadCount), CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
	}
}
