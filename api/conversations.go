package api

import (
	"context"
	"errors"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/wabuilder/wab/db"
	"github.com/wabuilder/wab/workflows"
)

// customerServiceWindow is how long after the customer's last message
// WhatsApp accepts free-form messages; after it, only templates.
const customerServiceWindow = 24 * time.Hour

type conversationView struct {
	ID                 uuid.UUID          `json:"id"`
	AccountID          uuid.UUID          `json:"accountId"`
	Contact            contactView        `json:"contact"`
	LastMessageAt      time.Time          `json:"lastMessageAt"`
	LastMessagePreview string             `json:"lastMessagePreview"`
	LastInboundAt      *time.Time         `json:"lastInboundAt" doc:"the customer's last message; null if they never wrote"`
	WindowExpiresAt    *time.Time         `json:"windowExpiresAt" doc:"when WhatsApp's 24-hour customer service window closes (lastInboundAt + 24h); after it only templates can be sent"`
	WindowOpen         bool               `json:"windowOpen" doc:"free-form messages can be sent now"`
	HandoffState       string             `json:"handoffState" validate:"oneof=bot agent" doc:"bot: the chatbot answers; agent: taken over, the bot is silent"`
	HandoffUserID      *uuid.UUID         `json:"handoffUserId" doc:"the agent who took it over"`
	HandoffAt          *time.Time         `json:"handoffAt"`
	UnreadCount        int                `json:"unreadCount"`
	ActiveSession      *activeSessionView `json:"activeSession" doc:"the bot run in progress; null when none"`
	CreatedAt          time.Time          `json:"createdAt"`
	UpdatedAt          time.Time          `json:"updatedAt"`
}

type contactView struct {
	ID   uuid.UUID `json:"id"`
	WAID string    `json:"waId" doc:"the customer's WhatsApp id (their phone number)"`
	Name string    `json:"name" doc:"their WhatsApp profile name"`
}

type activeSessionView struct {
	ID            uuid.UUID `json:"id"`
	ChatbotID     uuid.UUID `json:"chatbotId"`
	Status        string    `json:"status"`
	CurrentNodeID string    `json:"currentNodeId"`
}

func viewConversation(c db.ConversationListItem, now time.Time) conversationView {
	v := conversationView{
		ID: c.ID, AccountID: c.AccountID, Contact: contactView{ID: c.ContactID, WAID: c.ContactWAID, Name: c.ContactName},
		LastMessageAt: c.LastMessageAt, LastMessagePreview: c.LastMessagePreview, LastInboundAt: c.LastInboundAt,
		HandoffState: string(c.HandoffState), HandoffUserID: c.HandoffUserID, HandoffAt: c.HandoffAt,
		UnreadCount: c.UnreadCount, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt,
	}
	if c.LastInboundAt != nil {
		closes := c.LastInboundAt.Add(customerServiceWindow)
		v.WindowExpiresAt, v.WindowOpen = &closes, now.Before(closes)
	}
	if s := c.ActiveSession; s != nil {
		v.ActiveSession = &activeSessionView{ID: s.ID, ChatbotID: s.ChatbotID, Status: s.Status, CurrentNodeID: s.CurrentNodeID}
	}
	return v
}

type conversationListQuery struct {
	Search        string `query:"search" validate:"max=100" doc:"the customer's name or phone number, or part of either"`
	AccountID     string `query:"accountId" validate:"omitempty,uuid" doc:"only this business number's conversations"`
	Handoff       string `query:"handoff" validate:"omitempty,oneof=bot agent" doc:"only conversations the bot (bot) or an agent (agent) has"`
	Unread        string `query:"unread" validate:"omitempty,oneof=true false" doc:"true: only those with unread messages; false: only those without"`
	ActiveSession string `query:"activeSession" validate:"omitempty,oneof=true false" doc:"true: only those with a bot run in progress; false: only those without"`
	From          string `query:"from" doc:"last activity at or after this time (RFC 3339, or a date: its start, UTC)"`
	To            string `query:"to" doc:"last activity before this time (RFC 3339, or a date: that whole day, UTC)"`
	Cursor        string `query:"cursor" doc:"nextCursor of the previous page"`
	Limit         int    `query:"limit" validate:"omitempty,min=1,max=200" doc:"page size (default 50)"`
}

