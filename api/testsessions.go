package api

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/wabuilder/wab/db"
	"github.com/wabuilder/wab/workflows"
)

// A test session is a conversation on the test channel (db.TestChannelAccount)
// between a synthetic customer and the chatbot under test. Its messages go in
// through the webhook's own parser and store path (testsession_inbound.go)
// and are handed to the same Conversation workflow as a customer's; the
// bot's answers are sent by the same activities, to the sandbox inside the
// worker instead of Meta. The transcript is the messages table.

type createTestSessionRequest struct {
	ChatbotID    string `json:"chatbotId" validate:"required,uuid" doc:"the chatbot to test; its published version runs"`
	CustomerName string `json:"customerName" validate:"max=100" doc:"the test customer's name (default \"Test customer\")"`
	Text         string `json:"text" validate:"max=4096" doc:"the customer's first message (default \"Hi\")"`
}

// testMessageRequest is one customer message: exactly one of the fields.
type testMessageRequest struct {
	Text      string `json:"text" validate:"max=4096" doc:"a typed message"`
	ButtonID  string `json:"buttonId" validate:"max=256" doc:"tap the reply button with this id"`
	ListRowID string `json:"listRowId" validate:"max=200" doc:"choose the list row with this id"`
}

type testSessionView struct {
	ID             uuid.UUID  `json:"id" doc:"the test session's id: its conversation's"`
	ConversationID uuid.UUID  `json:"conversationId"`
	ChatbotID      uuid.UUID  `json:"chatbotId"`
	ChatbotName    string     `json:"chatbotName"`
	AccountID      uuid.UUID  `json:"accountId" doc:"the test channel's account"`
	CustomerPhone  string     `json:"customerPhone" doc:"the synthetic customer's wa_id"`
	CustomerName   string     `json:"customerName"`
	WorkflowID     string     `json:"workflowId"`
	CreatedAt      time.Time  `json:"createdAt"`
	ClosedAt       *time.Time `json:"closedAt" doc:"set once stopped: it takes no more messages"`
	// Session is the latest bot run: null until the workflow has started one.
	Session  *testSessionState   `json:"session"`
	Messages []transcriptMessage `json:"messages" doc:"the transcript, oldest first"`
}

type testSessionState struct {
	ID               uuid.UUID       `json:"id" doc:"the session, as /api/chatbot-sessions/{id} shows it"`
	Status           string          `json:"status"`
	IsActive         bool            `json:"isActive"`
	CurrentNodeID    string          `json:"currentNodeId"`
	CompletionReason string          `json:"completionReason"`
	Variables        json.RawMessage `json:"variables"`
	StartedAt        time.Time       `json:"startedAt"`
	CompletedAt      *time.Time      `json:"completedAt"`
}

// testTranscriptLimit caps the transcript: a test is a few dozen messages.
const testTranscriptLimit = 500

func (h *handlers) testSessionRoutes() []route {
	return []route{
		{method: fiber.MethodPost, path: "/api/test-sessions", access: agentAccess, tag: "test sessions", summary: "Start a chatbot's published version in the test channel: a synthetic customer writes the first message", body: createTestSessionRequest{}, resp: testSessionView{}, status: fiber.StatusCreated, handler: h.createTestSession},
		{method: fiber.MethodGet, path: "/api/test-sessions/:id", access: agentAccess, tag: "test sessions", summary: "A test session: the bot's state and the transcript (buttons and list rows included)", resp: testSessionView{}, handler: h.getTestSession},
		{method: fiber.MethodPost, path: "/api/test-sessions/:id/messages", access: agentAccess, tag: "test sessions", summary: "The test customer writes, taps a button or picks a list row; the bot answers asynchronously", body: testMessageRequest{}, resp: testSessionView{}, status: fiber.StatusAccepted, handler: h.sendTestMessage},
		{method: fiber.MethodDelete, path: "/api/test-sessions/:id", access: agentAccess, tag: "test sessions", summary: "Stop a test session: its running bot session stops and it takes no more messages", status: fiber.StatusNoContent, handler: h.deleteTestSession},
	}
}

// errTestUnpublished: a test runs what customers would get, a published version.
var errTestUnpublished = &Error{
	Status: fiber.StatusUnprocessableEntity, Code: "not_published",
	Message: "chatbotId: the chatbot has no published version; publish it to test it",
	Fields:  map[string]string{"chatbotId": "has no published version"},
}

