package db

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/wabuilder/wab/db/dbgen"
)

// EventsChannel is the NOTIFY channel the worker and the API announce
// changes on and every API process LISTENs to, to push them to WebSocket
// clients. Payloads are Event as JSON.
const EventsChannel = "wab_events"

// Event types. Each is announced in the transaction that makes the change.
const (
	EventMessageReceived     = "message.received"     // a new inbound message was stored (ingest)
	EventMessageSent         = "message.sent"         // Meta accepted an outbound message
	EventMessageStatus       = "message.status"       // an outbound message's status moved forward (ingest)
	EventConversationUpdated = "conversation.updated" // an inbox row changed: last message, unread count, handoff
	EventSessionStarted      = "session.started"      // a bot run began
	EventSessionNode         = "session.node"         // a live session moved (status, node)
	EventSessionCompleted    = "session.completed"    // a session ended, whatever the terminal status
	EventHandoffChanged      = "handoff.changed"      // the bot or an agent took the conversation
)

// Event is a change announced on EventsChannel. It is a hint, not the data:
// delivery is at least once and listeners re-read what they show. Payloads
// must stay far below Postgres' 8000-byte limit, so ids only, no message
// bodies. Add fields, never rename one: API processes of another version
// may read it.
type Event struct {
	Type           string     `json:"type"`
	ConversationID uuid.UUID  `json:"conversationId"`
	SessionID      *uuid.UUID `json:"sessionId,omitempty"`
	ChatbotID      *uuid.UUID `json:"chatbotId,omitempty"` // session events
	// Status is the session's or message's status; for handoff.changed, the
	// handoff state (bot or agent).
	Status    string     `json:"status,omitempty"`
	Node      string     `json:"node,omitempty"` // session events: the current node
	MessageID *uuid.UUID `json:"messageId,omitempty"`
	WAMID     string     `json:"wamid,omitempty"`
	UserID    *uuid.UUID `json:"userId,omitempty"` // handoff.changed: the agent who has it, if one does
	// At is when the change was made; Notify sets it when zero.
	At time.Time `json:"at,omitzero"`
}

// Notify queues e on EventsChannel. Postgres delivers it when the
// transaction commits and drops it on rollback, so announce changes inside
// the transaction that makes them.
func (s *Store) Notify(ctx context.Context, e Event) error {
	payload, err := e.encode()
	if err != nil {
		return err
	}
	if err := s.q.Notify(ctx, dbgen.NotifyParams{Channel: EventsChannel, Payload: string(payload)}); err != nil {
		return wrap(err, "notify %s", e.Type)
	}
	return nil
}

// encode is the NOTIFY payload of e, stamped with the time if it has none.
func (e Event) encode() ([]byte, error) {
	if e.At.IsZero() {
		e.At = time.Now().UTC()
	}
	payload, err := json.Marshal(e)
	if err != nil {
		return nil, fmt.Errorf("notify %s: %w", e.Type, err)
	}
	return payload, nil
}

// ParseEvent decodes a payload received on EventsChannel.
func ParseEvent(payload string) (Event, error) {
	var e Event
	if err := json.Unmarshal([]byte(payload), &e); err != nil {
		return Event{}, fmt.Errorf("parse %s event: %w", EventsChannel, err)
	}
	return e, nil
}