type conversationPage struct {
	Data       []conversationView `json:"data"`
	NextCursor *string            `json:"nextCursor" doc:"the cursor of the next page; null on the last one. A conversation with new activity moves to the first page: paging never shows one twice nor skips one that did not move"`
}

// readResult is what marking a conversation read did.
type readResult struct {
	Conversation conversationView `json:"conversation"`
	WAMID        string           `json:"wamid" doc:"the customer's message marked read on WhatsApp (and every earlier one); empty if they never wrote"`
	WhatsAppRead bool             `json:"whatsappRead" doc:"WhatsApp took the read receipt"`
	Error        *graphErrorView  `json:"error,omitempty" doc:"why WhatsApp refused the receipt; the unread count is reset anyway"`
}

// messagingRoutes are the business numbers and their conversations.
func (h *handlers) messagingRoutes() []route {
	return append(h.accountRoutes(), h.conversationRoutes()...)
}

func (h *handlers) conversationRoutes() []route {
	const tag = "conversations"
	return []route{
		{method: fiber.MethodGet, path: "/api/conversations", access: agentAccess, tag: tag, summary: "The inbox: conversations, newest activity first (search, filters, cursor pages)", query: conversationListQuery{}, resp: conversationPage{}, handler: h.listConversations},
		{method: fiber.MethodGet, path: "/api/conversations/:id", access: agentAccess, tag: tag, summary: "One conversation: contact, 24-hour window, handoff, bot run", resp: conversationView{}, handler: h.getConversation},
		{method: fiber.MethodGet, path: "/api/conversations/:id/messages", access: agentAccess, tag: tag, summary: "A conversation's messages, newest first (cursor pages)", query: messageListQuery{}, resp: messagePage{}, handler: h.listMessages},
		{method: fiber.MethodPost, path: "/api/conversations/:id/messages", access: agentAccess, tag: tag, summary: "Send an agent's message: text, media or template (only templates once the 24-hour window has closed). 201 once WhatsApp accepted it; 202 while it is still being sent (after 20 s, or Prefer: wait=N); the same Idempotency-Key header sends once however often it is retried", body: sendMessageRequest{}, resp: messageView{}, status: fiber.StatusCreated, handler: h.sendMessage},
		{method: fiber.MethodPost, path: "/api/conversations/:id/read", access: agentAccess, tag: tag, summary: "Mark the conversation read: a read receipt to WhatsApp for the customer's last message, and no unread messages", resp: readResult{}, handler: h.markRead},
		{method: fiber.MethodPost, path: "/api/conversations/:id/takeover", access: agentAccess, tag: tag, summary: "Take the conversation over: the bot stays silent until it is released", resp: conversationView{}, handler: h.takeOver},
		{method: fiber.MethodPost, path: "/api/conversations/:id/release", access: agentAccess, tag: tag, summary: "Give the conversation back to the bot (a session paused at a handoff node goes on)", resp: conversationView{}, handler: h.release},
		{method: fiber.MethodPost, path: "/api/conversations/:id/skip", access: agentAccess, tag: tag, summary: "Skip the node the bot waits on (its default edge, else its first)", resp: conversationView{}, handler: h.skip},
		{method: fiber.MethodPost, path: "/api/chatbots/conversations/:id/skip", access: agentAccess, tag: tag, summary: "The earlier API's path of POST /api/conversations/{id}/skip", resp: conversationView{}, handler: h.skip},
	}
}

func (h *handlers) listConversations(c *fiber.Ctx) error {
	var q conversationListQuery
	if err := bindQuery(c, &q); err != nil {
		return err
	}
	cq := db.ConversationQuery{
		Search: q.Search, Handoff: db.HandoffState(q.Handoff), Limit: q.Limit,
		Unread: boolParam(q.Unread), ActiveSession: boolParam(q.ActiveSession),
	}
	var err error
	if q.AccountID != "" {
		id := uuid.MustParse(q.AccountID) // validated
		cq.AccountID = &id
	}
	if cq.Since, err = timeParam("from", q.From, false); err != nil {
		return err
	}
	if cq.Until, err = timeParam("to", q.To, true); err != nil {
		return err
	}
	if cq.After, err = db.ParseCursor(q.Cursor); err != nil {
		return BadRequest("cursor", "is not a cursor this API returned")
	}
	page, err := h.d.Store.Conversations(c.UserContext(), cq)
	if err != nil {
		return internal("list conversations", err)
	}
	now := time.Now()
	out := conversationPage{Data: make([]conversationView, len(page.Items))}
	for i, it := range page.Items {
		out.Data[i] = viewConversation(it, now)
	}
	if page.Next != nil {
		next := page.Next.String()
		out.NextCursor = &next
	}
	return c.JSON(out)
}