func (h *handlers) createTestSession(c *fiber.Ctx) error {
	var req createTestSessionRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	chatbotID := uuid.MustParse(req.ChatbotID) // validated
	ctx := c.UserContext()
	bot, err := h.d.Store.Chatbot(ctx, chatbotID)
	if err != nil {
		return storeError("chatbot", err)
	}
	if bot.PublishedVersionID == nil {
		return errTestUnpublished
	}
	acct, err := h.d.Store.TestChannelAccount(ctx)
	if err != nil {
		return internal("test channel", err)
	}
	name := strings.TrimSpace(req.CustomerName)
	if name == "" {
		name = "Test customer"
	}
	text := req.Text
	if strings.TrimSpace(text) == "" {
		text = "Hi"
	}
	var by *uuid.UUID
	if id := caller(c).UserID; id != uuid.Nil {
		by = &id
	}
	id, err := h.startTestConversation(ctx, acct, name, text, chatbotID, by)
	if err != nil {
		return internal("start test session", err)
	}
	h.wakeRelay()
	return h.respondTestSession(c, fiber.StatusCreated, id)
}

// startTestConversation stores the first message of a new synthetic
// customer and marks the conversation as a test of chatbotID, in one
// transaction: the relay hands the message to the workflow only once the
// chatbot choice is there.
func (h *handlers) startTestConversation(ctx context.Context, acct db.Account, name, text string, chatbotID uuid.UUID, by *uuid.UUID) (uuid.UUID, error) {
	for attempt := 1; ; attempt++ {
		waID, err := testCustomerWAID()
		if err != nil {
			return uuid.Nil, err
		}
		msg, err := testInbound(acct, waID, name, testReply{text: text})
		if err != nil {
			return uuid.Nil, err
		}
		var id uuid.UUID
		err = h.d.Store.InTx(ctx, func(tx *db.Store) error {
			res, err := tx.Ingest(ctx, db.IngestBatch{Messages: []db.IngestMessage{msg}})
			if err != nil {
				return err
			}
			if len(res.Stored) != 1 {
				return errors.New("the first message of a test session was not stored")
			}
			id = res.Stored[0].ConversationID
			return tx.CreateTestSession(ctx, id, chatbotID, by)
		})
		// A conflict is a random customer id drawn twice: draw again.
		if errors.Is(err, db.ErrConflict) && attempt < 3 {
			continue
		}
		return id, err
	}
}

func (h *handlers) getTestSession(c *fiber.Ctx) error {
	id, err := paramUUID(c, "id")
	if err != nil {
		return err
	}
	return h.respondTestSession(c, fiber.StatusOK, id)
}

func (h *handlers) sendTestMessage(c *fiber.Ctx) error {
	id, err := paramUUID(c, "id")
	if err != nil {
		return err
	}
	var req testMessageRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	given := 0
	for _, v := range []string{req.Text, req.ButtonID, req.ListRowID} {
		if v != "" {
			given++
		}
	}
	if given != 1 {
		return &Error{
			Status: fiber.StatusBadRequest, Code: "invalid_request",
			Message: "text: give exactly one of text, buttonId and listRowId",
			Fields:  map[string]string{"text": "give exactly one of text, buttonId and listRowId"},
		}
	}
	ctx := c.UserContext()
	ts, err := h.d.Store.TestSession(ctx, id)
	if err != nil {
		return storeError("test session", err)
	}
	if ts.ClosedAt != nil {
		return Conflict("the test session is stopped; start a new one")
	}
	reply := testReply{text: req.Text}
	if req.ButtonID != "" || req.ListRowID != "" {
		if reply, err = h.offeredChoice(ctx, ts, req); err != nil {
			return err
		}
	}
	acct, err := h.d.Store.Account(ctx, ts.AccountID)
	if err != nil {
		return internal("test channel", err)
	}
	msg, err := testInbound(acct, ts.CustomerPhone, ts.CustomerName, reply)
	if err != nil {
		return internal("test message", err)
	}
	if _, err := h.d.Store.Ingest(ctx, db.IngestBatch{Messages: []db.IngestMessage{msg}}); err != nil {
		return internal("store test message", err)
	}
	h.wakeRelay()
	return h.respondTestSession(c, fiber.StatusAccepted, id)
}

