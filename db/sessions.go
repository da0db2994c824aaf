package db

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/wabuilder/wab/db/dbgen"
)

// SessionStatus is where a bot run stands.
type SessionStatus string

// Session statuses, as allowed by the sessions.status CHECK constraint. The
// last four are terminal: a session has ended_at set exactly when in one.
const (
	SessionRunning      SessionStatus = "running"
	SessionWaitingInput SessionStatus = "waiting_input"
	SessionWaitingFlow  SessionStatus = "waiting_flow"
	SessionDelayed      SessionStatus = "delayed"
	SessionHandoff      SessionStatus = "handoff"
	SessionCompleted    SessionStatus = "completed"
	SessionStopped      SessionStatus = "stopped"
	SessionExpired      SessionStatus = "expired"
	SessionFailed       SessionStatus = "failed"
)

// Terminal reports whether the status ends a session.
func (s SessionStatus) Terminal() bool {
	switch s {
	case SessionCompleted, SessionStopped, SessionExpired, SessionFailed:
		return true
	}
	return false
}

// Session is one run of a chatbot version in a conversation.
type Session struct {
	ID               uuid.UUID
	ConversationID   uuid.UUID
	ChatbotID        uuid.UUID
	ChatbotVersionID uuid.UUID
	WorkflowID       string
	Status           SessionStatus
	CurrentNodeID    string
	Variables        json.RawMessage
	CompletionReason string
	IsTest           bool
	StartedAt        time.Time
	UpdatedAt        time.Time
	EndedAt          *time.Time
}

// NewSession starts a session. ID comes from the workflow (deterministic), so a
// retried activity finds the session it created. Zero StartedAt means now; an
// empty Status means running.
type NewSession struct {
	ID               uuid.UUID
	ConversationID   uuid.UUID
	ChatbotID        uuid.UUID
	ChatbotVersionID uuid.UUID
	WorkflowID       string
	Status           SessionStatus
	CurrentNodeID    string
	Variables        json.RawMessage
	IsTest           bool
	StartedAt        time.Time
}

// CreateSession stores a session, or returns the existing one with the same id
// (created == false). A second live session in one conversation is ErrConflict.
func (s *Store) CreateSession(ctx context.Context, in NewSession) (sess Session, created bool, err error) {
	if in.Status == "" {
		in.Status = SessionRunning
	}
	r, err := s.q.CreateSession(ctx, dbgen.CreateSessionParams{
		ID: in.ID, ConversationID: in.ConversationID, ChatbotID: in.ChatbotID,
		ChatbotVersionID: in.ChatbotVersionID, WorkflowID: in.WorkflowID, Status: string(in.Status),
		CurrentNodeID: in.CurrentNodeID, Variables: orJSON(in.Variables, `{}`), IsTest: in.IsTest,
		StartedAt: ptr(in.StartedAt),
	})
	if noRow(err) {
		sess, err = s.Session(ctx, in.ID)
		return sess, false, err
	}
	if err != nil {
		return Session{}, false, wrap(err, "create session %s", in.ID)
	}
	return sessionFromRow(r), true, nil
}

// Session returns the session with the given id.
func (s *Store) Session(ctx context.Context, id uuid.UUID) (Session, error) {
	r, err := s.q.GetSession(ctx, id)
	if err != nil {
		return Session{}, wrap(err, "get session %s", id)
	}
	return sessionFromRow(r), nil
}

// SessionEnd ends a session with a terminal status.
type SessionEnd struct {
	ID     uuid.UUID
	Status SessionStatus
	Reason string
	At     time.Time
}

// EndSession ends a live session. Ending one that has already ended changes
// nothing and returns it as stored, so the activity can be retried.
func (s *Store) EndSession(ctx context.Context, e SessionEnd) (Session, error) {
	if !e.Status.Terminal() {
		return Session{}, fmt.Errorf("end session %s: %q is not a terminal status", e.ID, e.Status)
	}
	r, err := s.q.EndSession(ctx, dbgen.EndSessionParams{
		Status: string(e.Status), CompletionReason: e.Reason, EndedAt: e.At, ID: e.ID,
	})
	if noRow(err) {
		return s.Session(ctx, e.ID)
	}
	if err != nil {
		return Session{}, wrap(err, "end session %s", e.ID)
	}
	return sessionFromRow(r), nil
}

