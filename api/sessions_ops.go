package api

import (
	"context"
	"errors"
	"time"

	"github.com/gofiber/fiber/v2"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/wabuilder/wab/db"
	"github.com/wabuilder/wab/workflows"
)

// sessionCallTimeout bounds the calls to a conversation's workflow: with no
// worker polling, Temporal would hold them until the caller gives up.
const sessionCallTimeout = 15 * time.Second

// sessionUpdate sends an operator update (workflows.UpdateStop or
// UpdateSkip) to the workflow that runs session s, and returns once the
// workflow has applied it and recorded the result.
//
// The updates act on whatever session the conversation runs, so the
// workflow's state is asked first: a session it does not run (the row of
// a run that ended without closing it) is not the workflow's to change.
// Stopping such a session ends the row here; nothing else would.
func (h *handlers) sessionUpdate(ctx context.Context, s db.Session, update string) error {
	if s.EndedAt != nil {
		return Conflict("the session has already ended")
	}
	if h.d.Workflows == nil {
		return Unavailable("Temporal is not configured")
	}
	ctx, cancel := context.WithTimeout(ctx, sessionCallTimeout)
	defer cancel()
	st, err := h.conversationState(ctx, s.WorkflowID)
	if err != nil {
		return err
	}
	if st.SessionID == nil || *st.SessionID != s.ID {
		if update != workflows.UpdateStop {
			return Conflict("the session is no longer run by its conversation: stop it instead")
		}
		return h.endOrphanSession(ctx, s)
	}
	notWaiting := Conflict("the session is not waiting on a node")
	if update == workflows.UpdateSkip && st.Waiting == "" {
		return notWaiting
	}
	handle, err := h.d.Workflows.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID: s.WorkflowID, UpdateName: update, WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err == nil {
		err = handle.Get(ctx, nil)
	}
	var rejected *temporal.ApplicationError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &rejected): // the workflow's validator: the session moved on meanwhile
		if update == workflows.UpdateSkip {
			return notWaiting
		}
		return Conflict("the session has already ended")
	}
	return temporalError("update conversation "+s.WorkflowID, err)
}

// conversationState queries a conversation workflow's state. A workflow that
// does not exist runs nothing: the zero state.
func (h *handlers) conversationState(ctx context.Context, workflowID string) (workflows.ConversationStatus, error) {
	var st workflows.ConversationStatus
	v, err := h.d.Workflows.QueryWorkflow(ctx, workflowID, "", workflows.QueryState)
	var notFound *serviceerror.NotFound
	if errors.As(err, &notFound) {
		return st, nil
	}
	if err == nil {
		err = v.Get(&st)
	}
	if err != nil {
		return st, temporalError("query conversation "+workflowID, err)
	}
	return st, nil
}

// endOrphanSession ends, as stopped by an operator, a live session row that
// no workflow runs, and announces it.
func (h *handlers) endOrphanSession(ctx context.Context, s db.Session) error {
	err := h.d.Store.InTx(ctx, func(tx *db.Store) error {
		ended, err := tx.EndSession(ctx, db.SessionEnd{
			ID: s.ID, Status: db.SessionStopped, Reason: workflows.ReasonOperator, At: time.Now(),
		})
		if err != nil {
			return err
		}
		id, bot := ended.ID, ended.ChatbotID
		return tx.Notify(ctx, db.Event{
			Type: db.EventSessionCompleted, ConversationID: ended.ConversationID, SessionID: &id, ChatbotID: &bot,
			Status: string(ended.Status), Node: ended.CurrentNodeID,
		})
	})
	if err != nil {
		return internal("end session", err)
	}
	return nil
}

// temporalError maps a failed Temporal call: no answer in time or no
// server is a 503 (retry later), anything else a 500.
func temporalError(what string, err error) error {
	var unavailable *serviceerror.Unavailable
	if errors.Is(err, context.DeadlineExceeded) || errors.As(err, &unavailable) {
		return &Error{
			Status: fiber.StatusServiceUnavailable, Code: "unavailable", Internal: err,
			Message: "the conversation's workflow did not answer in time; retry (is a worker running?)",
		}
	}
	return internal(what, err)
}
