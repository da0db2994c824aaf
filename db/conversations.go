package db

import (
	"context"
	"strings"
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

// RecordConversationMessage updates the inbox summary for a new message and
// announces conversation.updated; call it in the transaction that stores
// the message.
func (s *Store) RecordConversationMessage(ctx context.Context, id uuid.UUID, a ConversationActivity) (Conversation, error) {
	r, err := s.q.RecordConversationMessage(ctx, dbgen.RecordConversationMessageParams{
		At: a.At, Preview: a.Preview, Inbound: a.Inbound, ID: id,
	})
	if err != nil {
		return Conversation{}, wrap(err, "record message on conversation %s", id)
	}
	if err := s.Notify(ctx, Event{Type: EventConversationUpdated, ConversationID: id}); err != nil {
		return Conversation{}, err
	}
	return conversationFromRow(r), nil
}

// ConversationListItem is a row of the inbox: the conversation, who it is
// with, and the bot run in progress, if any.
type ConversationListItem struct {
	Conversation
	ContactWAID   string
	ContactName   string
	ActiveSession *ActiveSession
}

// ActiveSession is the live bot run of a conversation, as the inbox shows it.
type ActiveSession struct {
	ID            uuid.UUID
	ChatbotID     uuid.UUID
	Status        string
	CurrentNodeID string
}

// ConversationQuery selects a page of the inbox. Zero fields do not filter;
// a nil AccountID lists every number.
type ConversationQuery struct {
	AccountID *uuid.UUID
	// Search matches the contact's name (case-insensitive) or, by its
	// digits, their phone number; both as substrings.
	Search string
	// Handoff keeps conversations in that state.
	Handoff HandoffState
	// Unread keeps conversations with (true) or without (false) unread messages.
	Unread *bool
	// ActiveSession keeps conversations with (true) or without (false) a live bot run.
	ActiveSession *bool
	// Since and Until bound the last activity: Since <= last_message_at < Until.
	Since, Until *time.Time
	After        Cursor
	Limit        int
}

// Conversations lists conversations, most recent activity first. A
// conversation with new activity moves to the top, so a client paging with
// After never sees one twice and never skips one that did not move.
func (s *Store) Conversations(ctx context.Context, q ConversationQuery) (Page[ConversationListItem], error) {
	size := pageSize(q.Limit)
	at, id := q.After.bounds()
	p := dbgen.ListConversationsParams{
		BeforeAt: at, BeforeID: id, Unread: q.Unread, ActiveSession: q.ActiveSession,
		Since: q.Since, Until: q.Until, PageSize: int32(size + 1), //nolint:gosec // clamped.
	}
	if q.Handoff != "" {
		h := string(q.Handoff)
		p.HandoffState = &h
	}
	p.NamePattern, p.DigitsPattern = searchPatterns(q.Search)
	var rows []dbgen.ListConversationsRow
	var err error
	if q.AccountID != nil {
		var acc []dbgen.ListAccountConversationsRow
		acc, err = s.q.ListAccountConversations(ctx, dbgen.ListAccountConversationsParams{
			AccountID: *q.AccountID, BeforeAt: p.BeforeAt, BeforeID: p.BeforeID, HandoffState: p.HandoffState,
			Unread: p.Unread, ActiveSession: p.ActiveSession, Since: p.Since, Until: p.Until,
			NamePattern: p.NamePattern, DigitsPattern: p.DigitsPattern, PageSize: p.PageSize,
		})
		for _, r := range acc {
			rows = append(rows, dbgen.ListConversationsRow(r))
		}
	} else {
		rows, err = s.q.ListConversations(ctx, p)
	}
	if err != nil {
		return Page[ConversationListItem]{}, wrap(err, "list conversations")
	}
	return newPage(rows, size, func(r dbgen.ListConversationsRow) (ConversationListItem, error) {
		return ConversationListItem{
			Conversation:  conversationFromRow(r.Conversation),
			ContactWAID:   r.ContactWAID,
			ContactName:   r.ContactName,
			ActiveSession: activeSession(r.SessionID, r.SessionChatbotID, r.SessionStatus, r.SessionNodeID),
		}, nil
	}, func(c ConversationListItem) Cursor { return Cursor{At: c.LastMessageAt, ID: c.ID} })
}

// searchPatterns turns a search into a name pattern (ILIKE, substring) and a
// phone pattern over its digits (nil when it has none): "+90 555" finds
// 90555....
func searchPatterns(search string) (name, digits *string) {
	search = strings.TrimSpace(search)
	if search == "" {
		return nil, nil
	}
	n := "%" + likeEscaper.Replace(search) + "%"
	var b strings.Builder
	for _, r := range search {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	if b.Len() == 0 {
		return &n, nil
	}
	d := "%" + b.String() + "%"
	return &n, &d
}

// likeEscaper escapes LIKE's wildcards (backslash is the default escape).
var likeEscaper = strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`)

func activeSession(id, chatbotID *uuid.UUID, status, node *string) *ActiveSession {
	if id == nil {
		return nil
	}
	return &ActiveSession{ID: *id, ChatbotID: deref(chatbotID), Status: deref(status), CurrentNodeID: deref(node)}
}

// ConversationDetail is one conversation with everything its page shows.
type ConversationDetail struct {
	ConversationListItem
	// PhoneNumberID is the business number's: with ContactWAID it names the
	// conversation to Meta.
	PhoneNumberID string
	// OnTestChannel marks a console test conversation (its workflow runs
	// with IsTest).
	OnTestChannel bool
}

// ConversationDetail returns one conversation.
func (s *Store) ConversationDetail(ctx context.Context, id uuid.UUID) (ConversationDetail, error) {
	r, err := s.q.GetConversationDetail(ctx, id)
	if err != nil {
		return ConversationDetail{}, wrap(err, "get conversation %s", id)
	}
	return ConversationDetail{
		ConversationListItem: ConversationListItem{
			Conversation: conversationFromRow(r.Conversation),
			ContactWAID:  r.ContactWAID, ContactName: r.ContactName,
			ActiveSession: activeSession(r.SessionID, r.SessionChatbotID, r.SessionStatus, r.SessionNodeID),
		},
		PhoneNumberID: r.PhoneNumberID, OnTestChannel: r.OnTestChannel,
	}, nil
}

// MarkConversationRead sets the unread count to zero and announces it
// (conversation.updated) in the same transaction.
func (s *Store) MarkConversationRead(ctx context.Context, id uuid.UUID) (Conversation, error) {
	var c Conversation
	err := s.InTx(ctx, func(tx *Store) error {
		r, err := tx.q.MarkConversationRead(ctx, id)
		if err != nil {
			return wrap(err, "mark conversation %s read", id)
		}
		c = conversationFromRow(r)
		return tx.Notify(ctx, Event{Type: EventConversationUpdated, ConversationID: id})
	})
	return c, err
}

func conversationFromRow(r dbgen.Conversation) Conversation {
	return Conversation{
		ID: r.ID, AccountID: r.AccountID, ContactID: r.ContactID, WorkflowID: r.WorkflowID,
		LastMessageAt: r.LastMessageAt, LastMessagePreview: r.LastMessagePreview, LastInboundAt: r.LastInboundAt,
		HandoffState: HandoffState(r.HandoffState), HandoffUserID: r.HandoffUserID, HandoffAt: r.HandoffAt,
		UnreadCount: int(r.UnreadCount), CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
	}
}
