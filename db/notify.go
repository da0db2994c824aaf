package db

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/google/uuid"

	"github.com/wabuilder/wab/db/dbgen"
)

// EventsChannel is the NOTIFY channel the worker announces changes on and
// the API LISTENs to, to push them to WebSocket clients. Payloads are Event
// as JSON.
const EventsChannel = "wab_events"

// Event types.
const (
	EventSessionNode      = "session.node"      // a live session moved (status, node)
	EventSessionCompleted = "session.completed" // a session ended, whatever the terminal status
	EventMessageSent      = "message.sent"      // Meta accepted an outbound message
)

// Event is a change announced on EventsChannel. It is a hint, not the data:
// delivery is at least once and listeners re-read what they show. Payloads
// must stay far below Postgres' 8000-byte limit, so no message bodies.
type Event struct {
	Type           string     `json:"type"`
	ConversationID uuid.UUID  `json:"conversationId"`
	SessionID      *uuid.UUID `json:"sessionId,omitempty"`
	Status         string     `json:"status,omitempty"` // session or message status
	Node           string     `json:"node,omitempty"`   // session events: the current node
	MessageID      *uuid.UUID `json:"messageId,omitempty"`
	WAMID          string     `json:"wamid,omitempty"`
}

// Notify queues e on EventsChannel. Postgres delivers it when the
// transaction commits and drops it on rollback, so announce changes inside
// the transaction that makes them.
func (s *Store) Notify(ctx context.Context, e Event) error {
	payload, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("notify %s: %w", e.Type, err)
	}
	if err := s.q.Notify(ctx, dbgen.NotifyParams{Channel: EventsChannel, Payload: string(payload)}); err != nil {
		return wrap(err, "notify %s", e.Type)
	}
	return nil
}

// ParseEvent decodes a payload received on EventsChannel.
func ParseEvent(payload string) (Event, error) {
	var e Event
	if err := json.Unmarshal([]byte(payload), &e); err != nil {
		return Event{}, fmt.Errorf("parse %s event: %w", EventsChannel, err)
	}
	return e, nil
}
