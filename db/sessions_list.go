package db

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"

	"github.com/wabuilder/wab/db/dbgen"
)

// SessionSummary is a session with what a list of sessions shows of it.
type SessionSummary struct {
	Session
	AccountID      uuid.UUID
	CustomerPhone  string // the contact's wa_id
	CustomerName   string
	ChatbotName    string
	ChatbotVersion int
}

// SessionQuery selects a page of sessions. Zero fields do not filter.
type SessionQuery struct {
	Status    SessionStatus
	ChatbotID *uuid.UUID
	AccountID *uuid.UUID
	IsTest    *bool
	// Search matches the customer's name (case-insensitive) or, by its
	// digits, their phone number; both as substrings.
	Search string
	// Since and Until bound started_at: Since <= started_at < Until.
	Since, Until time.Time
	After        Cursor
	Limit        int
}

// epoch is the Since of a query that sets none: every session started after
// it, and a bound keeps the index scan's lower end an index condition.
var epoch = time.Unix(0, 0).UTC()

// Sessions lists sessions, newest first. Sessions never move in this order
// (started_at does not change), so paging with After neither repeats nor
// skips one while others start.
func (s *Store) Sessions(ctx context.Context, q SessionQuery) (Page[SessionSummary], error) {
	size := pageSize(q.Limit)
	before := q.After
	if !q.Until.IsZero() && (before.IsZero() || q.Until.Before(before.At)) {
		// (started_at, id) < (until, nil): started_at < until, whatever the id.
		before = Cursor{At: q.Until, ID: uuid.Nil}
	}
	at, id := before.bounds()
	since := q.Since
	if since.IsZero() {
		since = epoch
	}
	p := dbgen.ListSessionsParams{
		BeforeAt: at, BeforeID: id, Since: since, AccountID: q.AccountID, IsTest: q.IsTest,
		PageSize: int32(size + 1), //nolint:gosec // clamped.
	}
	if q.Status != "" {
		st := string(q.Status)
		p.Status = &st
	}
	p.NamePattern, p.DigitsPattern = searchPatterns(q.Search)
	var rows []dbgen.ListSessionsRow
	var err error
	switch {
	case q.ChatbotID != nil:
		var got []dbgen.ListChatbotSessionsRow
		got, err = s.q.ListChatbotSessions(ctx, dbgen.ListChatbotSessionsParams{
			ChatbotID: *q.ChatbotID, BeforeAt: p.BeforeAt, BeforeID: p.BeforeID, Since: p.Since, Status: p.Status,
			AccountID: p.AccountID, IsTest: p.IsTest, NamePattern: p.NamePattern, DigitsPattern: p.DigitsPattern,
			PageSize: p.PageSize,
		})
		for _, r := range got {
			rows = append(rows, dbgen.ListSessionsRow(r))
		}
	case p.Status != nil:
		var got []dbgen.ListSessionsByStatusRow
		got, err = s.q.ListSessionsByStatus(ctx, dbgen.ListSessionsByStatusParams{
			Status: *p.Status, BeforeAt: p.BeforeAt, BeforeID: p.BeforeID, Since: p.Since,
			AccountID: p.AccountID, IsTest: p.IsTest, NamePattern: p.NamePattern, DigitsPattern: p.DigitsPattern,
			PageSize: p.PageSize,
		})
		for _, r := range got {
			rows = append(rows, dbgen.ListSessionsRow(r))
		}
	default:
		rows, err = s.q.ListSessions(ctx, p)
	}
	if err != nil {
		return Page[SessionSummary]{}, wrap(err, "list sessions")
	}
	return newPage(rows, size,
		func(r dbgen.ListSessionsRow) (SessionSummary, error) {
			return sessionSummaryFromRow(dbgen.GetSessionSummaryRow(r)), nil
		},
		func(s SessionSummary) Cursor { return Cursor{At: s.StartedAt, ID: s.ID} })
}