func (h *handlers) getConversation(c *fiber.Ctx) error {
	id, err := paramUUID(c, "id")
	if err != nil {
		return err
	}
	return h.respondConversation(c, id)
}

// respondConversation answers with the conversation as stored now.
func (h *handlers) respondConversation(c *fiber.Ctx, id uuid.UUID) error {
	conv, err := h.d.Store.ConversationDetail(c.UserContext(), id)
	if err != nil {
		return storeError("conversation", err)
	}
	return c.JSON(viewConversation(conv.ConversationListItem, time.Now()))
}

func (h *handlers) markRead(c *fiber.Ctx) error {
	id, err := paramUUID(c, "id")
	if err != nil {
		return err
	}
	if h.d.Graph == nil {
		return Unavailable("the Graph API client is not configured")
	}
	ctx := c.UserContext()
	conv, err := h.d.Store.ConversationDetail(ctx, id)
	if err != nil {
		return storeError("conversation", err)
	}
	var out readResult
	out.WAMID, err = h.d.Store.LastInboundWAMID(ctx, id)
	switch {
	case errors.Is(err, db.ErrNotFound):
	case err != nil:
		return internal("find the last inbound message", err)
	default:
		acct, err := h.d.Store.Account(ctx, conv.AccountID)
		if err != nil {
			return internal("read account", err)
		}
		callCtx, cancel := context.WithTimeout(ctx, accountTestTimeout)
		err = h.d.Graph.MarkRead(callCtx, graphAccount(acct), out.WAMID, false)
		cancel()
		if out.WhatsAppRead = err == nil; err != nil {
			out.Error = viewGraphError(err)
		}
	}
	read, err := h.d.Store.MarkConversationRead(ctx, id)
	if err != nil {
		return storeError("conversation", err)
	}
	conv.Conversation = read
	out.Conversation = viewConversation(conv.ConversationListItem, time.Now())
	return c.JSON(out)
}

// boolParam reads a validated "true"/"false"; "" is nil.
func boolParam(s string) *bool {
	if s == "" {
		return nil
	}
	b := s == "true"
	return &b
}

// timeParam reads an optional time bound as the sessions list does.
func timeParam(field, s string, upper bool) (*time.Time, error) {
	t, err := parseTimeParam(field, s, upper)
	if err != nil || t.IsZero() {
		return nil, err
	}
	return &t, nil
}

// workflowCallTimeout bounds a call to a conversation workflow, so that
// Temporal being down answers 503 rather than hanging.
const workflowCallTimeout = 10 * time.Second

// conversationInput starts the conversation's workflow if it is not running
// (it closes after an idle hour), as the ingest relay would.
func conversationInput(conv db.ConversationDetail) workflows.ConversationInput {
	return workflows.ConversationInput{
		AccountID: conv.AccountID, ConversationID: conv.ID, PhoneNumberID: conv.PhoneNumberID, WAID: conv.ContactWAID,
		IsTest: conv.OnTestChannel,
	}
}

// startUpdate sends an update to the conversation's workflow, starting the
// workflow first if it is not running.
func (h *handlers) startUpdate(ctx context.Context, conv db.ConversationDetail, opts client.UpdateWorkflowOptions) (client.WorkflowUpdateHandle, error) {
	if h.d.Workflows == nil {
		return nil, Unavailable("the workflow service is not configured")
	}
	start := h.d.Workflows.NewWithStartWorkflowOperation(client.StartWorkflowOptions{
		ID:                       conv.WorkflowID,
		TaskQueue:                workflows.TaskQueue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
	}, workflows.ConversationWorkflow, conversationInput(conv))
	opts.WorkflowID = conv.WorkflowID
	return h.d.Workflows.UpdateWithStartWorkflow(ctx, client.UpdateWithStartWorkflowOptions{StartWorkflowOperation: start, UpdateOptions: opts})
}

