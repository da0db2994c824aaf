package db

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/google/uuid"

	"github.com/wabuilder/wab/db/dbgen"
)

// Direction says whether a message came from the contact or went to them.
type Direction string

// Directions, as allowed by the messages.direction CHECK constraint.
const (
	Inbound  Direction = "inbound"
	Outbound Direction = "outbound"
)

// MessageStatus is where a message is in its delivery. Outbound statuses only
// move forward: pending, sent, delivered, read; failed ranks last.
type MessageStatus string

// Message statuses, as allowed by the messages.status CHECK constraint.
const (
	StatusPending   MessageStatus = "pending" // stored, Graph API not yet called
	StatusReceived  MessageStatus = "received"
	StatusSent      MessageStatus = "sent"
	StatusDelivered MessageStatus = "delivered"
	StatusRead      MessageStatus = "read"
	StatusFailed    MessageStatus = "failed"
)

// Message is one WhatsApp message, inbound or outbound.
type Message struct {
	ID              uuid.UUID
	AccountID       uuid.UUID
	ConversationID  uuid.UUID
	SessionID       *uuid.UUID
	Direction       Direction
	WAMID           string // Meta's message id; "" until an outbound send returns it
	IdempotencyKey  string // outbound: workflow id + sequence
	Type            string // Meta's type: text, image, interactive, ...
	Payload         json.RawMessage
	Status          MessageStatus
	Error           *MessageError // set when Meta reported a failure
	Sender          string
	WATimestamp     *time.Time // Meta's timestamp for the message
	StatusUpdatedAt *time.Time
	CreatedAt       time.Time
}

// MessageError is the error Meta reported for a failed message.
type MessageError struct {
	Code   int
	Title  string
	Detail string
}

// NewMessage is a message to store. An empty Status defaults to received for
// inbound and pending for outbound messages; a nil Payload to {}.
type NewMessage struct {
	AccountID      uuid.UUID
	ConversationID uuid.UUID
	SessionID      *uuid.UUID
	Direction      Direction
	WAMID          string
	IdempotencyKey string
	Type           string
	Payload        json.RawMessage
	Status         MessageStatus
	Sender         string
	WATimestamp    time.Time // zero if unknown
}

// InsertMessage stores a message. If the account already has a message with
// the same WAMID or IdempotencyKey it stores nothing and returns inserted ==
// false: webhooks are redelivered and activities are retried.
func (s *Store) InsertMessage(ctx context.Context, in NewMessage) (m Message, inserted bool, err error) {
	if in.Status == "" {
		in.Status = StatusPending
		if in.Direction == Inbound {
			in.Status = StatusReceived
		}
	}
	if in.Payload == nil {
		in.Payload = json.RawMessage(`{}`)
	}
	r, err := s.q.InsertMessage(ctx, dbgen.InsertMessageParams{
		AccountID: in.AccountID, ConversationID: in.ConversationID, SessionID: in.SessionID,
		Direction: string(in.Direction), WAMID: ptr(in.WAMID), IdempotencyKey: ptr(in.IdempotencyKey),
		Type: in.Type, Payload: in.Payload, Status: string(in.Status), Sender: in.Sender,
		WATimestamp: ptr(in.WATimestamp),
	})
	if noRow(err) {
		return Message{}, false, nil
	}
	if err != nil {
		return Message{}, false, wrap(err, "insert message %s%s", in.WAMID, in.IdempotencyKey)
	}
	return messageFromRow(r), true, nil
}

// StatusUpdate is a delivery status from Meta's webhook.
type StatusUpdate struct {
	AccountID uuid.UUID
	WAMID     string
	Status    MessageStatus
	Error     *MessageError
	At        time.Time
	// CallbackData is the status' biz_opaque_callback_data: the idempotency
	// key the send put there. Ingest uses it to give a pending message whose
	// send never stored Meta's answer its wamid (see Ingest); "" for none.
	CallbackData string
}

// AdvanceMessageStatus applies a status update if it moves the message
// forward. Meta's status webhooks arrive out of order, so a late "delivered"
// after "read" is ignored: advanced is false, as it is for an unknown WAMID.
func (s *Store) AdvanceMessageStatus(ctx context.Context, u StatusUpdate) (m Message, advanced bool, err error) {
	if u.WAMID == "" || u.At.IsZero() {
		return Message{}, false, errors.New("advance message status: WAMID and At are required")
	}
	p := dbgen.AdvanceMessageStatusParams{
		Status: string(u.Status), At: u.At, AccountID: u.AccountID, WAMID: u.WAMID,
	}
	if e := u.Error; e != nil {
		code := int32(e.Code) //nolint:gosec // Meta's codes are small.
		p.ErrorCode, p.ErrorTitle, p.ErrorDetail = &code, ptr(e.Title), ptr(e.Detail)
	}
	r, err := s.q.AdvanceMessageStatus(ctx, p)
	if noRow(err) {
		return Message{}, false, nil
	}
	if err != nil {
		return Message{}, false, wrap(err, "advance message %s to %s", u.WAMID, u.Status)
	}
	return messageFromRow(r), true, nil
}