// SessionSummary returns one session as Sessions lists it.
func (s *Store) SessionSummary(ctx context.Context, id uuid.UUID) (SessionSummary, error) {
	r, err := s.q.GetSessionSummary(ctx, id)
	if err != nil {
		return SessionSummary{}, wrap(err, "get session %s", id)
	}
	return sessionSummaryFromRow(r), nil
}

func sessionSummaryFromRow(r dbgen.GetSessionSummaryRow) SessionSummary {
	return SessionSummary{
		Session: sessionFromRow(r.Session), AccountID: r.AccountID, CustomerPhone: r.CustomerPhone,
		CustomerName: r.CustomerName, ChatbotName: r.ChatbotName, ChatbotVersion: int(r.ChatbotVersion),
	}
}

// LatestConversationSession returns the conversation's most recent session,
// live or ended; ErrNotFound if no bot ever ran in it.
func (s *Store) LatestConversationSession(ctx context.Context, conversationID uuid.UUID) (Session, error) {
	r, err := s.q.GetLatestConversationSession(ctx, conversationID)
	if err != nil {
		return Session{}, wrap(err, "latest session of conversation %s", conversationID)
	}
	return sessionFromRow(r), nil
}

// StoredSessionEvent is a session event as stored.
type StoredSessionEvent struct {
	SessionEvent
	ID int64
}

// SessionEvents returns up to limit events of a session's trace, in order.
func (s *Store) SessionEvents(ctx context.Context, sessionID uuid.UUID, limit int) ([]StoredSessionEvent, error) {
	rows, err := s.q.ListSessionEvents(ctx, dbgen.ListSessionEventsParams{
		SessionID: sessionID, PageSize: int32(max(limit, 1)), //nolint:gosec // callers pass small limits.
	})
	if err != nil {
		return nil, wrap(err, "list events of session %s", sessionID)
	}
	out := make([]StoredSessionEvent, len(rows))
	for i, r := range rows {
		out[i] = StoredSessionEvent{ID: r.ID, SessionEvent: SessionEvent{
			SessionID: r.SessionID, Seq: int(r.Seq), Kind: SessionEventKind(r.Kind), NodeID: r.NodeID,
			NodeType: r.NodeType, Detail: r.Detail, OccurredAt: r.OccurredAt,
		}}
	}
	return out, nil
}

// SessionMessages returns up to limit messages of a session, oldest first:
// the ones it sent, and the customer's and agents' between the end of the
// conversation's previous session and the end of this one (so the message
// that started it is there).
func (s *Store) SessionMessages(ctx context.Context, sess Session, limit int) ([]Message, error) {
	id := sess.ID
	rows, err := s.q.ListSessionMessages(ctx, dbgen.ListSessionMessagesParams{
		ConversationID: sess.ConversationID, SessionID: &id, StartedAt: sess.StartedAt, EndedAt: sess.EndedAt,
		PageSize: int32(max(limit, 1)), //nolint:gosec // callers pass small limits.
	})
	if err != nil {
		return nil, wrap(err, "list messages of session %s", sess.ID)
	}
	out := make([]Message, len(rows))
	for i, r := range rows {
		out[i] = messageFromRow(r)
	}
	return out, nil
}

// ErrSessionLive is returned when deleting a session that has not ended.
var ErrSessionLive = errors.New("db: session has not ended")

// DeleteEndedSession deletes a session that has ended, with its events; its
// messages stay in the conversation, unattributed. ErrSessionLive while it
// runs, ErrNotFound if there is no such session.
func (s *Store) DeleteEndedSession(ctx context.Context, id uuid.UUID) error {
	n, err := s.q.DeleteEndedSession(ctx, id)
	if err != nil {
		return wrap(err, "delete session %s", id)
	}
	if n == 1 {
		return nil
	}
	if _, err := s.Session(ctx, id); err != nil {
		return err
	}
	return ErrSessionLive
}