// SessionEventKind is what happened in a session's trace.
type SessionEventKind string

// Session event kinds, as allowed by the session_events.kind CHECK constraint.
const (
	NodeEntered SessionEventKind = "node_entered"
	NodeLeft    SessionEventKind = "node_left"
)

// SessionEvent is one step of a session's trace. Seq comes from workflow
// state; zero OccurredAt means now.
type SessionEvent struct {
	SessionID  uuid.UUID
	Seq        int
	Kind       SessionEventKind
	NodeID     string
	NodeType   string
	Detail     json.RawMessage
	OccurredAt time.Time
}

// InsertSessionEvent appends an event; a retry with the same Seq is a no-op
// (inserted == false).
func (s *Store) InsertSessionEvent(ctx context.Context, e SessionEvent) (inserted bool, err error) {
	n, err := s.q.InsertSessionEvent(ctx, dbgen.InsertSessionEventParams{
		SessionID: e.SessionID, Seq: int32(e.Seq), Kind: string(e.Kind), NodeID: e.NodeID, //nolint:gosec // seq is small.
		NodeType: e.NodeType, Detail: orJSON(e.Detail, `{}`), OccurredAt: ptr(e.OccurredAt),
	})
	if err != nil {
		return false, wrap(err, "insert event %d of session %s", e.Seq, e.SessionID)
	}
	return n == 1, nil
}

func sessionFromRow(r dbgen.Session) Session {
	return Session{
		ID: r.ID, ConversationID: r.ConversationID, ChatbotID: r.ChatbotID, ChatbotVersionID: r.ChatbotVersionID,
		WorkflowID: r.WorkflowID, Status: SessionStatus(r.Status), CurrentNodeID: r.CurrentNodeID,
		Variables: r.Variables, CompletionReason: r.CompletionReason, IsTest: r.IsTest,
		StartedAt: r.StartedAt, UpdatedAt: r.UpdatedAt, EndedAt: r.EndedAt,
	}
}

// SessionProgress is where a live session stands after a turn. An empty
// Status or nil Variables keeps the stored value; Status must not be terminal
// (end a session with EndSession).
type SessionProgress struct {
	ID            uuid.UUID
	Status        SessionStatus
	CurrentNodeID string
	Variables     json.RawMessage
}

// UpdateSessionProgress records a turn's progress on a live session. A
// session that has ended is left as it is (updated == false), so a late or
// retried update never reopens it.
func (s *Store) UpdateSessionProgress(ctx context.Context, p SessionProgress) (sess Session, updated bool, err error) {
	if p.Status.Terminal() {
		return Session{}, false, fmt.Errorf("update session %s: %q is terminal: use EndSession", p.ID, p.Status)
	}
	r, err := s.q.UpdateSessionProgress(ctx, dbgen.UpdateSessionProgressParams{
		Status: ptr(string(p.Status)), CurrentNodeID: p.CurrentNodeID, Variables: p.Variables, ID: p.ID,
	})
	if noRow(err) {
		return Session{}, false, nil
	}
	if err != nil {
		return Session{}, false, wrap(err, "update session %s", p.ID)
	}
	return sessionFromRow(r), true, nil
}

// SupersedeActiveSessions ends the conversation's live session other than
// keep, as stopped with reason, and returns what it ended (usually nothing).
// A conversation has one writer, its workflow, so a live session it did not
// end belongs to a run that crashed.
func (s *Store) SupersedeActiveSessions(ctx context.Context, conversationID, keep uuid.UUID, reason string, at time.Time) ([]Session, error) {
	rows, err := s.q.SupersedeActiveSessions(ctx, dbgen.SupersedeActiveSessionsParams{
		Reason: reason, EndedAt: at, ConversationID: conversationID, KeepID: keep,
	})
	if err != nil {
		return nil, wrap(err, "supersede sessions of conversation %s", conversationID)
	}
	out := make([]Session, len(rows))
	for i, r := range rows {
		out[i] = sessionFromRow(r)
	}
	return out, nil
}