// operate runs an operator update to completion. With start, a workflow
// that is not running is started for it; without, that is a NotFound.
func (h *handlers) operate(ctx context.Context, conv db.ConversationDetail, name string, start bool, args ...any) error {
	if h.d.Workflows == nil {
		return Unavailable("the workflow service is not configured")
	}
	ctx, cancel := context.WithTimeout(ctx, workflowCallTimeout)
	defer cancel()
	opts := client.UpdateWorkflowOptions{UpdateName: name, Args: args, WaitForStage: client.WorkflowUpdateStageCompleted}
	var handle client.WorkflowUpdateHandle
	var err error
	if start {
		handle, err = h.startUpdate(ctx, conv, opts)
	} else {
		opts.WorkflowID = conv.WorkflowID
		handle, err = h.d.Workflows.UpdateWorkflow(ctx, opts)
	}
	if err == nil {
		err = handle.Get(ctx, nil)
	}
	return err
}

// notRunning is the conflict of an update to a workflow that is not running.
const notRunning = "the conversation's workflow is not running"

// workflowError maps a failed workflow call: the workflow's refusal is a
// conflict with its state (409, its own words); Temporal unreachable is 503.
func workflowError(err error, whenNotRunning string) error {
	var apiErr *Error
	var notFound *serviceerror.NotFound
	var appErr *temporal.ApplicationError
	var timeout *client.WorkflowUpdateServiceTimeoutOrCanceledError
	var unavailable *serviceerror.Unavailable
	var deadline *serviceerror.DeadlineExceeded
	switch {
	case err == nil:
		return nil
	case errors.As(err, &apiErr):
		return apiErr
	case errors.As(err, &notFound):
		return Conflict(firstNonBlank(whenNotRunning, notRunning))
	case errors.As(err, &appErr):
		return Conflict(appErr.Message())
	case errors.As(err, &timeout), errors.As(err, &unavailable), errors.As(err, &deadline),
		errors.Is(err, context.DeadlineExceeded):
		return &Error{Status: fiber.StatusServiceUnavailable, Code: "unavailable", Message: "the workflow service did not answer; retry", Internal: err}
	}
	return internal("call the conversation workflow", err)
}

func (h *handlers) takeOver(c *fiber.Ctx) error {
	id, err := paramUUID(c, "id")
	if err != nil {
		return err
	}
	conv, err := h.d.Store.ConversationDetail(c.UserContext(), id)
	if err != nil {
		return storeError("conversation", err)
	}
	by := workflows.TakeoverRequest{By: caller(c).UserID.String()}
	if err := h.operate(c.UserContext(), conv, workflows.UpdateTakeover, true, by); err != nil {
		return workflowError(err, "")
	}
	return h.respondConversation(c, id)
}

func (h *handlers) release(c *fiber.Ctx) error {
	id, err := paramUUID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	conv, err := h.d.Store.ConversationDetail(ctx, id)
	if err != nil {
		return storeError("conversation", err)
	}
	err = h.operate(ctx, conv, workflows.UpdateRelease, false)
	var notFound *serviceerror.NotFound
	if errors.As(err, &notFound) && conv.HandoffState == db.HandoffAgent {
		// No workflow holds the conversation, so the row is stale: the next
		// message starts a run in which the bot answers.
		err = h.d.Store.SetHandoff(ctx, db.Handoff{ConversationID: id})
		if err != nil {
			return storeError("conversation", err)
		}
	} else if err != nil {
		return workflowError(err, "the conversation is not taken over")
	}
	return h.respondConversation(c, id)
}

func (h *handlers) skip(c *fiber.Ctx) error {
	id, err := paramUUID(c, "id")
	if err != nil {
		return err
	}
	conv, err := h.d.Store.ConversationDetail(c.UserContext(), id)
	if err != nil {
		return storeError("conversation", err)
	}
	if err := h.operate(c.UserContext(), conv, workflows.UpdateSkip, false); err != nil {
		return workflowError(err, "no session is running")
	}
	return h.respondConversation(c, id)
}