// ConversationMessages lists a conversation's messages, newest first.
func (s *Store) ConversationMessages(ctx context.Context, conversationID uuid.UUID, after Cursor, limit int) (Page[Message], error) {
	size := pageSize(limit)
	at, id := after.bounds()
	rows, err := s.q.ListConversationMessages(ctx, dbgen.ListConversationMessagesParams{
		ConversationID: conversationID, BeforeAt: at, BeforeID: id, PageSize: int32(size + 1), //nolint:gosec // clamped.
	})
	if err != nil {
		return Page[Message]{}, wrap(err, "list messages of conversation %s", conversationID)
	}
	return newPage(rows, size,
		func(r dbgen.Message) (Message, error) { return messageFromRow(r), nil },
		func(m Message) Cursor { return Cursor{At: m.CreatedAt, ID: m.ID} })
}

func messageFromRow(r dbgen.Message) Message {
	m := Message{
		ID: r.ID, AccountID: r.AccountID, ConversationID: r.ConversationID, SessionID: r.SessionID,
		Direction: Direction(r.Direction), WAMID: deref(r.WAMID), IdempotencyKey: deref(r.IdempotencyKey),
		Type: r.Type, Payload: r.Payload, Status: MessageStatus(r.Status), Sender: r.Sender,
		WATimestamp: r.WATimestamp, StatusUpdatedAt: r.StatusUpdatedAt, CreatedAt: r.CreatedAt,
	}
	if r.ErrorCode != nil || r.ErrorTitle != nil || r.ErrorDetail != nil {
		m.Error = &MessageError{Code: int(deref(r.ErrorCode)), Title: deref(r.ErrorTitle), Detail: deref(r.ErrorDetail)}
	}
	return m
}

// MessageByIdempotencyKey returns the account's outbound message with the key.
func (s *Store) MessageByIdempotencyKey(ctx context.Context, accountID uuid.UUID, key string) (Message, error) {
	r, err := s.q.GetMessageByIdempotencyKey(ctx, dbgen.GetMessageByIdempotencyKeyParams{
		AccountID: accountID, IdempotencyKey: key,
	})
	if err != nil {
		return Message{}, wrap(err, "get message %s", key)
	}
	return messageFromRow(r), nil
}

// MarkMessageSent stores the wamid Meta returned for an outbound message.
// Its status becomes sent unless a status webhook already moved it further.
func (s *Store) MarkMessageSent(ctx context.Context, id uuid.UUID, wamid string, at time.Time) (Message, error) {
	r, err := s.q.MarkMessageSent(ctx, dbgen.MarkMessageSentParams{WAMID: wamid, At: at, ID: id})
	if err != nil {
		return Message{}, wrap(err, "mark message %s sent as %s", id, wamid)
	}
	return messageFromRow(r), nil
}

// MarkMessageFailed records that Meta refused an outbound message. A message
// that already has a wamid reached Meta; it is returned unchanged.
func (s *Store) MarkMessageFailed(ctx context.Context, id uuid.UUID, e MessageError, at time.Time) (Message, error) {
	code := int32(e.Code) //nolint:gosec // Meta's codes are small.
	r, err := s.q.MarkMessageFailed(ctx, dbgen.MarkMessageFailedParams{
		ErrorCode: ptr(code), ErrorTitle: ptr(e.Title), ErrorDetail: ptr(e.Detail), At: at, ID: id,
	})
	if noRow(err) {
		r, err = s.q.GetMessage(ctx, id)
	}
	if err != nil {
		return Message{}, wrap(err, "mark message %s failed", id)
	}
	return messageFromRow(r), nil
}

// LastInboundWAMID returns the wamid of the customer's latest message in the
// conversation; ErrNotFound if they never wrote.
func (s *Store) LastInboundWAMID(ctx context.Context, conversationID uuid.UUID) (string, error) {
	w, err := s.q.GetLastInboundWAMID(ctx, conversationID)
	if err != nil {
		return "", wrap(err, "last inbound message of conversation %s", conversationID)
	}
	return w, nil
}

// Message returns one message.
func (s *Store) Message(ctx context.Context, id uuid.UUID) (Message, error) {
	r, err := s.q.GetMessage(ctx, id)
	if err != nil {
		return Message{}, wrap(err, "get message %s", id)
	}
	return messageFromRow(r), nil
}
