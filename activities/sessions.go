package activities

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/wabuilder/wab/db"
)

// ReasonSuperseded is the completion reason of a live session that
// StartSession found left behind by a crashed run and stopped.
const ReasonSuperseded = "superseded"

// StartSession creates the session row of one bot run, status running.
//
// Idempotency: the workflow chooses SessionID, so a retried call finds the
// row it created and returns Created == false without changing anything.
// If the conversation still has another live session (a run that crashed
// before ending it: the workflow is the conversation's single writer), that
// one is ended as stopped / "superseded" in the same transaction, announced
// as session.completed, and the new session is created. A new session is
// announced as session.started in the same transaction.
//
// Call it as a LOCAL activity: one short transaction.
func (a *Activities) StartSession(ctx context.Context, in StartSessionInput) (StartSessionResult, error) {
	vars, err := json.Marshal(orEmpty(in.Variables))
	if err != nil {
		return StartSessionResult{}, invalidInput(fmt.Errorf("session %s variables: %w", in.SessionID, err))
	}
	ns := db.NewSession{
		ID: in.SessionID, ConversationID: in.ConversationID, ChatbotID: in.ChatbotID,
		ChatbotVersionID: in.VersionID, WorkflowID: in.WorkflowID, Status: db.SessionRunning,
		Variables: vars, IsTest: in.IsTest, StartedAt: in.StartedAt,
	}
	var created bool
	err = inTx(ctx, a.store, func(tx Tx) error {
		var sess db.Session
		// In a savepoint: breaking the one-live-session index must not
		// abort the transaction.
		err := inTx(ctx, tx, func(sp Tx) error {
			var err error
			sess, created, err = sp.CreateSession(ctx, ns)
			return err
		})
		if errors.Is(err, db.ErrConflict) {
			var old []db.Session
			if old, err = tx.SupersedeActiveSessions(ctx, in.ConversationID, in.SessionID, ReasonSuperseded, a.at(in.StartedAt)); err != nil {
				return err
			}
			for _, s := range old {
				activity.GetLogger(ctx).Warn("stopped a session left live by an earlier run",
					"session_id", s.ID, "conversation_id", s.ConversationID, "new_session_id", in.SessionID)
				if err := tx.Notify(ctx, sessionEvent(s)); err != nil {
					return err
				}
			}
			sess, created, err = tx.CreateSession(ctx, ns)
		}
		if err != nil || !created {
			return err // a retry announces nothing again
		}
		started := sessionEvent(sess)
		started.Type = db.EventSessionStarted
		return tx.Notify(ctx, started)
	})
	if err != nil {
		return StartSessionResult{}, err
	}
	return StartSessionResult{Created: created}, nil
}

// RecordTurn writes what a turn changed, in one transaction: the events
// (each at most once per Seq), the session's status, current node and
// variables, and its end when EndStatus is set (or Status is terminal); then
// it announces the change on db.EventsChannel (session.node, or
// session.completed once ended) in the same transaction.
//
// Idempotency: events are keyed by (session, Seq); the progress update
// applies only while the session has not ended, and ending is a no-op once
// ended. A retried call therefore changes nothing twice, and a late update
// never reopens an ended session. Notifications are at least once.
//
// Call it as a LOCAL activity: one short transaction.
func (a *Activities) RecordTurn(ctx context.Context, in RecordTurnInput) (RecordTurnResult, error) {
	status, end := db.SessionStatus(in.Status), db.SessionStatus(in.EndStatus)
	if end == "" && status.Terminal() {
		end = status
	}
	if err := checkTurn(in, status, end); err != nil {
		return RecordTurnResult{}, invalidInput(err)
	}
	var vars json.RawMessage
	if in.Variables != nil {
		var err error
		if vars, err = json.Marshal(in.Variables); err != nil {
			return RecordTurnResult{}, invalidInput(fmt.Errorf("session %s variables: %w", in.SessionID, err))
		}
	}
	progress := db.SessionProgress{ID: in.SessionID, CurrentNodeID: in.CurrentNode, Variables: vars}
	if !status.Terminal() {
		progress.Status = status
	}
	err := inTx(ctx, a.store, func(tx Tx) error {
		sess, live, err := tx.UpdateSessionProgress(ctx, progress)
		if err != nil {
			return err
		}
		if !live { // ended already (or missing: ErrNotFound)
			if _, err := tx.Session(ctx, in.SessionID); err != nil {
				return err
			}
		}
		if err := insertEvents(ctx, tx, in); err != nil {
			return err
		}
		if !live {
			return nil // nothing else changes, nothing to announce
		}
		if end != "" {
			if sess, err = tx.EndSession(ctx, db.SessionEnd{
				ID: in.SessionID, Status: end, Reason: in.EndReason, At: a.at(in.At),
			}); err != nil {
				return err
			}
		}
		return tx.Notify(ctx, sessionEvent(sess))
	})
	if errors.Is(err, db.ErrNotFound) {
		return RecordTurnResult{}, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("session %s not found", in.SessionID), ErrTypeNotFound, err)
	}
	return RecordTurnResult{}, err
}

func insertEvents(ctx context.Context, tx Tx, in RecordTurnInput) error {
	for _, e := range in.Events {
		var detail json.RawMessage
		if len(e.Detail) > 0 {
			var err error
			if detail, err = json.Marshal(e.Detail); err != nil {
				return invalidInput(fmt.Errorf("event %d detail: %w", e.Seq, err))
			}
		}
		if _, err := tx.InsertSessionEvent(ctx, db.SessionEvent{
			SessionID: in.SessionID, Seq: e.Seq, Kind: db.SessionEventKind(e.Kind), NodeID: e.NodeID,
			NodeType: e.NodeType, Detail: detail, OccurredAt: e.At,
		}); err != nil {
			return err
		}
	}
	return nil
}

// checkTurn rejects what the database's CHECK constraints would, as a
// non-retryable error instead of a retried one.
func checkTurn(in RecordTurnInput, status, end db.SessionStatus) error {
	if status != "" && !knownStatus(status) {
		return fmt.Errorf("session %s: unknown status %q", in.SessionID, status)
	}
	if end != "" && !end.Terminal() {
		return fmt.Errorf("session %s: end status %q is not terminal", in.SessionID, end)
	}
	for _, e := range in.Events {
		if e.Kind != EventNodeEntered && e.Kind != EventNodeLeft {
			return fmt.Errorf("session %s event %d: unknown kind %q", in.SessionID, e.Seq, e.Kind)
		}
		if e.Seq < 0 {
			return fmt.Errorf("session %s event: negative seq %d", in.SessionID, e.Seq)
		}
	}
	return nil
}

func knownStatus(s db.SessionStatus) bool {
	switch s {
	case db.SessionRunning, db.SessionWaitingInput, db.SessionWaitingFlow, db.SessionDelayed, db.SessionHandoff:
		return true
	}
	return s.Terminal()
}

// sessionEvent announces a session's state: session.completed once it has
// ended, else session.node.
func sessionEvent(s db.Session) db.Event {
	typ := db.EventSessionNode
	if s.EndedAt != nil {
		typ = db.EventSessionCompleted
	}
	id, bot := s.ID, s.ChatbotID
	return db.Event{
		Type: typ, SessionID: &id, ChatbotID: &bot, ConversationID: s.ConversationID,
		Status: string(s.Status), Node: s.CurrentNodeID,
	}
}

func invalidInput(err error) error {
	return temporal.NewNonRetryableApplicationError(err.Error(), ErrTypeInvalidInput, err)
}

func orEmpty(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}
