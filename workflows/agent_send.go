package workflows

import (
	"errors"

	"github.com/google/uuid"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/wabuilder/wab/activities"
	"github.com/wabuilder/wab/activities/whatsapp"
)

// An agent's message (UpdateSendMessage with a SendMessageRequest) is sent
// to the customer and answered with a SendMessageResult once Meta accepted
// it. It runs as an operator request, between the bot's turns, through the
// same SendMessages activity as the bot: agent and bot messages go out in
// one order, paced by one rate limit.
//
// Exactly once: the message's idempotency key is derived from the update ID
// (AgentMessageKey), so a repeated update, in this run or a later one,
// finds the stored row and does not send again.

// SendMessageRequest is the argument of UpdateSendMessage. Recorded in
// workflow histories: add fields, never rename or remove one.
type SendMessageRequest struct {
	// By is messages.sender of the message: "agent:<user id>".
	By string
	// Message is sent as it is; its To is ignored (the conversation's
	// customer gets it).
	Message whatsapp.OutboundMessage
}

// SendMessageResult is what UpdateSendMessage returns: the stored message
// and the wamid Meta gave it.
type SendMessageResult struct {
	MessageID uuid.UUID
	WAMID     string
}

// agentKeyPart separates agent messages' keys from the bot's
// (<workflow id>/<first run id>/<seq>).
const agentKeyPart = "/agent/"

// AgentMessageKey is the idempotency key (messages.idempotency_key) of the
// message an UpdateSendMessage with updateID sends in workflowID. The API
// uses it to find the message while the send is still in progress.
func AgentMessageKey(workflowID, updateID string) string {
	return workflowID + agentKeyPart + updateID + "/1"
}

var errNoSender = errors.New("send-message needs the sender in By")

// installSendHandler registers UpdateSendMessage. The validator refuses a
// message WhatsApp would refuse, so a bad one is rejected without a trace
// in history.
func (c *conversation) installSendHandler(ctx workflow.Context) error {
	return workflow.SetUpdateHandlerWithOptions(ctx, UpdateSendMessage,
		func(ctx workflow.Context, r SendMessageRequest) (SendMessageResult, error) {
			f, done := workflow.NewFuture(ctx)
			c.ops = append(c.ops, &operatorOp{
				name: UpdateSendMessage, by: r.By, done: done,
				send: &r, key: workflow.GetCurrentUpdateInfo(ctx).ID,
			})
			c.wake.SendAsync(struct{}{})
			var res SendMessageResult
			err := f.Get(ctx, &res)
			return res, err
		},
		workflow.UpdateHandlerOptions{Validator: func(_ workflow.Context, r SendMessageRequest) error {
			if r.By == "" {
				return errNoSender
			}
			m := r.Message
			m.To = c.in.WAID
			return m.Validate()
		}})
}

// sendAgentMessage sends op's message now, as a turn of its own. A failure
// comes back as a non-retryable ApplicationError typed with the
// whatsapp.ErrKind* (details: activities.SendFailureDetails), so the caller
// can tell a closed window from a refused token.
func (c *conversation) sendAgentMessage(ctx workflow.Context, op *operatorOp) (SendMessageResult, error) {
	m := op.send.Message
	m.To = c.in.WAID
	in := activities.SendMessagesInput{
		AccountID:      c.in.AccountID,
		ConversationID: c.in.ConversationID,
		To:             c.in.WAID,
		KeyPrefix:      workflow.GetInfo(ctx).WorkflowExecution.ID + agentKeyPart + op.key,
		FirstSeq:       1,
		Messages:       []activities.Outbound{{Kind: activities.OutboundDirect, Message: &m}},
		Sender:         op.send.By,
	}
	var res activities.SendMessagesResult
	err := workflow.ExecuteActivity(withSendActivity(ctx), acts.SendMessages, in).Get(ctx, &res)
	if err != nil {
		c.log.Warn("agent message not sent", "err", err, "type", sendErrorType(err))
		return SendMessageResult{}, agentSendError(err)
	}
	if len(res.Sent) != 1 {
		return SendMessageResult{}, temporal.NewNonRetryableApplicationError("the message was not sent", whatsapp.ErrKindBadResponse, nil)
	}
	return SendMessageResult{MessageID: res.Sent[0].MessageID, WAMID: res.Sent[0].WAMID}, nil
}

// agentSendError keeps the activity failure's type and details, without the
// activity wrapper, for the update's caller.
func agentSendError(err error) error {
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) {
		return temporal.NewNonRetryableApplicationError(err.Error(), "", nil)
	}
	var details activities.SendFailureDetails
	if appErr.HasDetails() && appErr.Details(&details) == nil {
		return temporal.NewNonRetryableApplicationError(appErr.Message(), appErr.Type(), nil, details)
	}
	return temporal.NewNonRetryableApplicationError(appErr.Message(), appErr.Type(), nil)
}