// offeredChoice finds the button or list row the bot offered with the
// requested id, newest first: the customer can only tap what they were sent.
func (h *handlers) offeredChoice(ctx context.Context, ts db.TestSession, req testMessageRequest) (testReply, error) {
	msgs, err := h.testTranscript(ctx, ts.ConversationID)
	if err != nil {
		return testReply{}, internal("test transcript", err)
	}
	for _, m := range slices.Backward(msgs) {
		if req.ButtonID != "" {
			for _, b := range m.Buttons {
				if b.ID == req.ButtonID {
					return testReply{kind: replyButton, id: b.ID, title: b.Title}, nil
				}
			}
			continue
		}
		for _, s := range m.Sections {
			for _, r := range s.Rows {
				if r.ID == req.ListRowID {
					return testReply{kind: replyList, id: r.ID, title: r.Title, description: r.Description}, nil
				}
			}
		}
	}
	if req.ButtonID != "" {
		return testReply{}, BadRequest("buttonId", "the bot has not offered a button with this id")
	}
	return testReply{}, BadRequest("listRowId", "the bot has not offered a list row with this id")
}

func (h *handlers) deleteTestSession(c *fiber.Ctx) error {
	id, err := paramUUID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	ts, err := h.d.Store.TestSession(ctx, id)
	if err != nil {
		return storeError("test session", err)
	}
	s, err := h.d.Store.LatestConversationSession(ctx, ts.ConversationID)
	switch {
	case errors.Is(err, db.ErrNotFound):
	case err != nil:
		return internal("test session state", err)
	case s.EndedAt == nil:
		var ae *Error
		err := h.sessionUpdate(ctx, s, workflows.UpdateStop)
		endedMeanwhile := errors.As(err, &ae) && ae.Status == fiber.StatusConflict
		if err != nil && !endedMeanwhile {
			return err
		}
	}
	if err := h.d.Store.CloseTestSession(ctx, id); err != nil {
		return storeError("test session", err)
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (h *handlers) wakeRelay() {
	if h.d.Relay != nil {
		h.d.Relay.Notify()
	}
}

func (h *handlers) respondTestSession(c *fiber.Ctx, status int, id uuid.UUID) error {
	ctx := c.UserContext()
	ts, err := h.d.Store.TestSession(ctx, id)
	if err != nil {
		return storeError("test session", err)
	}
	v := testSessionView{
		ID: ts.ConversationID, ConversationID: ts.ConversationID, ChatbotID: ts.ChatbotID, ChatbotName: ts.ChatbotName,
		AccountID: ts.AccountID, CustomerPhone: ts.CustomerPhone, CustomerName: ts.CustomerName,
		WorkflowID: ts.WorkflowID, CreatedAt: ts.CreatedAt, ClosedAt: ts.ClosedAt,
	}
	s, err := h.d.Store.LatestConversationSession(ctx, ts.ConversationID)
	switch {
	case errors.Is(err, db.ErrNotFound):
	case err != nil:
		return internal("test session state", err)
	default:
		v.Session = &testSessionState{
			ID: s.ID, Status: string(s.Status), IsActive: s.EndedAt == nil, CurrentNodeID: s.CurrentNodeID,
			CompletionReason: s.CompletionReason, Variables: s.Variables, StartedAt: s.StartedAt, CompletedAt: s.EndedAt,
		}
	}
	if v.Messages, err = h.testTranscript(ctx, ts.ConversationID); err != nil {
		return internal("test transcript", err)
	}
	return c.Status(status).JSON(v)
}

// testTranscript is the conversation's messages, oldest first (the newest
// testTranscriptLimit of them).
func (h *handlers) testTranscript(ctx context.Context, conversationID uuid.UUID) ([]transcriptMessage, error) {
	var msgs []db.Message
	after := db.Cursor{}
	for len(msgs) < testTranscriptLimit {
		page, err := h.d.Store.ConversationMessages(ctx, conversationID, after, min(db.MaxPageSize, testTranscriptLimit-len(msgs)))
		if err != nil {
			return nil, err
		}
		msgs = append(msgs, page.Items...)
		if page.Next == nil {
			break
		}
		after = *page.Next
	}
	slices.Reverse(msgs)
	return transcriptOf(msgs), nil
}
